from django.apps import AppConfig


class GrievancesConfig(AppConfig):
    name = "grievances"
    verbose_name = "问题整改台账"

    def ready(self):
        from auditlog.registry import auditlog

        from . import models, signals  # noqa: F401  (schedule_changed receiver)

        for model in (models.Grievance, models.GrievanceCategory, models.Reporter, models.Attachment):
            if not auditlog.contains(model):
                auditlog.register(model)
