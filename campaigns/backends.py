"""Django model permissions (what the admin site asks) from the three administrator roles.

三员分立 (GB/T 22239-2019 level 3): the system administrator configures the units, campaigns,
calendar and settings; the security administrator manages accounts, roles, second factors,
tokens and lockouts; the audit administrator reads the audit trail. A membership in one of these
roles carries the permissions below and nothing else; `Permission` rows granted by hand stay the
installation superuser's to give (the user admin shows them read-only to everyone else).
"""

from django.contrib.auth.backends import BaseBackend

from .access import scope
from .choices import Role

#: Apps and models that are the security administrator's or the auditor's alone.
_SECURITY_MODELS = {
    "campaigns.user",
    "campaigns.membership",
    "knox.authtoken",
    "axes.accessattempt",
    "axes.accessfailurelog",
    "axes.accesslog",
    "otp_totp.totpdevice",
    "otp_static.staticdevice",
    "otp_static.statictoken",
}
_AUDIT_APPS = {"audit", "auditlog"}
_NOBODY_APPS = {"auth", "contenttypes", "sessions", "admin"}


def _model(perm: str) -> tuple[str, str, str]:
    app, codename = perm.split(".", 1)
    action, _, model = codename.partition("_")
    return app, action, model


def role_grants(role: str, perm: str) -> bool:
    """Whether holding `role` anywhere grants the Django permission `perm` ("app.action_model")."""
    app, action, model = _model(perm)
    label = f"{app}.{model}"
    if app in _NOBODY_APPS:
        return False
    if role == Role.ADMIN:
        if app in _AUDIT_APPS or label in _SECURITY_MODELS or app.startswith("otp_"):
            # The people list is read-only for the system administrator: no accounts, no roles.
            return label == "campaigns.user" and action == "view"
        return True
    if role == Role.SECURITY:
        # Accounts and everything that guards them; the unit tree only to pick units.
        return label in _SECURITY_MODELS or (label == "campaigns.orgunit" and action == "view")
    if role == Role.AUDITOR:
        # The audit trail and the login records, read only.
        return action == "view" and (app in _AUDIT_APPS or label in {"axes.accesslog", "axes.accessfailurelog"})
    return False


class RolePermissionBackend(BaseBackend):
    """Answers `has_perm` for staff from their administrator memberships; authenticates nobody."""

    def _roles(self, user_obj):
        if not user_obj.is_active or user_obj.is_anonymous or not user_obj.is_staff:
            return set()
        return scope(user_obj).roles & {Role.ADMIN, Role.SECURITY, Role.AUDITOR}

    def has_perm(self, user_obj, perm, obj=None):
        return any(role_grants(role, perm) for role in self._roles(user_obj))

    def has_module_perms(self, user_obj, app_label):
        from django.apps import apps

        roles = self._roles(user_obj)
        if not roles:
            return False
        try:
            config = apps.get_app_config(app_label)
        except LookupError:
            return False
        return any(
            role_grants(role, f"{app_label}.{action}_{m._meta.model_name}")
            for m in config.get_models()
            for role in roles
            for action in ("view", "change")
        )
