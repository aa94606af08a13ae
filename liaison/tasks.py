"""Celery wrappers: take ids, call a service."""

from celery import shared_task


@shared_task(bind=True, name="liaison.render_map")
def render_map(self, job_id):
    from .services import run_map_job

    job = run_map_job(job_id=job_id, holder=self.request.id or "")
    return job.status if job else None
