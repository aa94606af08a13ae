"""Signals of the foundation, and its receivers of Django's login signals.

The feature apps hang their work on a campaign's phases here instead of being called by the
foundation (which imports none of them):

- `phase_changed` (sender=Campaign; campaign, old, new) is sent on commit after a phase switch,
  by hand or by the dates. A receiver returns what it did as counts (`{"followups": 3}`) or None;
  the switch adds them up and reports them.
- `phases_synced` (sender=Campaign; as_of, started_at, finished_at, counts, failures, error) is sent
  on commit after a sync of every campaign's phase with its dates, with the switches it made and
  the work reported for them.

Logins, logouts and failed logins go into the audit trail (等保 2.0: 登录审计).
"""

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

phase_changed = Signal()
phases_synced = Signal()
#: A script logged in for an API token (sender=view class; user, request, otp).
token_logged_in = Signal()


def _client_ip(request):
    if request is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return (forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR")) or None


def _log(user, event, request):
    LogEntry.objects.log_create(
        user,
        action=LogEntry.Action.ACCESS,
        changes={"event": [event, event]},
        force_log=True,
        remote_addr=_client_ip(request),
        actor=user,
        additional_data={"event": event},
    )


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    _log(user, "login", request)
    from .middleware import mark_session

    mark_session(request, user)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        _log(user, "logout", request)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    # Failures for unknown usernames are kept by django-axes (AccessFailureLog); a failure
    # against a real account is also written to that account's audit trail.
    username = (credentials or {}).get("username")
    user = get_user_model().objects.filter(username=username).first() if username else None
    if user is not None:
        _log(user, "login_failed", request)


@receiver(post_save, sender=get_user_model(), dispatch_uid="campaigns_revoke_tokens_on_password_change")
def revoke_tokens_on_password_change(sender, instance, **kwargs):
    """A new password (or a deactivated account) ends every API token of the person."""
    if getattr(instance, "_password", None) is not None or not instance.is_active:
        from knox.models import AuthToken

        AuthToken.objects.filter(user=instance).delete()
