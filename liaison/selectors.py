"""Reads of the liaison network: the annotated network, standing figures apart from campaign
figures, the report chain's status, a town's 十个一 at a glance, the daily opinion summary."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, Func, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from campaigns.calendar import add_working_days_many, local_date
from campaigns.choices import Level
from campaigns.models import LevelTable, OrgUnit, TeamMember
from grievances.choices import Source
from grievances.models import Grievance
from visits.models import EventReport, Household, Visit

from .choices import MeetingKind, ReportKind
from .models import BoxOpening, DutyShift, Liaison, LiaisonGroup, LiaisonReport, Meeting, PartyLink, VisitCadence

if TYPE_CHECKING:
    from campaigns.models import Team, User


def _sub_count(qs, field="pk"):
    """A correlated COUNT subquery (no join fan-out on the outer rows)."""
    counted = qs.order_by().annotate(n=Func(F(field), function="COUNT")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def groups(user: User, town: OrgUnit | None = None):
    """The liaison groups the user sees, with households, hardship households and party members."""
    qs = LiaisonGroup.objects.visible_to(user).select_related("grid__parent", "leader")
    if town is not None:
        qs = qs.filter(grid__path__startswith=town.path)
    # The group's resident group and any 楼组 below it.
    hh = Household.objects.filter(grid__path__startswith=OuterRef("grid__path"))
    return qs.annotate(
        households_count=_sub_count(hh),
        hardship_count=_sub_count(hh.filter(is_hardship=True)),
        party_count=_sub_count(PartyLink.objects.filter(group=OuterRef("pk"))),
    ).prefetch_related("members", "party_links__member")


def network(user: User, town: OrgUnit) -> dict[str, Any]:
    """The network map's content: the town (or one village), its villages (areas) and each
    village's groups, liaisons and rota, with the counts the map annotates."""
    if town.level == Level.COMMUNITY:
        villages = [town]
    else:
        villages = list(OrgUnit.objects.visible_to(user).filter(parent=town, level=Level.COMMUNITY, is_active=True))
    by_village = {v.pk: {"unit": v, "groups": [], "liaisons": {}, "rota": []} for v in villages}
    for g in groups(user, town):
        if g.grid.parent_id in by_village:
            by_village[g.grid.parent_id]["groups"].append(g)
    for liaison in (
        Liaison.objects.visible_to(user).filter(grid__parent__in=villages, is_active=True).select_related("user")
    ):
        by_village[liaison.grid.parent_id]["liaisons"][liaison.grid_id] = liaison
    for shift in DutyShift.objects.visible_to(user).filter(unit__in=villages).select_related("user"):
        by_village[shift.unit_id]["rota"].append(shift)
    for v in by_village.values():
        for g in v["groups"]:
            g.liaison = v["liaisons"].get(g.grid_id)
        v["households"] = sum(g.households_count for g in v["groups"])
        v["hardship"] = sum(g.hardship_count for g in v["groups"])
        v["party"] = sum(g.party_count for g in v["groups"])
    areas = list(by_village.values())
    return {
        "town": town,
        "is_village": town.level == Level.COMMUNITY,
        "areas": areas,
        "households": sum(a["households"] for a in areas),
        "hardship": sum(a["hardship"] for a in areas),
        "party": sum(a["party"] for a in areas),
        "groups": sum(len(a["groups"]) for a in areas),
    }


def _range(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return datetime.combine(start, time.min, tz), datetime.combine(end + timedelta(days=1), time.min, tz)


def period_figures(unit: OrgUnit, start: date, end: date) -> dict[str, int]:
    """The statistics table's figures for a unit's subtree and a period (seeds/004 统计表): the
    network, standing and campaign visits told apart, 十必报, box openings, meetings, entries."""
    lo, hi = _range(start, end)
    under = unit.path
    visits = Visit.objects.filter(household__grid__path__startswith=under, visited_at__gte=lo, visited_at__lt=hi)
    standing = visits.filter(campaign__isnull=True)
    events = EventReport.objects.filter(unit__path__startswith=under, reported_at__gte=lo, reported_at__lt=hi)
    boxes = BoxOpening.objects.filter(unit__path__startswith=under, opened_at__gte=lo, opened_at__lt=hi)
    return {
        "groups": LiaisonGroup.objects.filter(grid__path__startswith=under).count(),
        "liaisons": Liaison.objects.filter(grid__path__startswith=under, is_active=True).count(),
        "standing_visits": standing.count(),
        "standing_households": standing.values("household_id").distinct().count(),
        "campaign_visits": visits.filter(campaign__isnull=False).count(),
        "event_reports": events.count(),
        "area_event_reports": events.filter(household__isnull=True).count(),
        "box_openings": boxes.count(),
        "box_slips": sum(boxes.values_list("slips_count", flat=True)),
        "meetings": Meeting.objects.filter(unit__path__startswith=under, held_on__gte=start, held_on__lte=end).count(),
        "entries": Grievance.objects.filter(
            unit__path__startswith=under, registered_at__gte=lo, registered_at__lt=hi
        ).count(),
        "box_entries": Grievance.objects.filter(
            unit__path__startswith=under, registered_at__gte=lo, registered_at__lt=hi, source=Source.SUGGESTION_BOX
        ).count(),
    }


FIGURE_LABELS = {
    "groups": "联络小组",
    "liaisons": "联络员",
    "standing_visits": "日常走访（次）",
    "standing_households": "日常走访（户）",
    "campaign_visits": "活动走访（次）",
    "event_reports": "十必报",
    "area_event_reports": "其中区域事项",
    "box_openings": "意见箱开箱",
    "box_slips": "意见箱信件",
    "meetings": "分析会",
    "entries": "登记台账",
    "box_entries": "其中来自意见箱",
}


MONTHLY = (ReportKind.STATION_MONTH, ReportKind.TOWN_MONTH)


def report_chain(user: User, town: OrgUnit, today: date | None = None, months: int = 3) -> list[dict[str, Any]]:
    """Each report the town and its stations owe for the last `months` months (and the quarter):
    who submitted it and when, or that it is late or not due yet."""
    today = today or local_date(timezone.now())
    from .services import REPORT_DUE_DAYS, REPORT_LEVEL, period_of

    villages = list(OrgUnit.objects.visible_to(user).filter(parent=town, level=Level.COMMUNITY, is_active=True))
    filed = {
        (r.unit_id, r.kind, r.period_start): r
        for r in LiaisonReport.objects.visible_to(user)
        .filter(unit__path__startswith=town.path)
        .select_related("submitted_by")
    }
    month_starts = []
    d = today.replace(day=1)
    for _ in range(months):
        d = (d - timedelta(days=1)).replace(day=1)
        month_starts.append(d)
    periods = [(kind, *period_of(kind, start)) for start in sorted(month_starts) for kind in MONTHLY]
    quarter = (ReportKind.TOWN_QUARTER, *period_of(ReportKind.TOWN_QUARTER, month_starts[0]))
    # Every due date of the chain from one read of the working-day calendar.
    dues = add_working_days_many((end, REPORT_DUE_DAYS[kind]) for kind, _s, end in [*periods, quarter])

    def due_of(kind, end):
        return dues[(end, REPORT_DUE_DAYS[kind])].due

    rows = []
    for kind, start, end in periods:
        units = villages if REPORT_LEVEL[kind] == Level.COMMUNITY else [town]
        for unit in units:
            rows.append(_chain_row(filed, unit, kind, start, end, due_of, today))
    rows.append(_chain_row(filed, town, *quarter, due_of, today))
    return rows


def _chain_row(filed, unit, kind, start, end, due_for, today):
    report = filed.get((unit.pk, kind, start))
    due = due_for(kind, end)
    if report is not None:
        state = "late" if report.is_late else "on_time"
    else:
        state = "missing" if timezone.now() > due else "pending"
    labels = {"late": "逾期报送", "on_time": "按时报送", "missing": "逾期未报", "pending": "未到期"}
    return {
        "unit": unit,
        "kind": ReportKind(kind).label,
        "start": start,
        "end": end,
        "due": due,
        "report": report,
        "state": state,
        "state_label": labels[state],
    }


#: Figures of the 十个一 that other apps keep (the service cards are the reports app's): key ->
#: fn(town, today) -> (figure, ok). Registered at start-up, so this app imports none of them.
TEN_ONE_FIGURES: dict[str, Callable[[OrgUnit, date], tuple[str, bool | None]]] = {}


def register_ten_one_figure(key: str, fn: Callable[[OrgUnit, date], tuple[str, bool | None]]) -> None:
    TEN_ONE_FIGURES[key] = fn


def _solving_team(town: OrgUnit, today: date) -> tuple[str, bool]:
    """问题解决团（组） (seeds/004 十个一(九)): the month's entries of the town, where they were
    settled (village, town, departments above) and how many are past their deadline."""
    lo, _hi = _range(today - timedelta(days=31), today)
    entries = Grievance.objects.collected().filter(unit__path__startswith=town.path, registered_at__gte=lo)
    under = Grievance.objects.collected().filter(unit__path__startswith=town.path)
    n = entries.count()
    solved = entries.solved()
    by_level = dict(solved.values_list("resolved_level").annotate(n=Count("pk")).order_by())
    village = sum(by_level.get(lv, 0) for lv in (Level.COMMUNITY, Level.GRID, Level.BLOCK))
    at_town = by_level.get(Level.STREET, 0)
    above = sum(by_level.get(lv, 0) for lv in (Level.DISTRICT, Level.DEPARTMENT))
    overdue = under.running().filter(due_at__lt=timezone.now()).count()
    figure = f"近一月登记 {n} 件：村级落实 {village}、乡镇落实 {at_town}、上报部门 {above}；逾期未办结 {overdue} 件"
    return figure, n > 0 and overdue == 0


def ten_ones(user: User, town: OrgUnit, today: date | None = None) -> list[dict[str, Any]]:
    """The town's 十个一 (seeds/004) at a glance: each item, a figure, and whether it is in place."""
    today = today or local_date(timezone.now())
    villages = OrgUnit.objects.visible_to(user).filter(parent=town, level=Level.COMMUNITY, is_active=True)
    n_villages = villages.count()
    grids = OrgUnit.objects.filter(parent__in=villages, level=Level.GRID, is_active=True)
    n_grids = grids.count()
    week, fortnight, month = today - timedelta(days=7), today - timedelta(days=14), today - timedelta(days=31)
    lo_month = _range(month, today)[0]
    stations = DutyShift.objects.filter(unit__in=villages).values("unit_id").distinct().count()
    liaisons = Liaison.objects.filter(grid__in=grids, is_active=True).values("grid_id").distinct().count()
    led = LiaisonGroup.objects.filter(grid__in=grids, leader__isnull=False).count()
    hotline = villages.exclude(phone="").count() + (1 if town.phone else 0)
    boxes = (
        BoxOpening.objects.filter(Q(unit__in=villages) | Q(unit__parent__in=villages), opened_at__gte=lo_month)
        .values("unit_id")
        .distinct()
        .count()
    )
    village_meetings = (
        Meeting.objects.filter(unit__in=villages, kind=MeetingKind.VILLAGE, held_on__gte=week)
        .values("unit_id")
        .distinct()
        .count()
    )
    town_meeting = Meeting.objects.filter(unit=town, kind=MeetingKind.TOWN, held_on__gte=fortnight).exists()
    diaries = (
        Visit.objects.filter(household__grid__in=grids, campaign__isnull=True, visited_at__gte=lo_month)
        .exclude(notes="")
        .count()
    )
    chain = report_chain(user, town, today, months=1)
    late = sum(1 for r in chain if r["state"] in ("late", "missing"))
    names = LevelTable.load().names(town.path)  # the town's own words: 镇, 村, 村民小组
    village, group, town_word = names[Level.COMMUNITY], names[Level.GRID], names[Level.STREET]

    def row(label, figure, ok):
        return {"label": label, "figure": figure, "ok": ok}

    cards = TEN_ONE_FIGURES.get("service_cards")
    card_figure, card_ok = cards(town, today) if cards else ("未启用连心卡发放", None)
    team_figure, team_ok = _solving_team(town, today)

    return [
        row(
            "一个民情联络服务中心（站）",
            f"{stations}/{n_villages} 个{village}排定两委值班",
            stations == n_villages > 0,
        ),
        row("一名民情联络员", f"{liaisons}/{n_grids} 个{group}聘任联络员", liaisons == n_grids > 0),
        row("一张民情联络网络图", f"{led}/{n_grids} 个联络小组明确组长", led == n_grids > 0),
        row("一张民情联络服务卡", card_figure, card_ok),
        row("一个民情联络服务专线", f"{hotline} 个单位公开联系电话", hotline > 0),
        row("一个民情联络意见箱", f"近一月 {boxes} 处意见箱开箱", boxes > 0),
        row(
            "一次民情联络分析会",
            f"近一周 {village_meetings}/{n_villages} 个{village}召开；近半月{town_word}{'已' if town_meeting else '未'}召开",
            town_meeting and village_meetings == n_villages > 0,
        ),
        row("一本民情联络日记本", f"近一月日常走访记录 {diaries} 篇", diaries > 0),
        row("一个民情问题解决团（组）", team_figure, team_ok),
        row("一套民情联络服务机制", f"上月报表逾期 {late} 份", late == 0),
    ]


def standing_figures(user: User, unit: OrgUnit, start: date, end: date) -> dict[str, int]:
    """Standing and campaign visits of a unit's subtree, told apart, within what the user sees."""
    lo, hi = _range(start, end)
    visits = Visit.objects.visible_to(user).filter(
        household__grid__path__startswith=unit.path, visited_at__gte=lo, visited_at__lt=hi
    )
    standing = visits.filter(campaign__isnull=True)
    return {
        "standing_visits": standing.count(),
        "standing_households": standing.values("household_id").distinct().count(),
        "campaign_visits": visits.filter(campaign__isnull=False).count(),
    }


def cadence_due(cadence: VisitCadence, today: date) -> tuple[date, date, Any]:
    """The cadence's current period and the households with no visit in it yet."""
    start, end = cadence_period(cadence.period, today)
    lo, hi = _range(start, end)
    visited = Visit.objects.filter(visited_at__gte=lo, visited_at__lt=hi).values("household_id")
    return start, end, cadence.households().exclude(pk__in=visited)


def cadence_period(period: str, today: date) -> tuple[date, date]:
    from .services import period_of

    if period == "week":
        start = today - timedelta(days=today.weekday())
        return start, start + timedelta(days=6)
    return period_of(ReportKind.TOWN_QUARTER if period == "quarter" else ReportKind.STATION_MONTH, today)


def daily_summary(user: User, team: Team, day: date) -> list[Grievance]:
    """意见汇总表 (seeds/000): the opinions a work group's members registered on one day."""
    lo, hi = _range(day, day)
    members = TeamMember.objects.filter(team=team).values("user_id")
    return list(
        Grievance.objects.visible_to(user)
        .filter(registered_by__in=members, registered_at__gte=lo, registered_at__lt=hi)
        .select_related("category", "household", "unit", "registered_by")
        .order_by("registered_at")
    )
