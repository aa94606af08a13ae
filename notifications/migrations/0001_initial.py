"""Notification and Delivery, which the ledger's migration 0007 created, belong to this app now.

The tables stay where they are (the models name them in Meta.db_table), so this migration only
changes Django's state: the models appear here while grievances.0009 removes them there. Content
types follow, so permissions granted on them and admin history stay attached.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MODELS = ["notification", "delivery"]


def _relabel(apps, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        # On a fresh database neither exists yet (post_migrate creates them after every migration).
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def content_types_forward(apps, schema_editor):
    _relabel(apps, "grievances", "notifications")


def content_types_backward(apps, schema_editor):
    _relabel(apps, "notifications", "grievances")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('grievances', '0008_report_figure_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('reminder', '到期提醒'), ('warning', '到期预警'), ('supervision', '督办'), ('followup', '回头看'), ('coverage', '走访覆盖'), ('phase', '阶段切换'), ('other', '其他')], default='other', max_length=20, verbose_name='类型')),
                        ('title', models.CharField(max_length=200, verbose_name='标题')),
                        ('body', models.TextField(blank=True, verbose_name='内容')),
                        ('url', models.CharField(blank=True, max_length=300, verbose_name='链接')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='时间')),
                        ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='已读时间')),
                        ('grievance', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='grievances.grievance', verbose_name='问题')),
                        ('notice', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='grievances.noticelog', verbose_name='期限通知')),
                        ('recipient', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL, verbose_name='接收人')),
                        ('sweep', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='grievances.sweeprun', verbose_name='扫描')),
                    ],
                    options={
                        'verbose_name': '消息通知',
                        'verbose_name_plural': '消息通知',
                        'db_table': 'grievances_notification',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='Delivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('channel', models.CharField(choices=[('inbox', '站内消息'), ('email', '电子邮件'), ('sms', '短信')], max_length=10, verbose_name='渠道')),
                        ('status', models.CharField(choices=[('pending', '待发送'), ('sent', '已发送'), ('retrying', '重试中'), ('failed', '发送失败')], default='pending', max_length=10, verbose_name='状态')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='尝试次数')),
                        ('last_error', models.TextField(blank=True, verbose_name='最近错误')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='发送时间')),
                        ('notification', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='notifications.notification', verbose_name='通知')),
                    ],
                    options={
                        'verbose_name': '通知发送',
                        'verbose_name_plural': '通知发送',
                        'db_table': 'grievances_delivery',
                    },
                ),
                migrations.AddIndex(
                    model_name='notification',
                    index=models.Index(fields=['recipient', 'read_at'], name='notification_inbox_idx'),
                ),
                migrations.AddConstraint(
                    model_name='notification',
                    constraint=models.UniqueConstraint(condition=models.Q(('notice__isnull', False)), fields=('notice', 'recipient'), name='notification_once_per_notice'),
                ),
                migrations.AddIndex(
                    model_name='delivery',
                    index=models.Index(fields=['channel', 'status'], name='delivery_channel_status_idx'),
                ),
                migrations.AddConstraint(
                    model_name='delivery',
                    constraint=models.UniqueConstraint(fields=('notification', 'channel'), name='delivery_once_per_channel'),
                ),
            ],
        ),
        migrations.RunPython(content_types_forward, content_types_backward),
    ]
