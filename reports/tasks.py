"""Celery wrappers: take ids, call a service."""

from celery import shared_task


@shared_task(bind=True)
def generate_summary(self, job_id):
    from .services import run_report_job

    job = run_report_job(job_id=job_id, holder=self.request.id or "")
    return job.status if job else None


@shared_task
def run_detectors(campaign_id, unit_id=None):
    from campaigns.models import Campaign, OrgUnit

    from .detectors import detect_all

    unit = OrgUnit.objects.get(pk=unit_id) if unit_id else None
    return detect_all(campaign=Campaign.objects.get(pk=campaign_id), unit=unit)


@shared_task(name="reports.rebuild_figure_rollup")
def rebuild_figure_rollup():
    from .rollup import rebuild

    return rebuild()
