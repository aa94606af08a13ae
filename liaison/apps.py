from django.apps import AppConfig


class LiaisonConfig(AppConfig):
    name = "liaison"
    verbose_name = "民情联络"

    def ready(self):
        from auditlog.registry import auditlog

        from visits.models import register_standing_network

        from . import models, receivers

        for model in (
            models.LiaisonGroup,
            models.PartyLink,
            models.Liaison,
            models.DutyShift,
            models.BoxOpening,
            models.Meeting,
            models.LiaisonReport,
            models.VisitCadence,
        ):
            if not auditlog.contains(model):
                auditlog.register(model)
        register_standing_network(models.network_village_ids)
        receivers.connect()

        from .services import MAP_RENDERER

        MAP_RENDERER.register()
