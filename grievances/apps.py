from django.apps import AppConfig


class GrievancesConfig(AppConfig):
    name = "grievances"
    verbose_name = "问题整改台账"

    def ready(self):
        from auditlog.registry import auditlog

        from . import admin_background, models, signals  # noqa: F401  (receivers, background admin)
        from .followups import on_post_transition

        for model in (models.Grievance, models.GrievanceCategory, models.Reporter, models.Attachment):
            if not auditlog.contains(model):
                auditlog.register(model)
        # Look-back follow-ups are created when the workflow answers an entry (issue 6).
        signals.post_transition.connect(on_post_transition, dispatch_uid="grievances.followups.on_post_transition")
