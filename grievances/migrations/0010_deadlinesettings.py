"""The ledger's settings row keeps its working-day counts and is named for them; the channel
switches moved to notifications.ChannelSettings (notifications.0002 copied their values)."""

from django.db import migrations

ACTIONS = ["add", "change", "delete", "view"]


def _rename_permissions(apps, old, new, verbose_name):
    """RenameModel moves the content type (contenttypes does that), not the permissions' codenames:
    rename them, so that whoever could edit the settings still can."""
    Permission = apps.get_model("auth", "Permission")
    for action in ACTIONS:
        if Permission.objects.filter(content_type__app_label="grievances", codename=f"{action}_{new}").exists():
            continue
        Permission.objects.filter(content_type__app_label="grievances", codename=f"{action}_{old}").update(
            codename=f"{action}_{new}", name=f"Can {action} {verbose_name}"
        )


def permissions_forward(apps, schema_editor):
    _rename_permissions(apps, "backgroundsettings", "deadlinesettings", "提醒与督办设置")


def permissions_backward(apps, schema_editor):
    _rename_permissions(apps, "deadlinesettings", "backgroundsettings", "提醒与督办设置")


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('grievances', '0009_move_notification_delivery_to_notifications'),
        ('notifications', '0002_channelsettings'),
    ]

    operations = [
        migrations.RemoveField(model_name='backgroundsettings', name='email_enabled'),
        migrations.RemoveField(model_name='backgroundsettings', name='sms_enabled'),
        migrations.RemoveField(model_name='backgroundsettings', name='sms_kinds'),
        migrations.RenameModel(old_name='BackgroundSettings', new_name='DeadlineSettings'),
        migrations.RunPython(permissions_forward, permissions_backward),
    ]
