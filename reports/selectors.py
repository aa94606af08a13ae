"""THE campaign figures. The dashboard, /api/stats/, the summary PDF and the Excel tables all call
`campaign_figures()`, so the same filters always give the same numbers.

Everything is computed by aggregate SQL (conditional Count over filtered rows) in a fixed number of
queries whatever the size of the district (9 SELECTs with the breakdowns, 4 without); never a Python
loop over households, visits or entries. The heavy passes, one each:
- the registry: every household of the unit's subtree LEFT JOINed to the campaign's distinct visited
  households and to its focus categories (a bit mask), grouped by (grid, kind, mask); PostgreSQL
  merges the three in household order from index-only scans (household_id_grid_kind_idx,
  visit_campaign_hh_cover_idx);
- the ledger per unit (all FILTERed counts) and the ledger cube by (category, kind, status, level,
  week), from which categories, levels, funnel and the entries' weekly trend are summed;
- the campaign visits per week (index-only).
Rows are grouped by their integer unit id (the grid of a household, the unit of an entry); the at
most one row per org unit is then rolled up to the child units of the selected unit through the
materialised path (`child_key`). A household belongs to exactly one grid, so distinct counts add up
exactly. For the campaign's whole territory the subtree filter is dropped (every row of the campaign
is in it). Numbers are always live: no rollup table.

Definitions (DOMAIN.md: Grievance ledger, Reporting):
- households_total: rows of kind "household" registered under the unit (the registry, not date-filtered);
  other targets (enterprises, schools, shops, other) are counted apart and do not enter the coverage rate.
- households_visited: households with at least one visit of the campaign (look-back visits excluded)
  within the date range; visits_total counts those visits.
- coverage_rate = households_visited / households_total.
- Collected entries exclude merged duplicates (they live on in the entry they were merged into) and
  withdrawn ones. grievances_total = problems + suggestions collected.
- explained (解疑释惑): a problem answered by an explanation: status `explained`, or followed up/closed
  after an `explained` step in its history. Explained counts as answered, never as solved [002].
- solved (grievances_solved): a problem in an answered status (resolved, followed_up, closed) that
  was not explained.
- answered = solved + explained (problems); in_progress = problems still open (registered, reviewed,
  assigned, planned).
- overdue: an open entry (problem or suggestion) whose due date has passed now.
- suggestions_adopted: suggestions with status `adopted`.
- response_rate = (answered problems + decided suggestions) / grievances_total.
- resolution_rate = problems_solved / problems_total.
- satisfaction_rate = (satisfied + basically satisfied) / entries with a satisfaction recorded (look-back).
- Look-back results use `satisfaction` and the history (an answered entry reopened = found unsolved);
  they do not depend on the ledger's FollowUp model.
Rates are percentages with one decimal, None when the denominator is 0.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Avg, Count, DateField, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncWeek
from django.http import Http404
from django.utils import timezone

from campaigns.choices import Level
from campaigns.models import OrgUnit
from grievances.choices import (
    ANSWERED_STATUSES,
    DECIDED_STATUSES,
    RUNNING_STATUSES,
    SOLVED_STATUSES,
    UNCOLLECTED_STATUSES,
    Kind,
    Satisfaction,
    Status,
)
from grievances.models import Grievance, GrievanceCategory, GrievanceEvent
from visits.choices import HouseholdKind
from visits.models import Household, Visit

from .models import Violation

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import date

    from django.db.models import Aggregate, QuerySet

    from campaigns.models import Campaign, User

SCORE_START = 1000  # 千分制 (seeds/002)
TALK_THRESHOLD = 3  # three or more confirmed cases: 约谈
OTHER_KINDS = [HouseholdKind.ENTERPRISE, HouseholdKind.SCHOOL, HouseholdKind.SHOP, HouseholdKind.OTHER]


def rate(numerator: float, denominator: float) -> float | None:
    return round(100.0 * numerator / denominator, 1) if denominator else None


@dataclass(frozen=True)
class Filters:
    campaign: Campaign
    unit: OrgUnit
    start: date | None = None  # local date, inclusive
    end: date | None = None  # local date, inclusive

    def window(self, field: str) -> Q:
        """A Q keeping `field` (an aware datetime) inside the local-date range."""
        q = Q()
        tz = timezone.get_current_timezone()
        if self.start:
            q &= Q(**{f"{field}__gte": datetime.combine(self.start, time.min, tzinfo=tz)})
        if self.end:
            q &= Q(**{f"{field}__lt": datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz)})
        return q

    def under(self, field: str) -> Q:
        """Campaign rows (visits, entries) whose `field` (an OrgUnit FK) is in the unit's subtree;
        nothing to filter for the campaign's whole territory, where every campaign row is."""
        if self.unit.pk == self.campaign.territory_id:
            return Q()
        return self.subtree(field)

    def subtree(self, field: str) -> Q:
        """Rows not tied to the campaign (households) in the unit's subtree: always filtered."""
        return Q(**{f"{field}__path__startswith": self.unit.path})


def resolve_filters(
    *, user: User, campaign_id: int, unit_id: int, start: date | None = None, end: date | None = None
) -> Filters:
    """Load and check campaign and unit for a reader: outside the reader's subtree (or the campaign's
    territory) is a 404, the same as missing."""
    from campaigns.models import Campaign

    campaign = Campaign.objects.visible_to(user).select_related("territory").filter(pk=campaign_id).first()
    unit = OrgUnit.objects.territorial().actionable_by(user, "report").filter(pk=unit_id).first()
    if campaign is None or unit is None:
        raise Http404
    if not unit.path.startswith(campaign.territory.path):
        raise Http404
    return Filters(campaign=campaign, unit=unit, start=start, end=end)


def child_key(unit_path: str, path: str) -> str:
    """The path of the child of the unit at `unit_path` that contains `path` ('' for the unit itself)."""
    rest = path[len(unit_path) :]
    return unit_path + rest.split("/", 1)[0] + "/" if rest else ""


def _visits_qs(f: Filters) -> QuerySet[Visit]:
    return Visit.objects.filter(
        f.window("visited_at"), f.under("household__grid"), campaign=f.campaign, is_followup=False
    )


def _visited_ids(f: Filters) -> QuerySet[Visit, Mapping[str, Any]]:
    return _visits_qs(f).values("household_id")


def _explained(f: Filters) -> Q:
    # Entry ids with an `explained` step: an uncorrelated IN, hashed once by PostgreSQL. Not joined to
    # the campaign: the outer query already is, and the join would rescan the whole ledger per use.
    return Q(pk__in=GrievanceEvent.objects.filter(to_status=Status.EXPLAINED).values("grievance_id"))


def _reopened(f: Filters) -> Q:
    # Look-back found an answered entry unsolved: it went back from an answered status to work.
    return Q(
        pk__in=GrievanceEvent.objects.filter(from_status__in=ANSWERED_STATUSES, to_status__in=RUNNING_STATUSES).values(
            "grievance_id"
        )
    )


def _sql(qs: QuerySet) -> tuple[str, tuple[Any, ...]]:
    return qs.query.get_compiler(using=qs.db).as_sql()


def _households(
    f: Filters, *, visits_by_unit: bool, focus_ids: Sequence[int] = ()
) -> tuple[defaultdict[int, dict[str, int]], dict[int, list[int]]]:
    """Per grid: registered targets by kind and those visited, and per focus category of the
    campaign: registered and visited, all in ONE pass over the registry.

    Each household of the unit's subtree is LEFT JOINed to the campaign's distinct visited households
    and to its focus categories folded into a bit mask (one row per household, so nothing is counted
    twice); rows are grouped by (grid, kind, mask). PostgreSQL merges the three inputs in household
    order from index-only scans, without hashing 200,000 visits. The subqueries are the ORM's own
    SQL, so the filters are those of every other figure. Returns (rows per grid, {focus id: (total,
    visited)}). The visits made per grid (a join of every visit to its household) only when asked for.
    """
    q = connection.ops.quote_name
    visited_sql, visited_params = _sql(_visits_qs(f).values("household_id").distinct().order_by())
    units_sql, units_params = _sql(OrgUnit.objects.filter(path__startswith=f.unit.path).values("pk").order_by())
    hh, grid, kind = q("household_id"), q("grid_id"), q("kind")
    mask, group_mask, focus_join, focus_params = "0", "", "", []
    if focus_ids:
        through, fc = q(Household.categories.through._meta.db_table), q("focuscategory_id")
        bits = " ".join(f"WHEN %s THEN {1 << i}" for i in range(len(focus_ids)))
        mask = "COALESCE(m.mask, 0)"
        group_mask = f", {mask}"
        focus_join = (
            f" LEFT JOIN (SELECT {hh}, SUM(CASE {fc} {bits} ELSE 0 END) AS mask FROM {through}"
            f" WHERE {fc} IN ({', '.join(['%s'] * len(focus_ids))}) GROUP BY {hh} ORDER BY {hh}) m ON m.{hh} = t.{q('id')}"
        )
        focus_params = [*focus_ids, *focus_ids]
    sql = (
        f"SELECT t.{grid}, t.{kind}, {mask}, COUNT(*), COUNT(v.{hh}) FROM {q(Household._meta.db_table)} t"
        f" LEFT JOIN ({visited_sql}) v ON v.{hh} = t.{q('id')}{focus_join}"
        f" WHERE t.{grid} IN ({units_sql}) GROUP BY t.{grid}, t.{kind}{group_mask}"
    )
    rows, focus = defaultdict(dict), {pk: [0, 0] for pk in focus_ids}
    with connection.cursor() as cur:
        cur.execute(sql, [*visited_params, *focus_params, *units_params])
        for grid_id, kind_, bits_set, total, visited in cur.fetchall():
            _kind_add(rows[grid_id], kind_, "total", total)
            _kind_add(rows[grid_id], kind_, "visited", visited)
            for i, pk in enumerate(focus_ids):
                if bits_set >> i & 1:
                    focus[pk][0] += total
                    focus[pk][1] += visited
    if visits_by_unit:
        for r in _visits_qs(f).values("household__grid_id").annotate(n=Count("pk")).order_by():
            rows[r["household__grid_id"]]["visits_total"] = r["n"]
    return rows, focus


def _kind_add(row: dict[str, int], kind: str, suffix: str, n: int) -> None:
    if kind == HouseholdKind.HOUSEHOLD:
        key = f"households_{suffix}"
    else:
        row[f"others_{suffix}"] = row.get(f"others_{suffix}", 0) + n
        key = f"{kind}_{suffix}"
    row[key] = row.get(key, 0) + n


def _grievance_base(f: Filters) -> QuerySet[Grievance]:
    return Grievance.objects.collected().filter(f.window("registered_at"), f.under("unit"), campaign=f.campaign)


def _grievance_aggs(f: Filters, now: datetime) -> dict[str, Aggregate]:
    problem = Q(kind=Kind.PROBLEM)
    suggestion = Q(kind=Kind.SUGGESTION)
    was_explained = _explained(f)
    explained = problem & (Q(status=Status.EXPLAINED) | (Q(status__in=SOLVED_STATUSES) & was_explained))
    solved = problem & Q(status__in=SOLVED_STATUSES) & ~was_explained
    followed = ~Q(satisfaction="")
    return {
        "grievances_total": Count("pk"),
        "problems_total": Count("pk", filter=problem),
        "grievances_solved": Count("pk", filter=solved),
        "problems_explained": Count("pk", filter=explained),
        "problems_answered": Count("pk", filter=problem & Q(status__in=ANSWERED_STATUSES)),
        "problems_in_progress": Count("pk", filter=problem & Q(status__in=RUNNING_STATUSES)),
        "grievances_overdue": Count("pk", filter=Q(status__in=RUNNING_STATUSES, due_at__lt=now)),
        "suggestions_total": Count("pk", filter=suggestion),
        "suggestions_adopted": Count("pk", filter=suggestion & Q(status=Status.ADOPTED)),
        "suggestions_decided": Count("pk", filter=suggestion & Q(status__in=DECIDED_STATUSES)),
        "followed_up": Count("pk", filter=followed),
        "satisfied": Count("pk", filter=Q(satisfaction=Satisfaction.SATISFIED)),
        "basically_satisfied": Count("pk", filter=Q(satisfaction=Satisfaction.BASICALLY_SATISFIED)),
        "not_satisfied": Count("pk", filter=Q(satisfaction=Satisfaction.NOT_SATISFIED)),
        "reopened": Count("pk", filter=_reopened(f)),
        "typical": Count("pk", filter=Q(is_typical=True)),
        "avg_resolve": Avg(
            ExpressionWrapper(F("resolved_at") - F("registered_at"), output_field=DurationField()),
            filter=solved & Q(resolved_at__isnull=False),
        ),
    }


def _grievances(f: Filters, now: datetime) -> dict[int, dict[str, Any]]:
    """Per unit of the entries: every ledger figure, one grouped query."""
    qs = _grievance_base(f).values("unit_id").annotate(**_grievance_aggs(f, now)).order_by()
    return {row.pop("unit_id"): row for row in qs}


GRIEVANCE_KEYS = [
    "grievances_total",
    "problems_total",
    "grievances_solved",
    "problems_explained",
    "problems_answered",
    "problems_in_progress",
    "grievances_overdue",
    "suggestions_total",
    "suggestions_adopted",
    "suggestions_decided",
    "followed_up",
    "satisfied",
    "basically_satisfied",
    "not_satisfied",
    "reopened",
    "typical",
]
HOUSEHOLD_KEYS = ["visits_total", "households_total", "households_visited", "others_total", "others_visited"] + [
    f"{k}_{s}" for k in OTHER_KINDS for s in ("total", "visited")
]


def _avg_td(value: timedelta | int | None) -> timedelta | None:
    if value is not None and not isinstance(value, timedelta):
        value = timedelta(microseconds=value)  # SQLite answers the average duration in microseconds
    return value


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    """Derived figures of one unit's row (rates, days)."""
    avg = _avg_td(row.pop("avg_resolve", None))
    row["avg_days_to_solve"] = round(avg.total_seconds() / 86400, 1) if avg is not None else None
    row["coverage_rate"] = rate(row["households_visited"], row["households_total"])
    row["resolution_rate"] = rate(row["grievances_solved"], row["problems_total"])
    row["response_rate"] = rate(row["problems_answered"] + row["suggestions_decided"], row["grievances_total"])
    row["satisfaction_rate"] = rate(row["satisfied"] + row["basically_satisfied"], row["followed_up"])
    row["adoption_rate"] = rate(row["suggestions_adopted"], row["suggestions_total"])
    return row


def _empty() -> dict[str, Any]:
    return {**dict.fromkeys(HOUSEHOLD_KEYS + GRIEVANCE_KEYS, 0), "_avg_sum": timedelta(0), "_avg_n": 0}


def _add(total: dict[str, Any], part: Mapping[str, Any]) -> None:
    """Add one unit's row into an accumulated row (averages weighted by solved counts)."""
    for key, value in part.items():
        if key == "avg_resolve":
            value = _avg_td(value)
            if value is not None:
                total["_avg_sum"] += value * part["grievances_solved"]
                total["_avg_n"] += part["grievances_solved"]
        else:
            total[key] += value or 0


def _close(total: dict[str, Any]) -> dict[str, Any]:
    n, weighted = total.pop("_avg_n"), total.pop("_avg_sum")
    total["avg_resolve"] = weighted / n if n else None
    return _finish(total)


def _focus(focus: Sequence[tuple[int, str]], counts: Mapping[int, Sequence[int]]) -> list[dict[str, Any]]:
    """Coverage per focus category of the campaign (counted in the households' pass)."""
    result = []
    for pk, name in focus:
        total, visited = counts.get(pk, (0, 0))
        if total:
            result.append(
                {"id": pk, "name": name, "total": total, "visited": visited, "coverage_rate": rate(visited, total)}
            )
    return result


def _cube(f: Filters, now: datetime) -> tuple[list[dict[str, Any]], defaultdict[date, int]]:
    """Entry counts by (category, kind, status, resolved level, week): one small grouped result from
    which the category breakdown, the levels, the status funnel and the weekly trend are all summed.
    Returns the cells summed over the weeks, and the entries per week."""
    cells = (
        _grievance_base(f)
        .annotate(
            # A date, not a local midnight: no per-row time-zone conversion in Python.
            week=TruncWeek("registered_at", output_field=DateField(), tzinfo=timezone.get_current_timezone())
        )
        .values_list("category_id", "kind", "status", "resolved_level", "week")
        .annotate(
            n=Count("pk"),
            explained=Count("pk", filter=_explained(f)),
            overdue=Count("pk", filter=Q(status__in=RUNNING_STATUSES, due_at__lt=now)),
        )
        .order_by()
    )
    cube, weeks = {}, defaultdict(int)
    for category_id, kind, status, level, week, n, explained, overdue in cells:
        cell = cube.get((category_id, kind, status, level))
        if cell is None:
            cube[(category_id, kind, status, level)] = cell = {
                "category_id": category_id,
                "kind": kind,
                "status": status,
                "resolved_level": level,
                "n": 0,
                "explained": 0,
                "overdue": 0,
            }
        cell["n"] += n
        cell["explained"] += explained
        cell["overdue"] += overdue
        weeks[_day(week)] += n
    return list(cube.values()), weeks


def _categories(cube: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cats = {c["pk"]: c for c in GrievanceCategory.objects.values("pk", "parent_id", "name")}
    by_top = {}
    for cell in cube:
        cat = cats.get(cell["category_id"], {})
        top = cat.get("parent_id") or cell["category_id"]
        row = by_top.setdefault(
            top, {"top": top, "name": cats.get(top, {}).get("name", "其他"), **dict.fromkeys(GRIEVANCE_KEYS[:10], 0)}
        )
        n, status, problem = cell["n"], cell["status"], cell["kind"] == Kind.PROBLEM
        row["grievances_total"] += n
        row["grievances_overdue"] += cell["overdue"]
        if problem:
            row["problems_total"] += n
            if status in SOLVED_STATUSES:
                row["grievances_solved"] += n - cell["explained"]
                row["problems_explained"] += cell["explained"]
            elif status == Status.EXPLAINED:
                row["problems_explained"] += n
            if status in ANSWERED_STATUSES:
                row["problems_answered"] += n
            if status in RUNNING_STATUSES:
                row["problems_in_progress"] += n
        else:
            row["suggestions_total"] += n
            row["suggestions_adopted"] += n if status == Status.ADOPTED else 0
            row["suggestions_decided"] += n if status in DECIDED_STATUSES else 0
    result = sorted(by_top.values(), key=lambda r: (-r["grievances_total"], r["top"]))
    for r in result:
        r["resolution_rate"] = rate(r["grievances_solved"], r["problems_total"])
    return result


def _levels(cube: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counts = defaultdict(int)
    for cell in cube:
        if cell["kind"] == Kind.PROBLEM and cell["status"] in SOLVED_STATUSES:
            counts[cell["resolved_level"]] += cell["n"] - cell["explained"]
    rows = sorted(((lv, n) for lv, n in counts.items() if n), key=lambda x: -x[1])
    return [{"level": lv, "name": Level(lv).label if lv in Level.values else "未注明", "count": n} for lv, n in rows]


def _funnel(cube: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    counts = defaultdict(int)
    for cell in cube:
        counts[cell["status"]] += cell["n"]
    order = [
        ("登记", [*RUNNING_STATUSES, *ANSWERED_STATUSES]),
        ("交办", [Status.ASSIGNED, Status.PLANNED, *ANSWERED_STATUSES]),
        ("答复（办结/解释/采纳与否）", ANSWERED_STATUSES),
        ("回访", [Status.FOLLOWED_UP, Status.CLOSED]),
        ("销号", [Status.CLOSED]),
    ]
    stages = [{"label": label, "count": sum(counts.get(s, 0) for s in statuses)} for label, statuses in order]
    by_status = [
        {"status": s.value, "label": s.label, "count": counts.get(s.value, 0)}
        for s in Status
        if s not in UNCOLLECTED_STATUSES
    ]
    return stages, by_status


def _trend(f: Filters, entries: Mapping[date, int]) -> list[dict[str, Any]]:
    """Visits and entries per week (weeks starting Monday, local time); the entries from the cube."""
    tz = timezone.get_current_timezone()
    # COUNT(*), not of the id: the campaign-visits index holds the visit time, so an index-only scan.
    visits = _visits_qs(f).annotate(week=TruncWeek("visited_at", tzinfo=tz)).values("week").annotate(n=Count("*"))
    weeks = {}
    for r in visits.order_by():
        weeks.setdefault(_day(r["week"]), {"visits": 0, "grievances": 0})["visits"] = r["n"]
    for week, n in entries.items():
        weeks.setdefault(week, {"visits": 0, "grievances": 0})["grievances"] = n
    return [{"week": k.isoformat(), **v} for k, v in sorted(weeks.items())]


def _day(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _typical(f: Filters, limit: int = 10) -> list[dict[str, Any]]:
    rows = (
        _grievance_base(f)
        .filter(is_typical=True)
        .select_related("category", "unit")
        .only("pk", "content", "result", "status", "registered_at", "category__name", "unit__name")
        .order_by("-registered_at")[:limit]
    )
    return [
        {
            "id": g.pk,
            "content": g.content,
            "result": g.result,
            "status": g.get_status_display(),
            "category": g.category.name,
            "unit": g.unit.name,
        }
        for g in rows
    ]


def scores(f: Filters) -> list[dict[str, Any]]:
    """Each community/village under the unit: confirmed violations, score = max(0, 1000 - confirmed)."""
    units = (
        OrgUnit.objects.filter(path__startswith=f.unit.path, level=Level.COMMUNITY)
        .annotate(
            confirmed=Count(
                "violations",
                filter=Q(violations__campaign=f.campaign, violations__status=Violation.State.CONFIRMED),
            ),
            candidates=Count(
                "violations",
                filter=Q(violations__campaign=f.campaign, violations__status=Violation.State.CANDIDATE),
            ),
        )
        .order_by("-confirmed", "path")
        .values("pk", "name", "path", "confirmed", "candidates")
    )
    result = []
    for u in units:
        result.append(
            {
                "id": u["pk"],
                "name": u["name"],
                "confirmed": u["confirmed"],
                "candidates": u["candidates"],
                "score": max(0, SCORE_START - u["confirmed"]),
                "talk": u["confirmed"] >= TALK_THRESHOLD,
            }
        )
    return result


def campaign_figures(f: Filters, *, detail: bool = True, visits_by_unit: bool = False) -> dict[str, Any]:
    """All the figures of one (campaign, unit, date range): totals, per child unit, breakdowns.

    `detail=False` gives only totals and children (4 SELECTs; 9 with the breakdowns).
    `visits_by_unit=True` adds the number of visits per child unit (the Excel monthly table);
    otherwise children carry `visits_total: None` and only the total is counted.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # A district's grouped scans (300,000 households) sort and hash in memory rather than
            # spilling to disk with the 4 MB default; SET LOCAL ends with this transaction.
            with connection.cursor() as cur:
                cur.execute("SET LOCAL work_mem = '64MB'")
        return _campaign_figures(f, detail=detail, visits_by_unit=visits_by_unit)


def _campaign_figures(f: Filters, *, detail: bool, visits_by_unit: bool) -> dict[str, Any]:
    now = timezone.now()
    units = list(
        OrgUnit.objects.filter(path__startswith=f.unit.path).values("pk", "name", "level", "path", "parent_id")
    )
    key_of = {u["pk"]: child_key(f.unit.path, u["path"]) for u in units}
    children = [u for u in units if u["parent_id"] == f.unit.pk and u["level"] != Level.DEPARTMENT]
    listed = {u["path"] for u in children}
    rows = defaultdict(_empty)
    # Rows on the unit itself (an entry raised at the street office) or on a functional unit are
    # not in any listed child: they form the "本级" row, so the children always add up to the totals.
    focus = list(f.campaign.focus_categories.values_list("pk", "name")) if detail else []
    households, focus_counts = _households(f, visits_by_unit=visits_by_unit, focus_ids=[pk for pk, _n in focus])
    for unit_id, part in households.items():
        _add(rows[key_of.get(unit_id, "") if key_of.get(unit_id) in listed else ""], part)
    for unit_id, part in _grievances(f, now).items():
        _add(rows[key_of.get(unit_id, "") if key_of.get(unit_id) in listed else ""], part)
    totals = _empty()
    for row in rows.values():
        for key in HOUSEHOLD_KEYS + GRIEVANCE_KEYS + ["_avg_sum", "_avg_n"]:
            totals[key] += row[key]
    own = None
    if "" in rows and any(rows[""][k] for k in HOUSEHOLD_KEYS + GRIEVANCE_KEYS):
        own = {"id": f.unit.pk, "name": f"{f.unit.name}（本级）", "level": f.unit.level, **_close(rows[""])}
    result = {
        "campaign": {"id": f.campaign.pk, "name": f.campaign.name},
        "org_unit": {"id": f.unit.pk, "name": f.unit.name, "level": f.unit.level},
        "start": f.start.isoformat() if f.start else None,
        "end": f.end.isoformat() if f.end else None,
        "generated_at": timezone.localtime(now).isoformat(timespec="seconds"),
        **_close(totals),
        "children": [
            {"id": c["pk"], "name": c["name"], "level": c["level"], **_close(rows.get(c["path"]) or _empty())}
            for c in sorted(children, key=lambda c: c["path"])
        ],
        "own": own,
    }
    if detail:
        cube, entries_by_week = _cube(f, now)
        stages, by_status = _funnel(cube)
        categories = _categories(cube)
        unit_scores = scores(f)
        result.update(
            {
                "focus_categories": _focus(focus, focus_counts),
                "categories": categories,
                "top_categories": categories[:5],
                "resolved_levels": _levels(cube),
                "funnel": stages,
                "statuses": by_status,
                "trend": _trend(f, entries_by_week),
                "typical_cases": _typical(f),
                "slowest_units": slowest(result["children"]),
                "scores": unit_scores,
                "talks": [u for u in unit_scores if u["talk"]],
            }
        )
    if not visits_by_unit:
        # Visits per unit were not counted: say so rather than show zeros; the total comes from the
        # weekly trend (same filter) or one count.
        for row in [*result["children"], *([own] if own else [])]:
            row["visits_total"] = None
        result["visits_total"] = sum(w["visits"] for w in result["trend"]) if detail else _visits_qs(f).count()
    return result


def slowest(children: list[dict[str, Any]], limit: int = 5) -> list[dict[str, Any]]:
    """Units ranked slowest: most overdue entries, then most still in progress, then the longest average."""
    ranked = [c for c in children if c["grievances_overdue"] or c["problems_in_progress"]]
    ranked.sort(key=lambda c: (-c["grievances_overdue"], -c["problems_in_progress"], -(c["avg_days_to_solve"] or 0)))
    return ranked[:limit]
