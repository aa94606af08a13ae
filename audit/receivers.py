"""What goes into the chain by itself: logins and their failures, and every change django-auditlog
records (the models each app registers), with the actor of the request, API requests included."""

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from campaigns.signals import token_logged_in

from . import services
from .models import Event

_ACTIONS = {
    LogEntry.Action.CREATE: Event.CREATE,
    LogEntry.Action.UPDATE: Event.UPDATE,
    LogEntry.Action.DELETE: Event.DELETE,
    LogEntry.Action.ACCESS: Event.ACCESS,
}


@receiver(post_save, sender=LogEntry, dispatch_uid="audit_chain_logentry")
def chain_log_entry(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return  # a restore (loaddata) brings back log entries whose records it restores too
    changes = instance.changes_dict if hasattr(instance, "changes_dict") else (instance.changes or {})
    data = dict(instance.additional_data or {}) if isinstance(instance.additional_data, dict) else {}
    if data.get("event") in {"login", "logout", "login_failed"}:
        return  # the login receivers below write these themselves
    model = instance.content_type.model_class() if instance.content_type_id else None
    services.record(
        _ACTIONS.get(instance.action, Event.UPDATE),
        actor=instance.actor,
        object_type=model._meta.label_lower if model else "",
        object_id=instance.object_pk,
        object_repr=instance.object_repr,
        changes=changes,
        data={"auditlog_id": instance.pk, **data},
    )


@receiver(user_logged_in, dispatch_uid="audit_chain_login")
def chain_login(sender, request, user, **kwargs):
    verified = getattr(user, "otp_device", None) is not None
    services.record(Event.LOGIN, actor=user, obj=user, request=request, data={"otp": verified})


@receiver(user_logged_out, dispatch_uid="audit_chain_logout")
def chain_logout(sender, request, user, **kwargs):
    if user is not None:
        services.record(Event.LOGOUT, actor=user, obj=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_chain_login_failed")
def chain_login_failed(sender, credentials, request=None, **kwargs):
    username = str((credentials or {}).get("username") or "")[:150]
    user = get_user_model().objects.filter(username=username).first() if username else None
    services.record(
        Event.LOGIN_FAILED,
        actor=None,
        obj=user,
        object_type="campaigns.user",
        object_repr=username,
        request=request,
        data={"username": username},
    )


@receiver(token_logged_in, dispatch_uid="audit_chain_token_login")
def chain_token_login(sender, user, request, otp=False, **kwargs):
    services.record(Event.TOKEN_LOGIN, actor=user, obj=user, request=request, data={"otp": otp})
