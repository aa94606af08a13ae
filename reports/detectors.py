"""Candidate violations proposed from the data, for an inspector to confirm or dismiss (DOMAIN.md: Scoring).

Each detector is a few set-based queries, and each case has a stable `detector_key`, inserted with
`ignore_conflicts`, so running detectors again (or two workers at once) never duplicates a case and
never resurrects one an inspector dismissed.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    Min,
    OuterRef,
    Q,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from campaigns.choices import HOUSEHOLD_LEVELS, Level, Phase
from grievances.choices import ANSWERED_STATUSES, RUNNING_STATUSES, SOLVED_STATUSES, Satisfaction
from grievances.models import Grievance, GrievanceEvent
from visits.models import Assignment, Visit

from .choices import ViolationKind
from .models import Violation

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import date

    from django.db.models import QuerySet

    from campaigns.models import Campaign, OrgUnit

MAX_VISITS_PER_DAY = 20  # more in-person visits than this in one day is not credible (30 min each, seeds/002)


def _scope(qs: QuerySet, field: str, unit: OrgUnit | None) -> QuerySet:
    return qs.filter(**{f"{field}__path__startswith": unit.path}) if unit else qs


def _chain(prefix: str) -> list[str]:
    """The value columns naming a unit, its parent and grandparent with their kinds (a 楼组's
    community is its grandparent)."""
    return [f"{prefix}{tail}" for tail in ("_id", "__level", "__parent_id", "__parent__level")] + [
        f"{prefix}__parent__parent_id",
        f"{prefix}__parent__parent__level",
    ]


def _community(row: Mapping[str, Any], prefix: str) -> int | None:
    """The community/village a row's unit belongs to (the unit, its parent or its grandparent)."""
    for ident, level in (
        (f"{prefix}_id", f"{prefix}__level"),
        (f"{prefix}__parent_id", f"{prefix}__parent__level"),
        (f"{prefix}__parent__parent_id", f"{prefix}__parent__parent__level"),
    ):
        if row[level] == Level.COMMUNITY:
            return row[ident]
        if row[level] not in HOUSEHOLD_LEVELS:
            return None
    return None


def _insert(campaign: Campaign, rows: list[dict[str, Any]]) -> int:
    objs = [Violation(campaign=campaign, source=Violation.Origin.DETECTOR, **r) for r in rows if r["unit_id"]]
    before = Violation.objects.filter(detector_key__in=[o.detector_key for o in objs]).count()
    Violation.objects.bulk_create(objs, ignore_conflicts=True, batch_size=1000)
    return Violation.objects.filter(detector_key__in=[o.detector_key for o in objs]).count() - before


def unvisited_assignments(
    campaign: Campaign, unit: OrgUnit | None = None, today: date | None = None
) -> list[dict[str, Any]]:
    """An assigned household with no visit by the end of the visiting phase (不入户)."""
    today = today or timezone.localdate()
    phase = campaign.phase_dates(Phase.VISITING)
    if phase is None or phase.end >= today:
        return []
    end = datetime.combine(phase.end + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone())
    visited = Visit.objects.filter(
        campaign=campaign, household=OuterRef("household_id"), is_followup=False, visited_at__lt=end
    )
    rows = (
        _scope(Assignment.objects.filter(campaign=campaign), "household__grid", unit)
        .exclude(kind="party_leader")
        .filter(~Exists(visited))
        .values(
            "household_id",
            "visitor_id",
            "household__head_name",
            *_chain("household__grid"),
        )
    )
    return [
        {
            "detector_key": f"unvisited:{campaign.pk}:{r['household_id']}",
            "kind": ViolationKind.NOT_VISITED,
            "unit_id": _community(r, "household__grid"),
            "household_id": r["household_id"],
            "visitor_id": r["visitor_id"],
            "evidence": f"集中走访阶段已于{phase.end:%Y-%m-%d}结束，分配的农户{r['household__head_name']}仍未走访",
        }
        for r in rows
    ]


def _grievance_rows(qs: QuerySet[Grievance]) -> QuerySet[Grievance, Mapping[str, Any]]:
    return qs.values("pk", "content", "household_id", *_chain("unit"))


def overdue_entries(
    campaign: Campaign, unit: OrgUnit | None = None, now: datetime | None = None
) -> list[dict[str, Any]]:
    """An open problem past its deadline (不整改). A suggestion is adopted or not (seed 001): it has
    no resolution deadline to miss and is never a candidate."""
    now = now or timezone.now()
    qs = _scope(Grievance.objects.running().filter(campaign=campaign, kind="problem", due_at__lt=now), "unit", unit)
    return [
        {
            "detector_key": f"overdue:{r['pk']}",
            "kind": ViolationKind.NO_RECTIFICATION,
            "unit_id": _community(r, "unit"),
            "grievance_id": r["pk"],
            "household_id": r["household_id"],
            "evidence": f"问题#{r['pk']}超过办结期限仍未办结：{r['content'][:40]}",
        }
        for r in _grievance_rows(qs)
    ]


def lookback_unsolved(campaign: Campaign, unit: OrgUnit | None = None) -> list[dict[str, Any]]:
    """Look-back found a 'resolved' problem unsolved: reopened after an answer, or rated not satisfied
    after being resolved (整改不彻底). Uses history and satisfaction, not the FollowUp model."""
    reopened = GrievanceEvent.objects.filter(
        grievance=OuterRef("pk"), from_status__in=ANSWERED_STATUSES, to_status__in=RUNNING_STATUSES
    )
    qs = _scope(
        Grievance.objects.filter(campaign=campaign, kind="problem").filter(
            Exists(reopened) | Q(satisfaction=Satisfaction.NOT_SATISFIED, status__in=SOLVED_STATUSES)
        ),
        "unit",
        unit,
    )
    return [
        {
            "detector_key": f"lookback:{r['pk']}",
            "kind": ViolationKind.INCOMPLETE_RECTIFICATION,
            "unit_id": _community(r, "unit"),
            "grievance_id": r["pk"],
            "household_id": r["household_id"],
            "evidence": f"回头看发现问题#{r['pk']}“已办结”但未真正解决：{r['content'][:40]}",
        }
        for r in _grievance_rows(qs)
    ]


def _visit_rows(qs: QuerySet[Visit]) -> QuerySet[Visit, Mapping[str, Any]]:
    return qs.values(
        "pk",
        "visitor_id",
        "household_id",
        "visited_at",
        *_chain("household__grid"),
    )


def _minutes(field: str) -> Func:
    """An integer column of minutes as a duration. PostgreSQL multiplies an interval; SQLite keeps
    durations as integer microseconds."""
    if connection.vendor == "postgresql":
        return Func(F(field), template="(%(expressions)s * INTERVAL '1 minute')", output_field=DurationField())
    return Func(F(field), template="(%(expressions)s * 60000000)", output_field=DurationField())


def overlapping_visits(campaign: Campaign, unit: OrgUnit | None = None) -> list[dict[str, Any]]:
    """One visitor in two places at once: a visit starting while the same visitor's visit at another
    household is still running (虚假入户). The later visit is the candidate."""
    end = ExpressionWrapper(F("visited_at") + _minutes("duration_minutes"), output_field=DateTimeField())
    earlier = (
        Visit.objects.filter(campaign=campaign, visitor=OuterRef("visitor_id"), visited_at__lte=OuterRef("visited_at"))
        .exclude(pk=OuterRef("pk"))
        .exclude(household=OuterRef("household_id"))
        .annotate(ends=end)
        .filter(ends__gt=OuterRef("visited_at"))
    )
    qs = _scope(Visit.objects.filter(campaign=campaign, mode="in_person"), "household__grid", unit).filter(
        Exists(earlier)
    )
    return [
        {
            "detector_key": f"overlap:{r['pk']}",
            "kind": ViolationKind.FAKE_VISIT,
            "unit_id": _community(r, "household__grid"),
            "household_id": r["household_id"],
            "visitor_id": r["visitor_id"],
            "evidence": f"走访记录#{r['pk']}（{timezone.localtime(r['visited_at']):%Y-%m-%d %H:%M}）与同一走访人在另一农户的走访时间重叠",
        }
        for r in _visit_rows(qs)
    ]


def too_many_per_day(
    campaign: Campaign, unit: OrgUnit | None = None, limit: int = MAX_VISITS_PER_DAY
) -> list[dict[str, Any]]:
    """More than `limit` in-person visits by one visitor in one (local) day (虚假入户)."""
    tz = timezone.get_current_timezone()
    rows = (
        _scope(Visit.objects.filter(campaign=campaign, mode="in_person"), "household__grid", unit)
        .annotate(day=TruncDate("visited_at", tzinfo=tz))
        .values("visitor_id", "day")
        .annotate(n=Count("pk"), first=Min("pk"))
        .filter(n__gt=limit)
        .order_by()
    )
    firsts = {r["pk"]: r for r in _visit_rows(Visit.objects.filter(pk__in=[r["first"] for r in rows]))}
    result = []
    for r in rows:
        v = firsts[r["first"]]
        result.append(
            {
                "detector_key": f"daily:{campaign.pk}:{r['visitor_id']}:{r['day']:%Y%m%d}",
                "kind": ViolationKind.FAKE_VISIT,
                "unit_id": _community(v, "household__grid"),
                "visitor_id": r["visitor_id"],
                "evidence": f"同一走访人{r['day']:%Y-%m-%d}一天内入户走访{r['n']}户，超过{limit}户",
            }
        )
    return result


DETECTORS = {
    "unvisited": unvisited_assignments,
    "overdue": overdue_entries,
    "lookback": lookback_unsolved,
    "overlap": overlapping_visits,
    "daily": too_many_per_day,
}


def detect_all(*, campaign: Campaign, unit: OrgUnit | None = None) -> dict[str, int]:
    """Run every detector; answers how many new candidates each one added."""
    return {name: _insert(campaign, fn(campaign, unit)) for name, fn in DETECTORS.items()}
