"""Roster jobs take the statuses every import job shares (campaigns.lib.imports.ImportStatus).

"pending", "preview", "imported" and "failed" keep their values; "previewing" and "confirming"
are new. A job whose confirm was queued before (status "preview", message "正在导入……") becomes
"confirming", which is what the confirm task now looks for.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

QUEUED_MESSAGE = "正在导入"


def mark_queued_confirms(apps, schema_editor):
    ImportJob = apps.get_model("visits", "ImportJob")
    ImportJob.objects.filter(status="preview", error_count=0, message__startswith=QUEUED_MESSAGE).update(
        status="confirming"
    )


def unmark_queued_confirms(apps, schema_editor):
    ImportJob = apps.get_model("visits", "ImportJob")
    ImportJob.objects.filter(status="confirming").update(status="preview")
    ImportJob.objects.filter(status="previewing").update(status="pending")


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0005_household_lean_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="importjob",
            options={"ordering": ["-created_at", "-id"], "verbose_name": "花名册导入", "verbose_name_plural": "花名册导入"},
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
        migrations.RunPython(mark_queued_confirms, unmark_queued_confirms),
    ]
