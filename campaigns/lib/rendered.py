"""Files a user waits for, rendered by a Celery task: a summary, a service-card sheet, a board
poster, a network map. One design for all of them, on the lease of `campaigns.lib.imports`:

- The job model derives `RenderedJob` (status with its `State`: pending, running, done, failed;
  `progress`, `error`, `created_by`, `created_at`, `finished_at`) and adds its `file` (where it is
  stored) and what it renders.
- The task calls `Renderer.run(job_id, holder=<task message id>, render=...)`: the job is taken
  under its row lock (a running one only by the message that started it: its worker died and the
  broker delivered the message again), each progress step is a heartbeat, the file is stored and
  the export recorded, and any error fails the job with its Chinese reason.
- `register()` (from the app's ready()) hands the kind to the reaper: a job without a heartbeat
  for LEASE_SECONDS is queued again, after MAX_LEASE_ATTEMPTS failed with a 重试 button;
  `retry()` is that button.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from campaigns.errors import user_message

from .imports import JobKind, LeasedJob, heartbeat, register_job_kind

log = logging.getLogger(__name__)


class RenderedJob(LeasedJob):
    """The fields every rendered file's job shares; subclasses add `file` and what they render."""

    class State(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    status = models.CharField("状态", max_length=20, choices=State.choices, default=State.PENDING)
    progress = models.PositiveSmallIntegerField("进度", default=0)
    error = models.TextField("错误信息", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta(LeasedJob.Meta):
        abstract = True
        ordering = ["-created_at", "-id"]


@dataclass(frozen=True)
class Rendered:
    """What a render produced: the file and what the export record says of it."""

    name: str
    data: bytes
    kind: str  # the export's kind for audit.exports.record_rendered
    filters: dict
    rows: int


class Renderer:
    """One kind of rendered file: its job model and the dotted path of its task (bound, job_id)."""

    def __init__(self, model: type[models.Model], task: str, *, related: tuple[str, ...] = ()):
        self.model, self.task_path, self.related = model, task, ("created_by", *related)

    @property
    def task(self):
        return import_string(self.task_path)

    def queue(self, job_id: int) -> None:
        """Queue the job's render now (the job row is committed)."""
        from campaigns.services import enqueue_now

        task = self.task
        enqueue_now(task, key=f"{task.name}:{job_id}:{uuid.uuid4().hex[:8]}", job_id=job_id)

    def progress(self, job_id: int, value: int) -> None:
        heartbeat(self.model, job_id, progress=value)

    def run(self, job_id: int, *, holder: str, render: Callable[[models.Model], Rendered]):
        """Render and store one job. Idempotent: a done job is left alone, and so is a running one
        unless `holder` started it. The row lock makes two workers starting it at once run it once."""
        from audit.exports import record_rendered

        State = self.model.State
        with transaction.atomic():
            job = (
                self.model.objects.select_for_update(of=("self",))
                .select_related(*self.related)
                .filter(pk=job_id)
                .first()
            )
            if job is None or job.status == State.DONE:
                return job
            if job.status == State.RUNNING and not (holder and job.lease_holder == holder):
                return job
            job.status, job.progress, job.error, job.heartbeat_at = State.RUNNING, 5, "", timezone.now()
            job.lease_holder = holder
            job.save(update_fields=["status", "progress", "error", "heartbeat_at", "lease_holder"])
        try:
            out = render(job)
            self.progress(job.pk, 95)
            job.file.save(out.name, ContentFile(out.data), save=False)
            self.model.objects.filter(pk=job.pk).update(
                file=job.file.name, status=State.DONE, progress=100, finished_at=timezone.now()
            )
            record_rendered(job, kind=out.kind, filters=out.filters, rows=out.rows)
        except Exception as exc:  # recorded on the job for the user; the worker log keeps the traceback
            log.exception("%s %s failed", self.model._meta.label, job.pk)
            self.model.objects.filter(pk=job.pk).update(
                status=State.FAILED, error=f"生成失败：{user_message(exc)}"[:500]
            )
        job.refresh_from_db()
        return job

    def rerun(self, job) -> None:
        """For the reaper: a job whose worker is gone is queued again from the start."""
        self.model.objects.filter(pk=job.pk, status=self.model.State.RUNNING).update(status=self.model.State.PENDING)
        self.queue(job.pk)

    def retry(self, job):
        """重试: render a failed job again; one that has not failed (a second tap) is left as it is.
        Who may ask is the caller's check."""
        State = self.model.State
        if self.model.objects.filter(pk=job.pk, status=State.FAILED).update(
            status=State.PENDING, progress=0, error="", lease_attempts=0, heartbeat_at=None, lease_holder=""
        ):
            self.queue(job.pk)
        job.refresh_from_db()
        return job

    def register(self) -> None:
        State = self.model.State
        register_job_kind(JobKind(self.model, (State.PENDING, State.RUNNING), State.FAILED, "error", self.rerun))
