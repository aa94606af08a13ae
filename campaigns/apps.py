import axes.apps
from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django_otp.plugins.otp_static import apps as otp_static_apps
from django_otp.plugins.otp_totp import apps as otp_totp_apps


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "基础配置"
    default = True  # the module holds AxesConfig too

    def ready(self):
        from auditlog.registry import auditlog

        from . import models, signals  # noqa: F401  (login audit receivers)

        for model in (
            models.OrgUnit,
            models.User,
            models.Membership,
            models.Campaign,
            models.CampaignPhase,
            models.ChecklistItem,
            models.DeadlineTier,
            models.Team,
            models.TeamMember,
            models.FocusCategory,
            models.CalendarDay,
            models.CalendarYear,
        ):
            if not auditlog.contains(model):
                exclude = ["password", "last_login"] if model is models.User else []
                masked = ["phone"] if model is models.User else []
                auditlog.register(model, exclude_fields=exclude, mask_fields=masked)
        post_migrate.connect(_load_calendar_after_migrate, sender=self)
        _name_link_tables()


def _name_link_tables():
    """Give the tables Django creates for many-to-many fields Chinese names: the admin's delete
    summary lists their rows ("Household-focuscategory关系: Household_categories object (1)")."""
    from django.apps import apps

    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.auto_created or meta.app_label not in _OUR_APPS:
            continue
        source, target = (f.related_model for f in meta.fields if f.is_relation)
        name = f"{source._meta.verbose_name}与{target._meta.verbose_name}的关联"
        meta.verbose_name = meta.verbose_name_plural = name
        model.__str__ = _link_str


_OUR_APPS = {"campaigns", "notifications", "visits", "grievances", "reports"}


def _link_str(self):
    source, target = (getattr(self, f.name) for f in self._meta.fields if f.is_relation)
    return f"{source} — {target}"


def _load_calendar_after_migrate(sender, **kwargs):
    """After `migrate`, the official calendar the package knows is loaded (no extra step)."""
    from .calendar import load_official_calendar

    load_official_calendar()


class AxesConfig(axes.apps.AppConfig):
    """django-axes (login lockout) as INSTALLED_APPS names it: the admin shows its Chinese name."""

    default = False
    verbose_name = "登录锁定"


def _chinese_names(config: AppConfig, names: dict[str, str]) -> None:
    """Third-party models whose names are not translatable (plain strings): named in Chinese here."""
    for model_name, name in names.items():
        meta = config.get_model(model_name)._meta
        meta.verbose_name = meta.verbose_name_plural = name


class KnoxConfig(AppConfig):
    """django-rest-knox (API tokens) under a Chinese name in the admin."""

    name = "knox"
    label = "knox"
    verbose_name = "接口令牌"

    def ready(self):
        _chinese_names(self, {"authtoken": "接口令牌"})


class OtpTotpConfig(otp_totp_apps.DefaultConfig):
    """django-otp's TOTP devices under a Chinese name in the admin."""

    default = False
    verbose_name = "动态口令"

    def ready(self):
        super().ready()
        _chinese_names(self, {"totpdevice": "动态口令设备"})


class OtpStaticConfig(otp_static_apps.DefaultConfig):
    """django-otp's recovery codes under a Chinese name in the admin."""

    default = False
    verbose_name = "恢复码"

    def ready(self):
        super().ready()
        _chinese_names(self, {"staticdevice": "恢复码设备", "statictoken": "恢复码"})
