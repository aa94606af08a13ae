from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = "入户走访"

    def ready(self):
        from campaigns.signals import phase_changed

        from . import receivers

        phase_changed.connect(receivers.notice_unvisited_households, dispatch_uid="visits_notice_unvisited")
