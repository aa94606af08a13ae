"""Celery wrappers: load ids, call a service. Every task is safe to run twice or concurrently."""

from celery import shared_task
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .notifications import ChannelError, materialise_deliveries, send_pending

# Exponential backoff: 1, 2, 4, ... minutes, at most an hour apart, about a day in all.
DELIVERY_RETRY = {"autoretry_for": (ChannelError,), "retry_backoff": 60, "retry_backoff_max": 3600, "max_retries": 8}


@shared_task(bind=True, name="grievances.deliver_channel", acks_late=True, **DELIVERY_RETRY)
def deliver_channel(self, channel, notification_ids=None, sweep_id=None):
    """Send one channel's pending deliveries; raise (and so retry later) while some still fail."""
    final = self.request.retries >= self.max_retries
    materialise_deliveries(channel, notification_ids=notification_ids, sweep_id=sweep_id)
    failing = send_pending(channel, notification_ids=notification_ids, sweep_id=sweep_id, final=final)
    if failing and not final:
        raise ChannelError(f"{channel}: {failing} 条发送失败，稍后重试")
    return failing


@shared_task(name="grievances.sweep_deadlines")
def sweep_deadlines(now=None):
    """The beat task: reminders, warnings, supervision notices as of now (or an ISO datetime)."""
    from .sweep import sweep_deadlines as run_sweep

    when = parse_datetime(now) if now else timezone.now()
    run = run_sweep(now=when)
    return run.pk


@shared_task(name="grievances.sync_campaign_phases")
def sync_campaign_phases(today=None):
    """The daily task: each campaign's phase follows its dates; each switch triggers its work."""
    from datetime import date

    from .followups import sync_phases

    day = date.fromisoformat(today) if today else None
    return sync_phases(today=day)


@shared_task(name="grievances.ensure_followups")
def ensure_followups(campaign_id):
    from campaigns.models import Campaign

    from .followups import ensure_followups as run

    campaign = Campaign.objects.filter(pk=campaign_id).first()
    return run(campaign=campaign) if campaign else 0


@shared_task(name="grievances.followup_for_grievance")
def followup_for_grievance(grievance_id):
    from .followups import ensure_followup_for

    return ensure_followup_for(grievance_id=grievance_id)


@shared_task(name="grievances.preview_ledger_import")
def preview_ledger_import(job_id):
    from campaigns.lib.imports import run_preview

    from .excel import IMPORTER

    run_preview(IMPORTER, job_id)


@shared_task(name="grievances.confirm_ledger_import")
def confirm_ledger_import(job_id):
    from campaigns.lib.imports import run_confirm

    from .excel import IMPORTER

    run_confirm(IMPORTER, job_id)
