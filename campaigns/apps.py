from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "基础配置"

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
                auditlog.register(model, exclude_fields=exclude)
        post_migrate.connect(_load_calendar_after_migrate, sender=self)


def _load_calendar_after_migrate(sender, **kwargs):
    """After `migrate`, the official calendar the package knows is loaded (no extra step)."""
    from .calendar import load_official_calendar

    load_official_calendar()
