"""Writes of the reports app: summary jobs, violations, service-card distribution."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from campaigns.access import can
from campaigns.choices import Level
from campaigns.errors import Conflict, InvalidInput, NotAllowed
from campaigns.models import OrgUnit

from .models import CardDistribution, ReportJob, Violation

if TYPE_CHECKING:
    from collections.abc import Sequence

    from django.core.files.uploadedfile import UploadedFile
    from django.db.models import Model

    from campaigns.models import Campaign, User
    from visits.models import Household

    from .selectors import Filters

log = logging.getLogger(__name__)


def create_report_job(*, actor: User, filters: Filters) -> ReportJob:
    """Queue a summary PDF for (campaign, unit, range); the Celery task renders it."""
    from .tasks import generate_summary

    job = ReportJob.objects.create(
        campaign=filters.campaign, org_unit=filters.unit, start=filters.start, end=filters.end, created_by=actor
    )
    transaction.on_commit(lambda: generate_summary.delay(job.pk))
    return job


def _progress(job_id: int, value: int) -> None:
    ReportJob.objects.filter(pk=job_id).update(progress=value)


def run_report_job(*, job_id: int) -> ReportJob | None:
    """Render and store one job. Idempotent: a done or running job is left alone; the row lock makes
    two workers starting the same job at once run it only once."""
    from . import pdf, selectors

    with transaction.atomic():
        job = ReportJob.objects.select_for_update().select_related("campaign", "org_unit").filter(pk=job_id).first()
        if job is None or job.status in (ReportJob.State.DONE, ReportJob.State.RUNNING):
            return job
        job.status, job.progress, job.error = ReportJob.State.RUNNING, 5, ""
        job.save(update_fields=["status", "progress", "error"])
    try:
        f = selectors.Filters(campaign=job.campaign, unit=job.org_unit, start=job.start, end=job.end)
        figures = selectors.campaign_figures(f)
        _progress(job.pk, 30)
        html = pdf.summary_html(figures)
        _progress(job.pk, 50)
        data = pdf.render_pdf(html)
        _progress(job.pk, 90)
        job.file.save(f"summary-{job.pk}.pdf", ContentFile(data), save=False)
        ReportJob.objects.filter(pk=job.pk).update(
            file=job.file.name, status=ReportJob.State.DONE, progress=100, finished_at=timezone.now()
        )
    except Exception as exc:  # recorded on the job for the user; the worker log keeps the traceback
        log.exception("summary job %s failed", job.pk)
        ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.State.FAILED, error=f"生成失败：{exc}"[:500])
    job.refresh_from_db()
    return job


# --- Violations -------------------------------------------------------------------------


def community_of(unit: OrgUnit) -> OrgUnit | None:
    """The community/village a unit belongs to (scores are kept per community/village), or None."""
    if unit.level == Level.COMMUNITY:
        return unit
    if unit.level == Level.GRID and unit.parent_id:
        parent = unit.parent
        return parent if parent.level == Level.COMMUNITY else None
    return None


def _require(actor: User, action: str, obj: Model) -> None:
    if not can(actor, action, obj):
        raise NotAllowed("只有督导人员可以记录和核实违规")


@transaction.atomic
def record_violation(
    *,
    actor: User,
    campaign: Campaign,
    unit: OrgUnit,
    kind: str,
    evidence: str,
    evidence_file: UploadedFile | None = None,
) -> Violation:
    """An inspector records a case found in a spot check (confirmed at once: they saw it)."""
    _require(actor, "inspect", unit)
    community = community_of(unit)
    if community is None:
        raise InvalidInput("违规只能记录到社区/村（或其网格）", fields={"unit": ["请选择社区/村或网格"]})
    if not evidence.strip():
        raise InvalidInput("请填写违规情况说明", fields={"evidence": ["必填"]})
    if not community.path.startswith(campaign.territory.path):
        raise InvalidInput("该单位不在本次活动范围内", fields={"unit": ["不在活动范围内"]})
    v = Violation(
        campaign=campaign,
        unit=community,
        kind=kind,
        evidence=evidence.strip(),
        source=Violation.Origin.MANUAL,
        status=Violation.State.CONFIRMED,
        recorded_by=actor,
        reviewed_by=actor,
        reviewed_at=timezone.now(),
    )
    if evidence_file:
        v.evidence_file.save(evidence_file.name, evidence_file, save=False)
    v.save()
    return v


@transaction.atomic
def review_violation(*, actor: User, violation_id: int, confirm: bool, note: str = "") -> Violation:
    """Confirm or dismiss a candidate (or revise an earlier decision). Locked: two inspectors at once."""
    v = Violation.objects.select_for_update().select_related("unit").get(pk=violation_id)
    _require(actor, "review", v)
    target = Violation.State.CONFIRMED if confirm else Violation.State.DISMISSED
    if v.status == target:
        raise Conflict("该违规已是此状态")
    if not confirm and not note.strip():
        raise InvalidInput("排除须说明理由", fields={"note": ["请填写排除理由"]})
    v.status, v.reviewed_by, v.reviewed_at, v.review_note = target, actor, timezone.now(), note.strip()
    v.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    return v


# --- Service cards ----------------------------------------------------------------------


def distribute_cards(*, actor: User, campaign: Campaign, households: Sequence[Household]) -> int:
    """Record that these households received their card; already recorded ones are left as they are."""
    grids = {h.grid_id for h in households}
    if OrgUnit.objects.actionable_by(actor, "cards").filter(pk__in=grids).count() != len(grids):
        raise NotAllowed("您无权登记该农户的连心卡发放")
    now = timezone.now()
    rows = [
        CardDistribution(campaign=campaign, household=h, distributed_at=now, distributed_by=actor) for h in households
    ]
    mine = CardDistribution.objects.filter(campaign=campaign, household__in=households)
    with transaction.atomic():
        before = mine.count()
        # The unique (campaign, household) pair makes a double submit or two cadres at once harmless.
        CardDistribution.objects.bulk_create(rows, ignore_conflicts=True)
        return mine.count() - before
