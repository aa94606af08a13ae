"""Celery wrappers: load the job by id, call the roster service. Safe to run twice.

A failure is recorded on the job (its status and message), which is what users poll.
"""

import logging

from celery import shared_task
from django.db import IntegrityError

from .choices import ImportStatus
from .models import ImportJob

log = logging.getLogger(__name__)


@shared_task
def preview_import(job_id):
    job = ImportJob.objects.filter(pk=job_id, status=ImportStatus.PENDING).select_related("created_by").first()
    if job is None:  # already previewed by another worker
        return
    from . import roster

    try:
        roster.preview(job)
    except Exception as exc:
        log.exception("roster preview %s failed", job_id)
        ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.FAILED, message=f"校验失败：{exc}"[:300])


@shared_task
def confirm_import(job_id):
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status != ImportStatus.PREVIEW:
        return
    from . import roster

    try:
        roster.confirm(job)
    except IntegrityError:
        # Someone registered one of these households after the preview: start again from a preview.
        log.warning("roster import %s collided with newer data", job_id)
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportStatus.FAILED,
            message="校验后名册数据已发生变化，未写入任何数据，请重新上传校验",
        )
    except Exception as exc:
        # The write transaction rolled back: nothing was imported.
        log.exception("roster import %s failed", job_id)
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportStatus.FAILED, message=f"导入失败，未写入任何数据：{exc}"[:300]
        )
