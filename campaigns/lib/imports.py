"""One design for spreadsheet imports (the roster, an offline ledger): upload, preview, confirm.

- Upload, in the request: the file is checked only for what it claims to be (extension, size,
  signature), stored through default_storage (the worker that reads it may run elsewhere) and
  recorded as a job. Nothing is parsed in the request.
- Preview, a Celery task: every row is checked and every problem reported with its row, column
  and a Chinese message; what a confirm would write is staged and counted; progress is written
  to the job row. Nothing else is written.
- Confirm, a Celery task: under a lock on the job row, one transaction writes every staged row or
  none. A job already done, or being confirmed, is left as it is, so running twice is safe.

A kind of import is an `Importer`: its job model (a subclass of `ImportJobBase`), its words, and
what `preview()` and `write()` do. The app's services call `start()` and `confirm()`, its tasks
`run_preview()` and `run_confirm()`.
"""

import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from campaigns.access import can
from campaigns.errors import DomainError, InvalidInput, NotAllowed, user_message
from campaigns.lib import uploads
from campaigns.lib.sheet_reader import ParsedBook, ParsedSheet, ParseFailed, parse_in_child

log = logging.getLogger(__name__)

MAX_STORED_ERRORS = 1000
# What the first bytes of a spreadsheet are: a zip (.xlsx) or an OLE2 compound file (.xls).
SIGNATURES = {"xlsx": b"PK\x03\x04", "xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"}


class ImportStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    PREVIEWING = "previewing", "校验中"
    # "preview" and "imported" are what roster jobs stored and the API answered before the two
    # imports shared one design; the values stay so that neither changes.
    READY = "preview", "待确认"
    CONFIRMING = "confirming", "导入中"
    DONE = "imported", "已导入"
    FAILED = "failed", "失败"


RUNNING = (ImportStatus.PENDING, ImportStatus.PREVIEWING, ImportStatus.CONFIRMING)


# --- leases: every background job says it is alive -----------------------------------------------
# A worker at work on a job writes `heartbeat_at` when it takes the job and with each progress
# step; the beat task `campaigns.reap_stale_jobs` takes a job whose heartbeat is older than this to
# be held by a worker that is gone (killed, out of memory, its machine lost) and queues the step
# again (every step is idempotent), and after MAX_LEASE_ATTEMPTS marks it failed with a reason and
# a 重试 button. The longest silent step (a district's confirm in one COPY) stays well below it.
LEASE_SECONDS = 10 * 60
MAX_LEASE_ATTEMPTS = 3
INTERRUPTED = "后台处理中断（处理进程已停止），多次重新排队仍未完成，请点击“重试”"


class LeasedJob(models.Model):
    """The fields every job (imports, summary reports) shares for its lease."""

    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)
    lease_attempts = models.PositiveSmallIntegerField("重新排队次数", default=0)
    # The task message at work on the job: the same message delivered again (its worker died and
    # the broker handed it on, task_reject_on_worker_lost) may take the job over at once.
    lease_holder = models.CharField("处理任务", max_length=64, blank=True)

    class Meta:
        abstract = True


@dataclass(frozen=True)
class JobKind:
    """One kind of job for the reaper: its model, the statuses in which a worker holds it or it
    waits for one, the failed status and message field, and how to queue its step again."""

    model: type[models.Model]
    held: tuple[str, ...]
    failed: str
    message_field: str
    rerun: Callable[[models.Model], object]


_JOB_KINDS: dict[str, JobKind] = {}


def register_job_kind(kind: JobKind) -> None:
    """Called from an app's ready(): the reaper watches this kind of job."""
    _JOB_KINDS[kind.model._meta.label] = kind


_REAPERS: list[Callable] = []


def register_reaper(close: Callable) -> None:
    """Called from an app's ready(): something else the reaper closes once its worker is gone (a
    sweep run): `close(now=, cutoff=)` returns its counts."""
    if close not in _REAPERS:
        _REAPERS.append(close)


def heartbeat(model: type[models.Model], job_id: int, **fields) -> None:
    """The worker is alive and at work on the job (and maybe a progress figure)."""
    model.objects.filter(pk=job_id).update(heartbeat_at=timezone.now(), **fields)


def reap_stale_jobs(*, now=None) -> dict[str, int]:
    """Queue again each job whose worker is gone; fail those that were queued again too often."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=LEASE_SECONDS)
    return _reap(now, cutoff)


def _reap(now, cutoff) -> dict[str, int]:
    counts = {"requeued": 0, "failed": 0}
    for kind in _JOB_KINDS.values():
        stale = kind.model.objects.filter(status__in=kind.held).filter(
            models.Q(heartbeat_at__lt=cutoff) | models.Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
        )
        for job in stale.order_by("pk")[:500]:
            same = kind.model.objects.filter(pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at)
            if job.lease_attempts >= MAX_LEASE_ATTEMPTS:
                if same.update(status=kind.failed, **{kind.message_field: INTERRUPTED}):
                    log.warning(
                        "%s %s failed: no heartbeat after %s re-queues",
                        kind.model._meta.label,
                        job.pk,
                        job.lease_attempts,
                    )
                    counts["failed"] += 1
                continue
            if same.update(heartbeat_at=now, lease_attempts=models.F("lease_attempts") + 1):
                log.warning("%s %s re-queued: no heartbeat since %s", kind.model._meta.label, job.pk, job.heartbeat_at)
                kind.rerun(job)
                counts["requeued"] += 1
    for close in _REAPERS:
        for key, n in close(now=now, cutoff=cutoff).items():
            counts[key] = counts.get(key, 0) + n
    return counts


class ImportJobBase(LeasedJob):
    """One upload and what became of it. Subclasses add what their confirm needs (staged rows)."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导入人",
        on_delete=models.PROTECT,
        related_name="%(app_label)s_import_jobs",
    )
    file = models.CharField("文件", max_length=300)  # a default_storage name, never a local path
    original_name = models.CharField("原文件名", max_length=200, blank=True)
    status = models.CharField("状态", max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    total_rows = models.PositiveIntegerField("数据行数", default=0)
    to_create = models.PositiveIntegerField("新增", default=0)
    errors = models.JSONField("问题", default=list, blank=True)  # [{row, column, message}], the first 1000
    error_count = models.PositiveIntegerField("问题数", default=0)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    message = models.CharField("说明", max_length=300, blank=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta(LeasedJob.Meta):
        abstract = True
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.original_name or f'导入#{self.pk}'} ({self.get_status_display()})"

    @property
    def running(self) -> bool:
        """Whether a task is still at work on it (a page polls while it is)."""
        return self.status in RUNNING


class ImportErrors:
    """Collects problems as {row, column, message}; keeps the first MAX_STORED_ERRORS, counts all."""

    def __init__(self):
        self.items = []
        self.count = 0

    def add(self, row: int, column: str, message: str) -> None:
        self.count += 1
        if len(self.items) < MAX_STORED_ERRORS:
            self.items.append({"row": row, "column": column, "message": message})


class Importer:
    """One kind of import: its job model, its words, and what preview and confirm do."""

    model: type[ImportJobBase]
    noun = "文件"  # what the user uploads, in messages: 花名册, 台账
    storage_dir = "imports"  # default_storage directory of the uploads
    formats: tuple[str, ...] = ("xlsx",)  # accepted extensions, each checked against its signature
    kind = "import"  # its limits: settings.UPLOAD_LIMITS[kind] (size) and SHEET_LIMITS[kind] (shape)
    refused = NotAllowed.message  # who may not upload or confirm is told this
    wrong_format = "请上传Excel（.xlsx）格式的文件"
    unreadable = "无法读取该文件，请上传Excel（.xlsx）格式的文件"

    def may_upload(self, user) -> bool:
        return True

    def preview(self, job: ImportJobBase, errors: ImportErrors, progress: Callable[[float], None]) -> None:
        """Check every row of `job.file`, add every problem to `errors`, set the job's counts and
        stage what a confirm writes; call `progress` with the share done now and then."""
        raise NotImplementedError

    def write(self, job: ImportJobBase) -> str:
        """Write what the preview staged, inside the confirm's transaction; the message for the
        user. A DomainError fails the job with its message, and nothing is written."""
        raise NotImplementedError

    def discard(self, job: ImportJobBase) -> None:
        """Drop the job's staged data once it was written, or when nobody can confirm it."""


# --- in the request ------------------------------------------------------------------------------
def queue_step(task, step: str) -> Callable[[int], object]:
    """What `start()` and `confirm()` call to queue a job's step: an outbox row, so that a broker
    that is away delays the step instead of failing the upload and leaving the job pending."""
    from campaigns.services import enqueue_now

    def queue(job_id: int):
        return enqueue_now(task, key=f"{task.name}:{step}:{job_id}:{uuid.uuid4().hex[:8]}", job_id=job_id)

    return queue


def start(importer: Importer, *, actor, upload: UploadedFile, queue: Callable[[int], object]) -> ImportJobBase:
    """Store the upload through default_storage, record its job and queue its preview."""
    if not importer.may_upload(actor):
        raise NotAllowed(importer.refused)
    name = os.path.basename(upload.name or f"{importer.noun}.{importer.formats[0]}")
    extension = _check_upload(importer, upload, name)
    stored = default_storage.save(f"{importer.storage_dir}/{uuid.uuid4().hex}.{extension}", upload)
    job = importer.model.objects.create(created_by=actor, file=stored, original_name=name[:200])
    queue(job.pk)
    job.refresh_from_db()
    return job


def _check_upload(importer: Importer, upload: UploadedFile, name: str) -> str:
    """The upload's extension, once it is one the importer takes and the file begins as one."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in importer.formats:
        raise uploads.UploadRefused(uploads.FILE_TYPE, importer.wrong_format)
    max_bytes = uploads.limits(importer.kind)["max_bytes"]
    if upload.size > max_bytes:
        raise uploads.UploadRefused(
            uploads.FILE_TOO_LARGE, f"{importer.noun}文件不能超过{uploads.size_text(max_bytes)}"
        )
    upload.seek(0)
    head = upload.read(len(SIGNATURES[extension]))
    upload.seek(0)
    if head != SIGNATURES[extension]:
        raise uploads.UploadRefused(uploads.FILE_TYPE, importer.unreadable)
    if extension == "xlsx":
        uploads.check_sheet(upload, importer.kind, noun=importer.noun)
    return extension


def read_upload(
    importer: Importer, job: ImportJobBase, *, formulas: bool = False, all_sheets: bool = False
) -> ParsedSheet | ParsedBook | None:
    """The first sheet of a job's upload (every sheet with `all_sheets`), parsed in a child process
    under the kind's memory and CPU caps after each sheet's whole extent is checked; None when it
    cannot be read. A file over a limit raises `UploadRefused` (the preview fails with its message)."""
    limits = uploads.SheetLimits.of(importer.kind)
    suffix = "." + job.file.rsplit(".", 1)[-1].lower()
    with tempfile.NamedTemporaryFile(suffix=suffix) as local:
        with default_storage.open(job.file, "rb") as f:
            shutil.copyfileobj(f, local, 1 << 20)
        local.flush()
        if suffix == ".xlsx":
            local.seek(0)
            uploads.scan_sheet(local, importer.kind, noun=importer.noun, all_sheets=all_sheets)
        try:
            return parse_in_child(
                local.name,
                memory_bytes=limits.memory_bytes,
                cpu_seconds=limits.cpu_seconds,
                formulas=formulas,
                all_sheets=all_sheets,
            )
        except ParseFailed as exc:
            if exc.message is None:
                return None
            raise uploads.UploadRefused(uploads.SHEET_TOO_LARGE, f"{importer.noun}{exc.message}") from None


def confirm(importer: Importer, *, actor, job: ImportJobBase, queue: Callable[[int], object]) -> ImportJobBase:
    """Queue the write of a previewed job (rule "confirm"). A job done or being confirmed is left as
    it is; one whose write has failed already (a worker that was quick) raises the reason."""
    if not can(actor, "confirm", job):
        raise NotAllowed(importer.refused)
    if job.status in (ImportStatus.DONE, ImportStatus.CONFIRMING):
        return job
    if job.status == ImportStatus.FAILED:
        raise InvalidInput(job.message or f"{importer.noun}导入失败，请重新上传", code="import_failed")
    if job.status != ImportStatus.READY:
        raise InvalidInput(f"{importer.noun}尚未校验完成，不能导入", code="not_ready")
    if job.error_count:
        raise InvalidInput(f"{importer.noun}还有{job.error_count}处问题，请修改后重新上传", code="has_errors")
    if claim_confirm(importer, job):
        queue(job.pk)
    job.refresh_from_db()
    if job.status == ImportStatus.FAILED:
        raise InvalidInput(job.message, code="import_failed")
    return job


def retry(importer: Importer, *, actor, job: ImportJobBase, queue: Callable[[int], object]) -> ImportJobBase:
    """Check a failed job's stored file again from the start (rule "confirm": its uploader). A job
    that has not failed (a second tap of 重试) is left as it is."""
    if not can(actor, "confirm", job):
        raise NotAllowed(importer.refused)
    if importer.model.objects.filter(pk=job.pk, status=ImportStatus.FAILED).update(
        status=ImportStatus.PENDING, progress=0, message="", lease_attempts=0, heartbeat_at=None
    ):
        queue(job.pk)
    job.refresh_from_db()
    return job


def register_importer(importer: Importer, *, preview_task, confirm_task) -> None:
    """Let the reaper watch this importer's jobs: one whose worker is gone gets the step it was at
    queued again (a preview from the start, a confirm under its row lock: both idempotent)."""
    preview, confirm_ = queue_step(preview_task, "preview"), queue_step(confirm_task, "confirm")

    def again(job: ImportJobBase):
        return (confirm_ if job.status == ImportStatus.CONFIRMING else preview)(job.pk)

    register_job_kind(JobKind(importer.model, RUNNING, ImportStatus.FAILED, "message", again))


def claim_confirm(importer: Importer, job: ImportJobBase) -> bool:
    """Mark a clean preview as being confirmed; of two confirms at once, one wins."""
    return bool(
        importer.model.objects.filter(pk=job.pk, status=ImportStatus.READY, error_count=0).update(
            status=ImportStatus.CONFIRMING, progress=0, message="正在导入……"
        )
    )


# --- in the worker -------------------------------------------------------------------------------
def run_preview(importer: Importer, job_id: int) -> None:
    """The preview task: check a queued job and record what its confirm would do."""
    model = importer.model
    # A preview that a lost worker left half done runs again: it writes nothing but its own job.
    queued = (ImportStatus.PENDING, ImportStatus.PREVIEWING)
    if not model.objects.filter(pk=job_id, status__in=queued).update(
        status=ImportStatus.PREVIEWING, progress=0, heartbeat_at=timezone.now()
    ):
        return
    job = model.objects.select_related("created_by").get(pk=job_id)
    errors = ImportErrors()

    def progress(share: float) -> None:
        model.objects.filter(pk=job_id, status=ImportStatus.PREVIEWING).update(
            progress=min(95, int(share * 95)), heartbeat_at=timezone.now()
        )

    try:
        importer.preview(job, errors, progress)
    except uploads.UploadRefused as exc:
        problem = [{"row": 0, "column": "", "message": exc.message}]
        model.objects.filter(pk=job_id).update(
            status=ImportStatus.FAILED, message=exc.message[:300], errors=problem, error_count=1
        )
        return
    except Exception as exc:
        log.exception("%s %s: preview failed", model._meta.label, job_id)
        model.objects.filter(pk=job_id).update(
            status=ImportStatus.FAILED, message=f"校验失败：{user_message(exc)}"[:300]
        )
        return
    job.errors, job.error_count = errors.items, errors.count
    job.status, job.progress = ImportStatus.READY, 100
    job.message = f"共{errors.count}处问题，请修改后重新上传" if errors.count else "校验通过，请确认导入"
    with transaction.atomic():
        current = model.objects.select_for_update().filter(pk=job_id).values_list("status", flat=True).first()
        if current == ImportStatus.PREVIEWING:
            job.save()
    if current != ImportStatus.PREVIEWING:  # another run of the task got there first
        importer.discard(job)


def run_confirm(importer: Importer, job_id: int) -> None:
    """The confirm task: write a job being confirmed in one transaction, all rows or none."""
    model = importer.model
    # Said before the write's transaction, which nobody else sees until it commits.
    model.objects.filter(pk=job_id, status=ImportStatus.CONFIRMING).update(heartbeat_at=timezone.now())
    try:
        with transaction.atomic():
            job = model.objects.select_for_update(of=("self",)).select_related("created_by").filter(pk=job_id).first()
            if job is None or job.status != ImportStatus.CONFIRMING:
                return  # written already (a task runs again after a lost worker), or never confirmed
            job.message = importer.write(job)[:300]
            job.status, job.progress, job.finished_at = ImportStatus.DONE, 100, timezone.now()
            job.save()
    except DomainError as exc:
        _fail(model, job_id, exc.message)
    except IntegrityError:
        # Someone registered one of these rows after the preview: start again from a preview.
        log.warning("%s %s collided with newer data", model._meta.label, job_id)
        _fail(model, job_id, f"校验后{importer.noun}数据已发生变化，未写入任何数据，请重新上传校验")
    except Exception as exc:
        log.exception("%s %s: import failed", model._meta.label, job_id)
        _fail(model, job_id, f"导入失败，未写入任何数据：{user_message(exc)}")
    else:
        importer.discard(job)


def _fail(model: type[ImportJobBase], job_id: int, message: str) -> None:
    """The write transaction rolled back: nothing was imported."""
    model.objects.filter(pk=job_id).update(status=ImportStatus.FAILED, message=message[:300])
