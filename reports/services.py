"""Writes of the reports app: summary jobs, violations, service-card distribution."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from campaigns.access import can
from campaigns.choices import HOUSEHOLD_LEVELS, Level
from campaigns.errors import Conflict, InvalidInput, NotAllowed
from campaigns.lib import uploads
from campaigns.lib.figures import report_title
from campaigns.lib.rendered import Rendered, Renderer
from campaigns.models import OrgUnit
from campaigns.services import enqueue

from .models import CardDistribution, ReportJob, SummaryDocument, Talk, Violation

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
    enqueue(generate_summary, key=f"reports.generate_summary:{job.pk}", job_id=job.pk)
    return job


def create_card_job(*, actor: User, campaign: Campaign, unit: OrgUnit) -> ReportJob:
    """Queue the service-card sheet of a grid or community (404 outside the user's card units)."""
    from . import cards
    from .tasks import generate_summary

    cards.check_unit(actor, campaign, unit)
    job = ReportJob.objects.create(kind=ReportJob.Kind.CARDS, campaign=campaign, org_unit=unit, created_by=actor)
    enqueue(generate_summary, key=f"reports.generate_summary:{job.pk}", job_id=job.pk)
    return job


RENDERER = Renderer(ReportJob, "reports.tasks.generate_summary", related=("campaign", "org_unit"))


def retry_report_job(*, actor: User, job: ReportJob) -> ReportJob:
    """Render a failed summary again (whoever may ask for a report on its unit); a job that has not
    failed (a second tap of 重试) is left as it is."""
    if not can(actor, "report", job.org_unit):
        raise NotAllowed("您没有为该单位生成报告的权限")
    return RENDERER.retry(job)


def run_report_job(*, job_id: int, holder: str = "") -> ReportJob | None:
    """Render and store one job (`campaigns.lib.rendered`: idempotent, leased)."""
    return RENDERER.run(job_id, holder=holder, render=_render_report)


def _render_report(job: ReportJob) -> Rendered:
    from audit.exports import trace_for

    from . import pdf, selectors

    trace = trace_for(job.created_by)
    filters = {"campaign": job.campaign_id, "unit": job.org_unit_id, "start": job.start or "", "end": job.end or ""}
    if job.kind == ReportJob.Kind.CARDS:
        from . import cards

        RENDERER.progress(job.pk, 20)
        data, rows = cards.card_sheet_pdf(job.campaign, job.org_unit, trace=trace)
    else:
        f = selectors.Filters(campaign=job.campaign, unit=job.org_unit, start=job.start, end=job.end)
        figures = selectors.campaign_figures(f)
        RENDERER.progress(job.pk, 30)
        doc = job.document
        if doc is None:
            # A job queued without a document (the API's one call): the first draft, unsaved.
            doc = SummaryDocument(
                campaign=f.campaign, org_unit=f.unit, start=f.start, end=f.end, **summary_defaults(filters=f)
            )
            cases = list(typical_candidates(filters=f).filter(is_typical=True).prefetch_related("followups")[:5])
        else:
            cases = list(
                doc.cases.select_related("unit", "category", "handling_unit")
                .prefetch_related("followups")
                .order_by("registered_at", "pk")
            )
        html = pdf.summary_html(figures, doc, cases)
        RENDERER.progress(job.pk, 50)
        data = pdf.render_pdf(html, trace=trace)
        rows = len(figures["children"]) + (1 if figures["own"] else 0) + len(cases)
        if job.document_id:
            filters["document"] = job.document_id
    return Rendered(f"{job.kind}-{job.pk}.pdf", data, f"reports.{job.kind}", filters, rows)


# --- The summary document -------------------------------------------------------------------


def _default_issuing_body(unit: OrgUnit) -> str:
    return f"{unit.name}大走访活动领导小组办公室"


def summary_defaults(*, filters: Filters) -> dict:
    """A first draft of every field, from the figures: the narrative carries placeholders (【已解决】)
    that `pdf.fill` replaces with the live figure when the PDF is generated, so text and tables
    never disagree however late the office edits."""
    from . import selectors

    f = filters
    figures = selectors.campaign_figures(f)
    topics = "、".join(c["name"] for c in figures["top_categories"][:3])
    basic = (
        f"{f.campaign.name}开展以来，{f.unit.name}共登记农户（家庭户）【农户数】户，已走访【已走访农户】户，"
        "走访覆盖率【走访覆盖率】；重点户【重点户】户，已走访【已走访重点户】户。"
        "另走访企业、学校、商铺等其他对象，全部走访对象共【全部走访对象】个，已走访【已走访对象】个，"
        "累计入户走访【走访次数】次。走访中共收集群众反映问题和建议【问题建议】条，其中问题【问题】个、建议【建议】条"
        + (f"，主要集中在{topics}等方面" if topics else "")
        + "。按意见类别分，生产生活困难【生产生活困难】条，教育、就业、社保、医疗、住房、涉法涉诉、征地拆迁等诉求【诉求】条，"
        "对党委政府工作的意见建议【对党委政府意见建议】条，对干部作风的意见【对干部作风意见】条。"
    )
    practices = "\n".join(
        [
            "一是坚持全覆盖走访。按照“边走访、边建档、边整改”的要求，组织干部分片包户入户走访，"
            "网格员兜底，做到应访尽访、不漏一户。",
            "二是坚持台账化管理。群众反映的问题逐条登记入账，按即知即改、一般、重大、复杂分级明确办结时限，"
            "逐件交办、限时办结、跟踪督办。",
            "三是坚持回头看。对已办结、已解释说明的问题逐件回访，听取群众评价，"
            "群众不满意的重新办理，确保问题真正解决。",
        ]
    )
    results = (
        "截至目前，已解决问题【已解决】个，解释说明【解释说明】个，问题答复率【答复率】、解决率【解决率】；"
        "建议采纳【建议采纳】条。已回访【已回访】条，其中满意【满意】条、基本满意【基本满意】条，满意率【满意率】。"
    )
    problems = []
    if figures["households_homes"] > figures["households_visited"]:
        problems.append("走访还未全覆盖，尚有【未走访农户】户未走访到位。")
    if figures["problems_in_progress"] or figures["grievances_overdue"]:
        problems.append("部分问题办理进度偏慢，仍有【办理中】个问题正在办理，【超期】条超过办结期限。")
    unsolved = [
        text
        for key, text in (("not_satisfied", "回访中群众不满意【不满意】条"), ("reopened", "重新办理【重新办理】条"))
        if figures[key]
    ]
    if unsolved:
        problems.append(f"个别问题整改不够彻底，{'，'.join(unsolved)}。")
    next_steps = "\n".join(
        [
            "一是对未办结问题逐条明确责任单位和完成时限，持续跟踪督办，做到件件有着落、事事有回音。",
            "二是对群众不满意的事项重新办理、再次回访，确保整改到位。",
            "三是巩固走访成果，建立常态化联系群众机制，做到入户走访全覆盖、民生诉求全兜清、反映问题全解决。",
        ]
    )
    return {
        "title": report_title(f.unit.name, f.campaign.name, "工作总结"),
        "issuing_body": _default_issuing_body(f.unit),
        "signed_on": timezone.localdate(),
        "basic_situation": basic,
        "practices": practices,
        "results": results,
        "problems": "\n".join(problems),
        "next_steps": next_steps,
    }


def typical_candidates(*, filters: Filters):
    """Ledger entries of the unit that may be told as typical cases: closed or answered problems,
    those marked typical first (the seeds' cases are solved ones)."""
    from grievances.choices import ANSWERED_STATUSES, Kind
    from grievances.models import Grievance

    f = filters
    return (
        Grievance.objects.collected()
        .filter(f.window("registered_at"), f.subtree("unit"), campaign=f.campaign, kind=Kind.PROBLEM)
        .filter(status__in=ANSWERED_STATUSES)
        .select_related("unit", "category", "handling_unit")
        .order_by("-is_typical", "-resolved_at", "-pk")
    )


@transaction.atomic
def draft_summary(*, actor: User, filters: Filters) -> SummaryDocument:
    """Open a summary document for (campaign, unit, range) with a first draft of its narrative and
    the entries marked typical as its cases. The unit is checked by `resolve_filters` ("report")."""
    doc = SummaryDocument.objects.create(
        campaign=filters.campaign,
        org_unit=filters.unit,
        start=filters.start,
        end=filters.end,
        created_by=actor,
        **summary_defaults(filters=filters),
    )
    doc.cases.set(typical_candidates(filters=filters).filter(is_typical=True)[:5])
    return doc


SUMMARY_FIELDS = (
    "title",
    "issuing_body",
    "signed_on",
    "basic_situation",
    "practices",
    "results",
    "problems",
    "next_steps",
)


@transaction.atomic
def update_summary(*, actor: User, document_id: int, cases=None, **fields) -> SummaryDocument:
    """The office edits the narrative, the 落款 and the chosen cases (entries of the unit only)."""
    doc = SummaryDocument.objects.select_for_update().select_related("campaign", "org_unit").get(pk=document_id)
    if not can(actor, "edit", doc):
        raise NotAllowed("只有办公室工作人员或领导可以编辑工作总结")
    unknown = set(fields) - set(SUMMARY_FIELDS)
    if unknown:
        raise InvalidInput("存在无法识别的字段", fields={k: ["不可修改"] for k in unknown})
    for key, value in fields.items():
        setattr(doc, key, value.strip() if isinstance(value, str) else value)
    if not doc.title.strip() or not doc.issuing_body.strip():
        raise InvalidInput("标题和发文机关不能为空", fields={"title": ["必填"], "issuing_body": ["必填"]})
    doc.save()
    if cases is not None:
        f = doc_filters(doc)
        allowed = set(typical_candidates(filters=f).filter(pk__in=[c.pk for c in cases]).values_list("pk", flat=True))
        if len(allowed) != len({c.pk for c in cases}):
            raise InvalidInput("典型案例须是本单位已答复的问题", fields={"cases": ["含不可选的问题"]})
        doc.cases.set(sorted(allowed))
    return doc


def doc_filters(doc: SummaryDocument) -> Filters:
    from .selectors import Filters

    return Filters(campaign=doc.campaign, unit=doc.org_unit, start=doc.start, end=doc.end)


def generate_summary_pdf(*, actor: User, document_id: int) -> ReportJob:
    """Queue the PDF of a summary document as it stands (figures live at generation)."""
    from .tasks import generate_summary

    doc = SummaryDocument.objects.select_related("campaign", "org_unit").get(pk=document_id)
    if not can(actor, "edit", doc):
        raise NotAllowed("只有办公室工作人员或领导可以生成工作总结")
    with transaction.atomic():
        job = ReportJob.objects.create(
            campaign=doc.campaign, org_unit=doc.org_unit, start=doc.start, end=doc.end, document=doc, created_by=actor
        )
        transaction.on_commit(lambda: generate_summary.delay(job.pk))
    return job


# --- Violations -------------------------------------------------------------------------


def community_of(unit: OrgUnit) -> OrgUnit | None:
    """The unit a case is scored against: a street/town for its own, else the community/village
    the unit is in (its grids and 楼组 at any depth), or None."""
    if unit.level == Level.STREET:
        return unit
    if unit.level in (Level.COMMUNITY, *HOUSEHOLD_LEVELS):
        return unit.nearest(Level.COMMUNITY)
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
        raise InvalidInput(
            "违规只能记录到街道/镇、社区/村（或其网格、楼组）", fields={"unit": ["请选择街道/镇或社区/村"]}
        )
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
        uploads.check_file(evidence_file, "violation", field="evidence_file", label="佐证材料")
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


def campaign_running(campaign: Campaign, day=None) -> bool:
    """Whether the campaign is still on: no phase yet, or today is not after its last phase."""
    from campaigns.calendar import local_date

    day = day or local_date(timezone.now())
    ends = [p.end for p in campaign.phases.all()]
    return not ends or day <= max(ends)


@transaction.atomic
def undo_review(*, actor: User, violation_id: int) -> Violation:
    """Take back a confirmation or a dismissal (the case is a candidate again, its point given
    back), while the campaign is on; the change is on the audit trail like every decision."""
    v = Violation.objects.select_for_update().select_related("unit", "campaign").get(pk=violation_id)
    _require(actor, "review", v)
    if v.status == Violation.State.CANDIDATE:
        raise Conflict("该违规尚未核实，无需撤销")
    if not campaign_running(v.campaign):
        raise Conflict("活动已结束，不能撤销核实结果")
    v.status, v.reviewed_by, v.reviewed_at, v.review_note = Violation.State.CANDIDATE, None, None, ""
    v.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    return v


def talk_people(unit: OrgUnit):
    """Who a 约谈 of the community names: its 包村居干部 and its “两委” members (their memberships'
    designation), active accounts only."""
    from campaigns.choices import Designation
    from campaigns.models import User

    return (
        User.objects.filter(
            memberships__unit=unit,
            memberships__designation__in=[Designation.LIAISON_CADRE, Designation.COMMITTEE],
            is_active=True,
        )
        .distinct()
        .order_by("id")
    )


@transaction.atomic
def record_talk(
    *, actor: User, campaign: Campaign, unit: OrgUnit, held_on=None, held_by: str = "", notes: str = ""
) -> Talk:
    """Open the 约谈 of a community on the list (three or more confirmed cases), naming its people,
    or record its holding (date, by whom, notes). Inspectors over the community; audited."""
    from . import selectors

    _require(actor, "inspect", unit)
    if unit.level != Level.COMMUNITY:
        raise InvalidInput("约谈针对社区/村", fields={"unit": ["请选择社区/村"]})
    confirmed = Violation.objects.filter(campaign=campaign, unit=unit).confirmed().count()
    talk = Talk.objects.select_for_update().filter(campaign=campaign, unit=unit).first()
    if talk is None:
        if confirmed < selectors.TALK_THRESHOLD:
            raise Conflict(f"确认违规{selectors.TALK_THRESHOLD}起及以上的社区/村才需约谈")
        talk = Talk.objects.create(campaign=campaign, unit=unit, confirmed=confirmed, recorded_by=actor)
        talk.people.set(talk_people(unit))
    if held_on is not None:
        if held_on > timezone.localdate():
            raise InvalidInput("约谈日期不能晚于今天", fields={"held_on": ["约谈日期不能晚于今天"]})
        if not held_by.strip():
            raise InvalidInput("请填写约谈人", fields={"held_by": ["请填写约谈人"]})
        talk.held_on, talk.held_by, talk.notes, talk.recorded_by = held_on, held_by.strip(), notes.strip(), actor
        talk.save(update_fields=["held_on", "held_by", "notes", "recorded_by"])
    return talk


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
