from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class GrievancesConfig(AppConfig):
    name = "grievances"
    verbose_name = "问题整改台账"

    def ready(self):
        from auditlog.registry import auditlog

        from campaigns.calendar import schedule_changed
        from campaigns.signals import phase_changed, phases_synced

        from . import models, receivers
        from .signals import transition_recorded

        masked = {models.Grievance: ["reporter_phone"], models.Reporter: ["phone"]}
        for model in (
            models.Grievance,
            models.GrievanceCategory,
            models.Reporter,
            models.Attachment,
            models.Publication,
            models.Reception,
            models.ReceptionVisitor,
        ):
            if not auditlog.contains(model):
                auditlog.register(model, mask_fields=masked.get(model, []))
        from campaigns.lib.imports import register_importer, register_reaper

        from . import tasks
        from .excel import IMPORTER

        register_importer(IMPORTER, preview_task=tasks.preview_ledger_import, confirm_task=tasks.confirm_ledger_import)

        from .board import RENDERER as POSTERS

        POSTERS.register()
        from .sweep import close_interrupted_runs

        register_reaper(close_interrupted_runs)
        transition_recorded.connect(receivers.on_transition_recorded, dispatch_uid="grievances_followup_when_answered")
        phase_changed.connect(receivers.start_lookback, dispatch_uid="grievances_start_lookback")
        phases_synced.connect(receivers.record_phase_sync, dispatch_uid="grievances_record_phase_sync")
        schedule_changed.connect(receivers.recompute_on_schedule_change, dispatch_uid="grievances_recompute_deadlines")
        post_save.connect(
            receivers.invalidate_counts, sender=models.Grievance, dispatch_uid="grievances_bump_generation_save"
        )
        post_delete.connect(
            receivers.invalidate_counts, sender=models.Grievance, dispatch_uid="grievances_bump_generation_delete"
        )
