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


@shared_task(name="campaigns.deliver_outbox")
def deliver_outbox():
    """Beat, every minute: hand the broker what it refused before; drop week-old sent rows."""
    sent = services.send_outbox()
    services.purge_outbox()
    return sent


@shared_task(name="campaigns.reap_stale_jobs")
def reap_stale_jobs():
    """Beat, every two minutes: a job whose worker is gone is queued again, or failed with 重试."""
    from .lib.imports import reap_stale_jobs as reap

    return reap()
