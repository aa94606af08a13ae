"""Celery wrappers: load ids, call a service. Every task is safe to run twice or concurrently."""

from celery import shared_task
from django.utils import timezone
from django.utils.dateparse import parse_datetime


@shared_task(name="grievances.sweep_deadlines")
def sweep_deadlines(now=None):
    """The beat task: reminders, warnings, supervision notices as of now (or an ISO datetime)."""
    from .sweep import sweep_deadlines as run_sweep

    when = parse_datetime(now) if now else timezone.now()
    run = run_sweep(now=when)
    return run.pk


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


@shared_task(bind=True, name="grievances.render_board_poster")
def render_board_poster(self, job_id):
    from .board import run_poster

    job = run_poster(job_id=job_id, holder=self.request.id or "")
    return job.status if job else None
