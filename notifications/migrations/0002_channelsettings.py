"""The channel switches (e-mail, SMS, which kinds by SMS) get their own settings row here.

They were three columns of the ledger's settings row (grievances.BackgroundSettings); its values
are copied over before grievances.0010 drops those columns, and copied back when reversed. Whoever
was granted a permission on that row gets the same one on this row.
"""

from django.db import migrations, models

FIELDS = ["email_enabled", "sms_enabled", "sms_kinds"]


def copy_from_ledger(apps, schema_editor):
    Old = apps.get_model("grievances", "BackgroundSettings")
    ChannelSettings = apps.get_model("notifications", "ChannelSettings")
    for row in Old.objects.all():
        ChannelSettings.objects.update_or_create(pk=row.pk, defaults={f: getattr(row, f) for f in FIELDS})


ACTIONS = ["add", "change", "delete", "view"]


def grant_like_ledger_settings(apps, schema_editor):
    """Groups and people holding `<action>_backgroundsettings` get `<action>_channelsettings`.

    Only on a database that has the old permissions; a fresh one gets its permissions from
    post_migrate as usual (which finds these rows and leaves them alone)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    old_type = ContentType.objects.filter(app_label="grievances", model="backgroundsettings").first()
    if old_type is None:
        return
    new_type, _ = ContentType.objects.get_or_create(app_label="notifications", model="channelsettings")
    for action in ACTIONS:
        old = Permission.objects.filter(content_type=old_type, codename=f"{action}_backgroundsettings").first()
        if old is None:
            continue
        new, _ = Permission.objects.get_or_create(
            content_type=new_type, codename=f"{action}_channelsettings", defaults={"name": f"Can {action} 通知渠道设置"}
        )
        new.group_set.add(*old.group_set.all())
        new.user_set.add(*old.user_set.all())


def copy_to_ledger(apps, schema_editor):
    Old = apps.get_model("grievances", "BackgroundSettings")
    ChannelSettings = apps.get_model("notifications", "ChannelSettings")
    for row in ChannelSettings.objects.all():
        Old.objects.filter(pk=row.pk).update(**{f: getattr(row, f) for f in FIELDS})


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('grievances', '0009_move_notification_delivery_to_notifications'),
        ('notifications', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='ChannelSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('email_enabled', models.BooleanField(default=True, verbose_name='发送电子邮件')),
                ('sms_enabled', models.BooleanField(default=True, verbose_name='发送短信')),
                ('sms_kinds', models.JSONField(blank=True, default=list, help_text='为空时为：warning、supervision、followup', verbose_name='短信通知类型')),
            ],
            options={
                'verbose_name': '通知渠道设置',
                'verbose_name_plural': '通知渠道设置',
            },
        ),
        migrations.RunPython(copy_from_ledger, copy_to_ledger),
        migrations.RunPython(grant_like_ledger_settings, migrations.RunPython.noop),
    ]
