"""Writes of the liaison network: groups, liaisons, rota, box openings, meetings, reports."""

from __future__ import annotations

import logging
from calendar import monthrange
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns.calendar import add_working_days
from campaigns.choices import Level
from campaigns.errors import Conflict, InvalidInput, NotAllowed
from campaigns.lib.rendered import Rendered, Renderer
from grievances.choices import Source

from .choices import MeetingKind, ReportKind
from .models import (
    KEEPERS,
    BoxOpening,
    DailySummary,
    DutyShift,
    Liaison,
    LiaisonGroup,
    LiaisonReport,
    MapJob,
    Meeting,
    PartyLink,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from campaigns.models import OrgUnit, Team, User
    from grievances.models import Grievance

log = logging.getLogger(__name__)

# Working days after a period's end by which its report is due (seeds/004: the station reports
# monthly to the town centre, the town monthly and quarterly to the party-building office).
REPORT_DUE_DAYS = {
    ReportKind.STATION_HALF_MONTH: 2,
    ReportKind.STATION_MONTH: 3,
    ReportKind.TOWN_MONTH: 5,
    ReportKind.TOWN_QUARTER: 10,
}
# The level of the unit that files each report, and that holds each kind of meeting.
REPORT_LEVEL = {
    ReportKind.STATION_HALF_MONTH: Level.COMMUNITY,
    ReportKind.STATION_MONTH: Level.COMMUNITY,
    ReportKind.TOWN_MONTH: Level.STREET,
    ReportKind.TOWN_QUARTER: Level.STREET,
}
MEETING_LEVEL = {MeetingKind.VILLAGE: Level.COMMUNITY, MeetingKind.TOWN: Level.STREET}


def _require_unit(actor: User, model, action: str, unit: OrgUnit, message: str) -> None:
    if not model.objects.units_for(actor, action).filter(pk=unit.pk).exists():
        raise NotAllowed(message)


# --- the network ----------------------------------------------------------------------------------
@transaction.atomic
def save_group(
    *,
    actor: User,
    grid: OrgUnit,
    leader: User | None = None,
    members: Iterable[User] = (),
    party_links: Iterable[Mapping[str, Any]] = (),
) -> LiaisonGroup:
    """Create or remake the liaison group of a resident group (rule "manage" over the grid)."""
    if grid.level != Level.GRID:
        raise InvalidInput(
            "联络小组按村（居）民小组组建，请选择村（居）民小组", fields={"grid": ["请选择村（居）民小组"]}
        )
    _require_unit(actor, LiaisonGroup, "manage", grid, "只有乡镇（街道）办公室可以组建民情联络小组")
    group, _ = LiaisonGroup.objects.update_or_create(grid=grid, defaults={"leader": leader})
    group.members.set(list(members))
    links = list(party_links)
    if links:
        group.party_links.all().delete()
        for link in links:
            households = list(link.get("households") or [])
            if any(h.grid_id != grid.pk for h in households):
                raise InvalidInput("联户党员联系的农户须在本小组内", fields={"party_links": ["联系农户须在本小组内"]})
            row = PartyLink.objects.create(group=group, member=link["member"])
            row.households.set(households)
    return group


@transaction.atomic
def appoint_liaison(
    *, actor: User, grid: OrgUnit, user: User, background: str, appointed_on: date, certificate_no: str = ""
) -> Liaison:
    """Appoint the resident group's liaison (聘书); the one serving before steps down."""
    if grid.level != Level.GRID:
        raise InvalidInput(
            "联络员按村（居）民小组聘任，请选择村（居）民小组", fields={"grid": ["请选择村（居）民小组"]}
        )
    _require_unit(actor, Liaison, "appoint", grid, "只有乡镇（街道）办公室可以聘任民情联络员")
    Liaison.objects.filter(grid=grid, is_active=True).update(is_active=False)
    return Liaison.objects.create(
        grid=grid,
        user=user,
        background=background,
        appointed_on=appointed_on,
        certificate_no=certificate_no.strip(),
        appointed_by=actor,
    )


@transaction.atomic
def set_duty(*, actor: User, unit: OrgUnit, weekday: int, user: User) -> DutyShift:
    """Put a 两委 member on the station's rota for a weekday."""
    if unit.level != Level.COMMUNITY:
        raise InvalidInput("值班表按村（社区）联络站排定", fields={"unit": ["请选择村（社区）"]})
    _require_unit(actor, DutyShift, "manage", unit, "只有乡镇（街道）办公室可以安排值班")
    shift, _ = DutyShift.objects.get_or_create(unit=unit, weekday=weekday, user=user)
    return shift


# --- the station's records ----------------------------------------------------------------------
@transaction.atomic
def record_box_opening(
    *,
    actor: User,
    unit: OrgUnit,
    opened_at: datetime,
    opened_by: str,
    notes: str = "",
    slips: Iterable[Mapping[str, Any]] = (),
) -> BoxOpening:
    """One opening of a suggestion box; each slip becomes a ledger entry with source 意见箱."""
    from campaigns.models import Campaign
    from grievances.services import register_grievance

    if unit.is_functional:
        raise InvalidInput("意见箱设在乡镇、村（社区）或村民小组", fields={"unit": ["请选择属地单位"]})
    _require_unit(actor, BoxOpening, "record", unit, "只有本辖区两委成员或办公室可以记录开箱")
    opened_by = (opened_by or "").strip()
    if not opened_by:
        raise InvalidInput("请填写开箱人", fields={"opened_by": ["请填写开箱人"]})
    if opened_at > timezone.now():
        raise InvalidInput("开箱时间不能晚于当前时间", fields={"opened_at": ["开箱时间不能晚于当前时间"]})
    slips = [s for s in slips if (s.get("content") or "").strip()]
    if slips and Campaign.objects.current_for_unit(unit) is None:  # an entry is kept in a campaign's ledger
        message = "本单位目前没有走访活动台账，开箱信件暂不能登记为台账；可先只记录开箱，在备注中写明信件内容"
        raise InvalidInput(message, code="no_campaign", fields={"slips": [message]})
    opening = BoxOpening.objects.create(
        unit=unit,
        opened_at=opened_at,
        opened_by=opened_by,
        notes=(notes or "").strip(),
        slips_count=len(slips),
        recorded_by=actor,
    )
    entries = [
        register_grievance(
            actor=actor,
            content=s["content"],
            category=s.get("category"),
            kind=s.get("kind") or "problem",
            unit=unit,
            source=Source.SUGGESTION_BOX,
            reporter_name=(s.get("reporter_name") or "").strip(),
        )
        for s in slips
    ]
    opening.grievances.set(entries)
    return opening


@transaction.atomic
def record_meeting(
    *,
    actor: User,
    unit: OrgUnit,
    kind: str,
    held_on: date,
    minutes: str,
    chair: str = "",
    attendees: str = "",
    grievances: Iterable[Grievance] = (),
) -> Meeting:
    """An analysis meeting with its minutes and the ledger entries it discussed (of its unit)."""
    if MEETING_LEVEL.get(kind) != unit.level:
        msg = "村（社区）召开每周分析会，乡镇（街道）召开每半月分析会"
        raise InvalidInput(msg, fields={"kind": [msg]})
    _require_unit(actor, Meeting, "record", unit, "只有本辖区两委成员或办公室可以记录分析会")
    minutes = (minutes or "").strip()
    if not minutes:
        raise InvalidInput("请填写会议纪要", fields={"minutes": ["请填写会议纪要"]})
    if held_on > timezone.localdate():
        raise InvalidInput("召开日期不能晚于今天", fields={"held_on": ["召开日期不能晚于今天"]})
    entries = list(grievances)
    if any(not g.unit.path.startswith(unit.path) for g in entries):
        msg = "研究的台账须属于本单位"
        raise InvalidInput(msg, fields={"grievances": [msg]})
    meeting = Meeting.objects.create(
        unit=unit,
        kind=kind,
        held_on=held_on,
        chair=chair.strip(),
        attendees=attendees.strip(),
        minutes=minutes,
        recorded_by=actor,
    )
    meeting.grievances.set(entries)
    return meeting


# --- the report chain -----------------------------------------------------------------------------
def period_of(kind: str, day: date) -> tuple[date, date]:
    """The period of a report kind that contains `day`: half a month, a month or a quarter."""
    last = monthrange(day.year, day.month)[1]
    if kind == ReportKind.STATION_HALF_MONTH:
        return (
            (day.replace(day=1), day.replace(day=15)) if day.day <= 15 else (day.replace(day=16), day.replace(day=last))
        )
    if kind == ReportKind.TOWN_QUARTER:
        first_month = (day.month - 1) // 3 * 3 + 1
        end_month = first_month + 2
        return date(day.year, first_month, 1), date(day.year, end_month, monthrange(day.year, end_month)[1])
    return day.replace(day=1), day.replace(day=last)


def due_for(kind: str, period_end: date) -> datetime:
    """The end of the Nth working day after the period (the working-day calendar)."""
    return add_working_days(period_end, REPORT_DUE_DAYS[kind]).due


@transaction.atomic
def submit_report(
    *, actor: User, unit: OrgUnit, kind: str, period: date, content: str, submitted_at: datetime | None = None
) -> LiaisonReport:
    """File one report of the chain for the period containing `period`, with its figures."""
    from .selectors import period_figures

    if REPORT_LEVEL.get(kind) != unit.level:
        msg = "联络站报表由村（社区）报送，统计表和季度分析由乡镇（街道）报送"
        raise InvalidInput(msg, fields={"kind": [msg]})
    _require_unit(actor, LiaisonReport, "submit", unit, "只有本单位两委成员或办公室可以报送")
    start, end = period_of(kind, period)
    submitted_at = submitted_at or timezone.now()
    if start > timezone.localdate():
        raise InvalidInput("不能报送尚未开始的期间", fields={"period": ["不能报送尚未开始的期间"]})
    content = (content or "").strip()
    if not content:
        raise InvalidInput("请填写情况说明", fields={"content": ["请填写情况说明"]})
    try:
        with transaction.atomic():
            return LiaisonReport.objects.create(
                unit=unit,
                kind=kind,
                period_start=start,
                period_end=end,
                due_at=due_for(kind, end),
                content=content,
                figures=period_figures(unit, start, end),
                submitted_by=actor,
                submitted_at=submitted_at,
            )
    except IntegrityError:
        raise Conflict("该期间的报表已报送", code="already_submitted") from None


# --- the network map --------------------------------------------------------------------------
def start_map(*, actor: User, town: OrgUnit) -> MapJob:
    """Queue the network map of a town or one village (rule "report" over it); a task makes the PDF."""
    from campaigns.models import OrgUnit

    from . import tasks

    if town.level not in (Level.STREET, Level.COMMUNITY):
        raise InvalidInput("网络图按乡镇（街道）或村（社区）生成", fields={"unit": ["请选择乡镇（街道）或村（社区）"]})
    if not OrgUnit.objects.actionable_by(actor, "report").filter(pk=town.pk).exists():
        raise NotAllowed("您不能生成该乡镇的网络图")
    job = MapJob.objects.create(unit=town, created_by=actor)
    transaction.on_commit(lambda: tasks.render_map.delay(job.pk))
    return job


MAP_RENDERER = Renderer(MapJob, "liaison.tasks.render_map", related=("unit",))


def run_map_job(*, job_id: int, holder: str = "") -> MapJob | None:
    """Render and store one map (`campaigns.lib.rendered`: idempotent, leased)."""
    return MAP_RENDERER.run(job_id, holder=holder, render=_render_map)


def _render_map(job: MapJob) -> Rendered:
    from django.template.loader import render_to_string

    from audit.exports import trace_for
    from campaigns.lib.pdf import font_url, render_pdf

    from .selectors import network

    data = network(job.created_by, job.unit)
    MAP_RENDERER.progress(job.pk, 40)
    html = render_to_string(
        "liaison/map_pdf.html", {"net": data, "font_url": font_url(), "today": timezone.localdate()}
    )
    pdf = render_pdf(html, trace=trace_for(job.created_by))
    groups = sum(len(a["groups"]) for a in data["areas"])
    return Rendered(f"network-{job.pk}.pdf", pdf, "liaison.map", {"unit": job.unit_id}, groups)


def retry_map(*, actor: User, job: MapJob) -> MapJob:
    """重试: render a failed map again (rule "report" over its unit)."""
    from campaigns.models import OrgUnit

    if not OrgUnit.objects.actionable_by(actor, "report").filter(pk=job.unit_id).exists():
        raise NotAllowed("您不能生成该乡镇的网络图")
    return MAP_RENDERER.retry(job)


# --- the daily opinion summary --------------------------------------------------------------------
@transaction.atomic
def save_daily_summary(
    *, actor: User, team: Team, day: date, summary: str, items: Iterable[Mapping[str, str]] = ()
) -> DailySummary:
    """Write (or rewrite) a work group's 意见汇总表 of one day (rule "write")."""
    if not _may_write_summary(actor, team):
        raise NotAllowed("只有本工作组成员或活动办可以填写意见汇总表")
    if day > timezone.localdate():
        raise InvalidInput("日期不能晚于今天", fields={"day": ["日期不能晚于今天"]})
    summary = (summary or "").strip()
    if not summary:
        raise InvalidInput("请填写汇总说明", fields={"summary": ["请填写汇总说明"]})
    keys = ("reporter", "address", "content", "suggestion")
    rows = [{k: str(item.get(k, "")).strip()[:500] for k in keys} for item in items]
    rows = [r for r in rows if r["content"]]
    obj, _ = DailySummary.objects.update_or_create(
        team=team, day=day, defaults={"summary": summary, "items": rows, "submitted_by": actor}
    )
    return obj


def _may_write_summary(actor: User, team: Team) -> bool:
    """The rule "write" for a table that may not exist yet: a member, or the office over the unit."""
    from campaigns.access import scope
    from campaigns.models import TeamMember

    if TeamMember.objects.filter(team=team, user=actor).exists():
        return True
    s = scope(actor)
    return team.paired_unit_id is not None and s.covers(team.paired_unit, KEEPERS)
