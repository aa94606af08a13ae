"""Ledger import jobs take the fields every import job shares (campaigns.lib.imports.ImportJobBase).

Renamed, so existing rows keep their values: file_name -> original_name, state -> status,
confirmed_at -> finished_at. `file` was a FileField and becomes the same default_storage name in
a CharField. Added: total_rows, to_create, error_count, progress, message, filled from each row's
rows and errors. Statuses: done -> imported; failed (the preview found problems) -> preview with
error_count > 0, which is how the shared design says it; preview stays. created_count goes
(to_create holds it). The reverse restores the old fields from the new ones.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _data_rows_with_errors(errors):
    """Rows of the file that had a problem; header problems (no header, 缺少列) name no data row."""
    return {e.get("row") for e in errors if e.get("column") and not str(e.get("message", "")).startswith("缺少列")}


def forwards(apps, schema_editor):
    ImportJob = apps.get_model("grievances", "ImportJob")
    for job in ImportJob.objects.iterator():
        errors, rows = job.errors or [], job.rows or []
        job.error_count = len(errors)
        job.total_rows = len(rows) + len(_data_rows_with_errors(errors))
        job.progress = 100
        if job.status == "done":
            job.status = "imported"
            job.to_create = job.created_count
            job.message = f"导入完成：新增{job.created_count}条"
        else:
            job.status = "preview"
            job.to_create = len(rows)
            job.message = f"共{len(errors)}处问题，请修改后重新上传" if errors else "校验通过，请确认导入"
        job.save(update_fields=["status", "error_count", "total_rows", "to_create", "progress", "message"])


def backwards(apps, schema_editor):
    ImportJob = apps.get_model("grievances", "ImportJob")
    for job in ImportJob.objects.iterator():
        if job.status == "imported":
            job.status, job.created_count = "done", job.to_create
        elif job.status in ("preview", "confirming") and not job.error_count:
            job.status = "preview"
        else:  # problems found, failed, or never checked: the old design could not confirm these
            job.status = "failed"
        job.save(update_fields=["status", "created_count"])


class Migration(migrations.Migration):
    dependencies = [
        ("grievances", "0011_merge_notifications_and_vocabulary"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name="importjob", old_name="file_name", new_name="original_name"),
        migrations.AlterField(
            model_name="importjob",
            name="original_name",
            field=models.CharField(blank=True, max_length=200, verbose_name="原文件名"),
        ),
        migrations.RenameField(model_name="importjob", old_name="state", new_name="status"),
        migrations.AlterField(
            model_name="importjob",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "排队中"),
                    ("previewing", "校验中"),
                    ("preview", "待确认"),
                    ("confirming", "导入中"),
                    ("imported", "已导入"),
                    ("failed", "失败"),
                ],
                default="pending",
                max_length=20,
                verbose_name="状态",
            ),
        ),
        migrations.RenameField(model_name="importjob", old_name="confirmed_at", new_name="finished_at"),
        migrations.AlterField(
            model_name="importjob",
            name="finished_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="完成时间"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="file",
            field=models.CharField(max_length=300, verbose_name="文件"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="created_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="%(app_label)s_import_jobs",
                to=settings.AUTH_USER_MODEL,
                verbose_name="导入人",
            ),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="errors",
            field=models.JSONField(blank=True, default=list, verbose_name="问题"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="rows",
            field=models.JSONField(blank=True, default=list, verbose_name="校验后数据"),
        ),
        migrations.AddField(
            model_name="importjob",
            name="total_rows",
            field=models.PositiveIntegerField(default=0, verbose_name="数据行数"),
        ),
        migrations.AddField(
            model_name="importjob",
            name="to_create",
            field=models.PositiveIntegerField(default=0, verbose_name="新增"),
        ),
        migrations.AddField(
            model_name="importjob",
            name="error_count",
            field=models.PositiveIntegerField(default=0, verbose_name="问题数"),
        ),
        migrations.AddField(
            model_name="importjob",
            name="progress",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="进度（%）"),
        ),
        migrations.AddField(
            model_name="importjob",
            name="message",
            field=models.CharField(blank=True, max_length=300, verbose_name="说明"),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="importjob", name="created_count"),
    ]
