"""Celery wrappers: load the job by id, run an import step (the roster, past visits). Safe to run twice.

A failure is recorded on the job (its status and message), which is what users poll.
"""

from celery import shared_task

from campaigns.lib.imports import run_confirm, run_preview


@shared_task
def preview_import(job_id):
    from .roster import IMPORTER

    run_preview(IMPORTER, job_id)


@shared_task
def confirm_import(job_id):
    from .roster import IMPORTER

    run_confirm(IMPORTER, job_id)


@shared_task
def preview_visit_import(job_id):
    from .visit_import import IMPORTER

    run_preview(IMPORTER, job_id)


@shared_task
def confirm_visit_import(job_id):
    from .visit_import import IMPORTER

    run_confirm(IMPORTER, job_id)
