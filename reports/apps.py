from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "统计报告"

    def ready(self):
        from auditlog.registry import auditlog

        from . import models

        # Who edited a summary a leader signs, and who decided a deduction, are on the audit trail.
        m2m = {models.SummaryDocument: {"cases"}, models.Talk: {"people"}}
        for model in (models.SummaryDocument, models.Violation, models.Talk):
            if not auditlog.contains(model):
                auditlog.register(model, m2m_fields=m2m.get(model))

        from django.apps import apps

        from .services import RENDERER

        if apps.is_installed("liaison"):
            from liaison.selectors import register_ten_one_figure

            from .cards import town_card_figure

            register_ten_one_figure("service_cards", town_card_figure)

        RENDERER.register()

        from django.db.models.signals import post_delete, post_save

        from campaigns.models import LevelName, OrgUnit
        from grievances.models import Reception, ReceptionVisitor

        from .rollup import bump_figures_generation

        # What the cached figures read live besides the rollup and the ledger (reports.rollup.served).
        for model in (models.Violation, Reception, ReceptionVisitor, OrgUnit, LevelName):
            for signal in (post_save, post_delete):
                signal.connect(bump_figures_generation, sender=model, dispatch_uid=f"figures_gen_{model.__name__}")
