"""Celery wrappers: load ids, call a service. Every task is safe to run twice or concurrently."""

from datetime import date

from celery import shared_task

from . import services


# The task name is older than this module and stays: beat's rows, and phase syncs queued from the
# operations page, name it.
@shared_task(name="grievances.sync_campaign_phases")
def sync_campaign_phases(today=None):
    """The daily task: each campaign's phase follows its dates; each switch is announced."""
    day = date.fromisoformat(today) if today else None
    return services.sync_phases(today=day)
