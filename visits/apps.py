from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = "入户走访"

    def ready(self):
        from auditlog.registry import auditlog

        from campaigns.signals import phase_changed

        from . import models, receivers

        # Every change to households, plans, their review dates, assignments and visits is audited; ID numbers and
        # phones appear masked in the trail.
        for model, masked in (
            (models.Household, ["id_number", "phone"]),
            (models.HardshipPlan, []),
            (models.PlanReview, []),
            (models.Assignment, []),
            (models.Visit, []),
        ):
            if not auditlog.contains(model):
                auditlog.register(model, mask_fields=masked)

        phase_changed.connect(receivers.notice_unvisited_households, dispatch_uid="visits_notice_unvisited")

        from grievances.signals import sweep_finished

        sweep_finished.connect(receivers.remind_plan_review_dates, dispatch_uid="visits_remind_plan_reviews")

        from campaigns.lib.imports import register_importer

        from . import tasks
        from .roster import IMPORTER
        from .visit_import import IMPORTER as VISIT_IMPORTER

        register_importer(IMPORTER, preview_task=tasks.preview_import, confirm_task=tasks.confirm_import)
        register_importer(
            VISIT_IMPORTER, preview_task=tasks.preview_visit_import, confirm_task=tasks.confirm_visit_import
        )
