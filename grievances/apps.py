from importlib.util import find_spec

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class GrievancesConfig(AppConfig):
    name = "grievances"
    verbose_name = "问题整改台账"

    def ready(self):
        from . import admin_background  # noqa: F401  (background models and the phase action)
        from .schedules import ensure_periodic_tasks

        post_migrate.connect(ensure_periodic_tasks, sender=self)
        # Look-back follow-ups are created when the workflow answers an entry (issue 6). The
        # signal lives in the ledger's workflow (grievances/signals.py); connect once it exists.
        if find_spec("grievances.signals") is not None:
            from .followups import on_post_transition
            from .signals import post_transition

            post_transition.connect(on_post_transition, dispatch_uid="grievances.followups.on_post_transition")
