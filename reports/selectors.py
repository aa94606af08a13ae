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
is in it). Without a date range the per-unit rows may come from the maintained rollup
(reports.rollup), which stores what `unit_rows()` counts with these same queries and sums it with
the same arithmetic, so the figures are identical; `rolled_up_at` says when it was rebuilt.

Definitions (docs/figures.md holds the full table; DOMAIN.md: Grievance ledger, Reporting):
- households_homes (= households_total, its older name): targets of kind 家庭 registered under the
  unit (the registry, not date-filtered); targets_total: every kind (家庭, 企业, 学校, 商铺, 其他);
  others_*: the kinds other than homes. Only homes enter the coverage rate.
- households_visited / targets_visited: homes / targets with at least one visit of the campaign in
  the date range (look-back visits excluded); visits_total counts those visits.
- focus_households_total / _visited: targets in any focus category of the campaign, counted once;
  focus_categories: the same per category.
- Collected entries exclude merged duplicates and withdrawn ones. grievances_total = problems + suggestions.
- explained (解疑释惑): a problem answered by an explanation: status `explained`, or followed up/closed
  after an `explained` step in its history. Explained counts as answered, never as solved [002].
- solved (grievances_solved): a problem in a solved status (resolved, followed_up, closed) never explained.
- answered (problems_answered) = solved + explained; in_progress = problems still running.
- overdue: a running problem whose due date has passed now (a suggestion is never overdue).
- followed_up: entries with a look-back answer recorded; satisfied = 满意 only, basically_satisfied
  = 基本满意, not_satisfied = 不满意.
- Rates (`RATES`, each with `<rate>_numerator` and `<rate>_denominator`): coverage = visited homes /
  homes; focus_coverage; resolution = solved / problems; answer = answered / problems; response =
  (answered problems + decided suggestions) / entries; satisfaction = (满意 + 基本满意) / followed up;
  adoption = adopted / suggestions.
Rates are percentages with one decimal, None when the denominator is 0.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Avg, Count, DateField, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncWeek
from django.http import Http404
from django.utils import timezone

from campaigns.access import path_prefixes
from campaigns.choices import Level
from campaigns.lib import figures
from campaigns.models import LevelTable, OrgUnit
from grievances.choices import (
    ANSWERED_STATUSES,
    DECIDED_STATUSES,
    RUNNING_STATUSES,
    SOLVED_STATUSES,
    UNCOLLECTED_STATUSES,
    Kind,
    Status,
)
from grievances.models import Grievance, GrievanceCategory
from grievances.selectors import figure_conditions as ledger_figures
from grievances.selectors import overdue_problems, was_explained
from grievances.taxonomy import OPINION_GROUPS, opinion_group
from visits.choices import HouseholdKind
from visits.models import Household, Visit

from .models import Violation

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import date

    from django.db.models import Aggregate, QuerySet

    from campaigns.models import Campaign, User

TALK_THRESHOLD = 3  # three or more confirmed cases: 约谈
OTHER_KINDS = [HouseholdKind.ENTERPRISE, HouseholdKind.SCHOOL, HouseholdKind.SHOP, HouseholdKind.OTHER]


rate = figures.rate  # the one rounding of every rate (one decimal, None without a denominator)


@dataclass(frozen=True)
class Filters:
    campaign: Campaign
    unit: OrgUnit
    start: date | None = None  # local date, inclusive
    end: date | None = None  # local date, inclusive
    # Only these units' own rows (not their subtrees): the rollup rebuilds changed units this way.
    unit_ids: tuple[int, ...] | None = None

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
        if self.unit_ids is not None:
            return Q(**{f"{field}__in": self.unit_ids})
        if self.unit.pk == self.campaign.territory_id:
            return Q()
        return self.subtree(field)

    def subtree(self, field: str) -> Q:
        """Rows not tied to the campaign (households) in the unit's subtree: always filtered."""
        prefix = f"{field}__" if field else ""  # "" filters the org units themselves
        if self.unit_ids is not None:
            return Q(**{f"{prefix}pk__in" if not field else f"{field}__in": self.unit_ids})
        return Q(**{f"{prefix}path__startswith": self.unit.path})


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


def _sql(qs: QuerySet) -> tuple[str, tuple[Any, ...]]:
    return qs.query.get_compiler(using=qs.db).as_sql()


def _households(
    f: Filters, *, visits_by_unit: bool, focus_ids: Sequence[int] = (), focus_by_grid: dict | None = None
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
    units_sql, units_params = _sql(OrgUnit.objects.filter(f.subtree("")).values("pk").order_by())
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
            if bits_set:
                # In any focus category of the campaign (重点户), counted once whatever the overlap.
                _add_count(rows[grid_id], "focus_households_total", total)
                _add_count(rows[grid_id], "focus_households_visited", visited)
            for i, pk in enumerate(focus_ids):
                if bits_set >> i & 1:
                    focus[pk][0] += total
                    focus[pk][1] += visited
                    if focus_by_grid is not None:
                        cell = focus_by_grid.setdefault(grid_id, {}).setdefault(pk, [0, 0])
                        cell[0] += total
                        cell[1] += visited
    if visits_by_unit:
        for r in _visits_qs(f).values("household__grid_id").annotate(n=Count("pk")).order_by():
            rows[r["household__grid_id"]]["visits_total"] = r["n"]
    return rows, focus


def _add_count(row: dict[str, int], key: str, n: int) -> None:
    row[key] = row.get(key, 0) + n


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
    # The conditions are the ledger's own (`?figure=` lists the entries each figure counts).
    conditions = ledger_figures(now)
    aggs = {key: Count("pk", filter=q) if q else Count("pk") for key, q in conditions.items()}
    aggs["avg_resolve"] = Avg(
        ExpressionWrapper(F("resolved_at") - F("registered_at"), output_field=DurationField()),
        filter=conditions["grievances_solved"] & Q(resolved_at__isnull=False),
    )
    return aggs


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
HOUSEHOLD_KEYS = [
    "visits_total",
    "households_total",
    "households_visited",
    "others_total",
    "others_visited",
    "focus_households_total",
    "focus_households_visited",
] + [f"{k}_{s}" for k in OTHER_KINDS for s in ("total", "visited")]


def _avg_td(value: timedelta | int | None) -> timedelta | None:
    if value is not None and not isinstance(value, timedelta):
        value = timedelta(microseconds=value)  # SQLite answers the average duration in microseconds
    return value


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    """Derived figures of one unit's row (rates, days)."""
    avg = _avg_td(row.pop("avg_resolve", None))
    row["avg_days_to_solve"] = round(avg.total_seconds() / 86400, 1) if avg is not None else None
    row["households_homes"] = row["households_total"]
    row["targets_total"] = row["households_total"] + row["others_total"]
    row["targets_visited"] = row["households_visited"] + row["others_visited"]
    for name, (numerator, denominator) in RATES.items():
        num, den = (sum(row[k] for k in numerator), row[denominator])
        row[f"{name}_numerator"], row[f"{name}_denominator"] = num, den
        row[name] = rate(num, den)
    return row


# The per-unit table shown on the dashboard, in the summary's appendix and in the monthly Excel
# table: (label, figure, is a rate). One list, so the three show the same columns the same way.
UNIT_COLUMNS = [
    ("农户（家庭户）", "households_homes", False),
    ("已走访农户", "households_visited", False),
    ("走访覆盖率", "coverage_rate", True),
    ("重点户", "focus_households_total", False),
    ("已走访重点户", "focus_households_visited", False),
    ("问题建议", "grievances_total", False),
    ("其中问题", "problems_total", False),
    ("其中建议", "suggestions_total", False),
    ("已解决", "grievances_solved", False),
    ("解释说明", "problems_explained", False),
    ("办理中", "problems_in_progress", False),
    ("超期", "grievances_overdue", False),
    ("已回访", "followed_up", False),
    ("满意", "satisfied", False),
    ("基本满意", "basically_satisfied", False),
    ("解决率", "resolution_rate", True),
    ("答复率", "answer_rate", True),
    ("满意率", "satisfaction_rate", True),
]


# The list each figure counts: the household list (visits/households/) with these filters, or the
# ledger (grievances/) with `?figure=` (the same conditions, grievances.selectors.figure_conditions).
# A rate links to its numerator's list where that is one figure.
HOUSEHOLD_LISTS = {
    "households_homes": {"kind": HouseholdKind.HOUSEHOLD},
    "households_total": {"kind": HouseholdKind.HOUSEHOLD},
    "households_visited": {"kind": HouseholdKind.HOUSEHOLD, "visited": "1"},
    "households_assigned": {"kind": HouseholdKind.HOUSEHOLD, "assigned": "1"},
    "focus_households_total": {"focus": "1"},
    "focus_households_visited": {"focus": "1", "visited": "1"},
    "targets_total": {},
    "targets_visited": {"visited": "1"},
}
RATE_LISTS = {
    "coverage_rate": "households_visited",
    "focus_coverage_rate": "focus_households_visited",
    "resolution_rate": "grievances_solved",
    "answer_rate": "problems_answered",
    "adoption_rate": "suggestions_adopted",
}


def figure_list_url(
    *, campaign_id: int, unit_id: int, key: str, start: str | date | None = None, end: str | date | None = None
) -> str:
    """The page listing what figure `key` counts for the unit (its subtree), campaign and dates,
    or '' for a figure no list shows (a rate of several figures)."""
    from urllib.parse import urlencode

    from grievances.selectors import FIGURE_LABELS

    key = RATE_LISTS.get(key, key)
    if key in HOUSEHOLD_LISTS:
        query = {"campaign": campaign_id, "unit": unit_id, **HOUSEHOLD_LISTS[key]}
        if "visited" in query:
            query.update({k: str(v) for k, v in (("visits_from", start), ("visits_to", end)) if v})
        return f"{_list_path('visits:households')}?{urlencode(query)}"
    if key in FIGURE_LABELS:
        query = {"campaign": campaign_id, "home_unit": unit_id, "figure": key}
        query.update({k: str(v) for k, v in (("registered_from", start), ("registered_to", end)) if v})
        return f"{_list_path('grievances:ledger')}?{urlencode(query)}"
    return ""


@functools.cache
def _list_path(name: str) -> str:
    """A list page's path: the URLconf never changes in a running process, and a dashboard links
    thousands of figures to two of them."""
    from django.urls import reverse

    return reverse(name)


# --- 三率 per unit: the dashboard's and the monthly table's rows (docs/figures.md, "三率") ------
# Here, as on every page, the rates are percents; /api/stats/ `handling_rates` gives the same
# counts and its rates as fractions (0–1). 响应率 is named `signing_rate` in these rows so that it
# never reads as the campaign's 回应率 (`response_rate`) beside it.
THREE_RATE_COLUMNS = [
    ("交办", "routed", False),
    ("按时签收", "signed_in_time", False),
    ("响应率", "signing_rate", True),
    ("解决率", "resolution_rate", True),
    ("满意率", "satisfaction_rate", True),
    ("已答复", "answered", False),
    ("按时办结", "answered_on_time", False),
    ("按时办结率", "on_time_rate", True),
    ("平均办理工作日", "avg_working_days_to_answer", False),
]


def _three_rate_row(base: Mapping[str, Any], handled: Mapping[str, Any] | None) -> dict[str, Any]:
    handled = handled or {}
    routed, answered = handled.get("routed", 0), handled.get("answered", 0)
    return {
        "id": base.get("id"),
        "name": base.get("name"),
        "level_name": base.get("level_name", ""),
        "routed": routed,
        "signed_in_time": handled.get("signed_in_time", 0),
        "signing_rate": rate(handled.get("signed_in_time", 0), routed),
        "resolution_rate": base.get("resolution_rate"),
        "satisfaction_rate": base.get("satisfaction_rate"),
        "answered": answered,
        "answered_on_time": handled.get("answered_on_time", 0),
        "on_time_rate": rate(handled.get("answered_on_time", 0), answered),
        "avg_working_days_to_answer": handled.get("avg_working_days_to_answer"),
    }


def three_rates(f: Filters, figures: Mapping[str, Any]) -> dict[str, Any]:
    """响应率, 解决率, 满意率, 按时办结率 and the working days to answer of each child unit of
    `figures` (`campaign_figures(f)`), of the unit's own entries (`own`) and in total, from the
    figures and the handling rates (`reports.rollup.rates()`, two grouped SELECTs)."""
    from .rollup import rates

    handled = rates(f)
    by_unit = {r["unit"]: r for r in handled["by_unit"] if r["unit"] != f.unit.pk}
    own = next((r for r in handled["by_unit"] if r["unit"] == f.unit.pk), None)
    rows = [_three_rate_row(c, by_unit.get(c["id"])) for c in figures["children"]]
    own_row = None
    if own is not None or figures.get("own"):
        own_row = _three_rate_row({**(figures.get("own") or {}), "id": f.unit.pk, "name": "本级"}, own)
    totals = _three_rate_row({**figures, "id": f.unit.pk, "name": "合计"}, handled["totals"])
    return {"rows": rows, "own": own_row, "totals": totals}


# Each rate: the figures summed into its numerator, and its denominator (docs/figures.md).
RATES = {
    "coverage_rate": (("households_visited",), "households_total"),
    "focus_coverage_rate": (("focus_households_visited",), "focus_households_total"),
    "resolution_rate": (("grievances_solved",), "problems_total"),
    "answer_rate": (("problems_answered",), "problems_total"),
    "response_rate": (("problems_answered", "suggestions_decided"), "grievances_total"),
    "satisfaction_rate": (("satisfied", "basically_satisfied"), "followed_up"),
    "adoption_rate": (("suggestions_adopted",), "suggestions_total"),
}


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


def _cube_rows(f: Filters, now: datetime, *, by_unit: bool = False) -> QuerySet:
    """Entry counts by (category, kind, status, resolved level, week[, unit]): one grouped query."""
    fields = ["category_id", "kind", "status", "resolved_level", "week", *(["unit_id"] if by_unit else [])]
    return (
        _grievance_base(f)
        .annotate(
            # A date, not a local midnight: no per-row time-zone conversion in Python.
            week=TruncWeek("registered_at", output_field=DateField(), tzinfo=timezone.get_current_timezone())
        )
        .values_list(*fields)
        .annotate(
            n=Count("pk"),
            explained=Count("pk", filter=was_explained()),
            overdue=Count("pk", filter=overdue_problems(now)),
        )
        .order_by()
    )


def cube_key(cell: Mapping[str, Any]) -> tuple[Any, ...]:
    return (cell["category_id"], cell["kind"], cell["status"], str(cell["resolved_level"]))


def _fold_cube(cells) -> tuple[list[dict[str, Any]], defaultdict[date, int]]:
    """Cube rows summed over the weeks (in a fixed order), and the entries per week."""
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
    return sorted(cube.values(), key=cube_key), weeks


def _cube(f: Filters, now: datetime) -> tuple[list[dict[str, Any]], defaultdict[date, int]]:
    """Entry counts by (category, kind, status, resolved level, week): one small grouped result from
    which the category breakdown, the levels, the status funnel and the weekly trend are all summed.
    Returns the cells summed over the weeks, and the entries per week."""
    return _fold_cube(_cube_rows(f, now))


def _categories(cube: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cats = {c["pk"]: c for c in GrievanceCategory.objects.values("pk", "parent_id", "name", "code")}
    by_top = {}
    for cell in cube:
        cat = cats.get(cell["category_id"], {})
        top = cat.get("parent_id") or cell["category_id"]
        row = by_top.setdefault(
            top,
            {
                "top": top,
                "name": cats.get(top, {}).get("name", "其他"),
                "group": opinion_group(cats.get(top, {}).get("code")),
                **dict.fromkeys(GRIEVANCE_KEYS[:10], 0),
            },
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


CATEGORY_KEYS = GRIEVANCE_KEYS[:10]


def opinion_groups(categories: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """seeds/000's four groups of opinions (生产生活困难, 诉求, 对党委政府, 对干部作风), each the sum
    of its top-level categories' rows, in the seed's order; they add up to every entry."""
    rows = [{"code": code, "name": name, **dict.fromkeys(CATEGORY_KEYS, 0)} for code, name in OPINION_GROUPS]
    by_code = {r["code"]: r for r in rows}
    for c in categories:
        row = by_code[c["group"]]
        for key in CATEGORY_KEYS:
            row[key] += c[key]
    for r in rows:
        r["resolution_rate"] = rate(r["grievances_solved"], r["problems_total"])
    return rows


def _levels(cube: list[dict[str, Any]], names: Mapping[str, str]) -> list[dict[str, Any]]:
    counts = defaultdict(int)
    for cell in cube:
        if cell["kind"] == Kind.PROBLEM and cell["status"] in SOLVED_STATUSES:
            counts[cell["resolved_level"]] += cell["n"] - cell["explained"]
    rows = sorted(((lv, n) for lv, n in counts.items() if n), key=lambda x: (-x[1], str(x[0])))
    return [{"level": lv, "name": names.get(lv) or "未注明", "count": n} for lv, n in rows]


def _funnel(cube: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    counts = defaultdict(int)
    for cell in cube:
        counts[cell["status"]] += cell["n"]
    order = [
        ("登记", [*RUNNING_STATUSES, *ANSWERED_STATUSES]),
        ("交办", [Status.ASSIGNED, Status.PLANNED, *ANSWERED_STATUSES]),
        ("答复（办结/解释/采纳与否）", ANSWERED_STATUSES),
        ("回访", [Status.FOLLOWED_UP, Status.CLOSED]),  # replaced by `followed_up` below
        ("销号", [Status.CLOSED]),
    ]
    stages = [{"label": label, "count": sum(counts.get(s, 0) for s in statuses)} for label, statuses in order]
    by_status = [
        {"status": s.value, "label": s.label, "count": counts.get(s.value, 0)}
        for s in Status
        if s not in UNCOLLECTED_STATUSES
    ]
    return stages, by_status


def _visit_rows(f: Filters, *, by_unit: bool = False) -> QuerySet:
    """The campaign's visits per week (weeks starting Monday, local time)[, per grid]."""
    tz = timezone.get_current_timezone()
    fields = ["week", *(["household__grid_id"] if by_unit else [])]
    # COUNT(*), not of the id: the campaign-visits index holds the visit time, so an index-only scan.
    return _visits_qs(f).annotate(week=TruncWeek("visited_at", tzinfo=tz)).values(*fields).annotate(n=Count("*"))


def _visit_weeks(f: Filters) -> dict[date, int]:
    return {_day(r["week"]): r["n"] for r in _visit_rows(f).order_by()}


def _trend(visits: Mapping[date, int], entries: Mapping[date, int]) -> list[dict[str, Any]]:
    """Visits and entries per week; the entries from the cube."""
    weeks = {}
    for week, n in visits.items():
        weeks.setdefault(week, {"visits": 0, "grievances": 0})["visits"] = n
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
    """Each street/town and community/village under the unit: confirmed violations and its score on
    this campaign's item of the yearly 千分制 assessment: the campaign's weight less one point per
    confirmed case, down to zero (扣完为止, seed 002); three or more confirmed cases mean a 约谈.
    A town answers for its whole territory: its own cases and those of its communities/villages
    count against it (two queries whatever the depth)."""
    weight = f.campaign.assessment_weight
    units = list(
        OrgUnit.objects.filter(path__startswith=f.unit.path, level__in=[Level.STREET, Level.COMMUNITY]).values(
            "pk", "name", "path", "level"
        )
    )
    counts = (
        Violation.objects.filter(campaign=f.campaign, unit__path__startswith=f.unit.path)
        .values("unit__path", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    table = LevelTable.load()
    rows = {u["path"]: {"confirmed": 0, "candidates": 0} for u in units}
    for c in counts:
        key = {Violation.State.CONFIRMED: "confirmed", Violation.State.CANDIDATE: "candidates"}.get(c["status"])
        if key is None:
            continue
        for path in path_prefixes(c["unit__path"]):
            if path in rows:
                rows[path][key] += c["n"]
    result = [
        {
            "id": u["pk"],
            "name": u["name"],
            "level": u["level"],
            "level_name": table.of(u),
            "confirmed": rows[u["path"]]["confirmed"],
            "candidates": rows[u["path"]]["candidates"],
            "weight": weight,
            "deducted": min(weight, rows[u["path"]]["confirmed"]),
            "score": max(0, weight - rows[u["path"]]["confirmed"]),
            "talk": rows[u["path"]]["confirmed"] >= TALK_THRESHOLD,
        }
        for u in units
    ]
    # Towns first, then villages; the most cases first within each.
    # (a stable sort: units come in tree order)
    result.sort(key=lambda r: (r["level"] != Level.STREET, -r["confirmed"]))
    return result


@dataclass
class Parts:
    """What the figures are summed from: accumulated rows per listed child (its path) and for the
    unit itself ("", 本级), the totals, the focus counts, and for the breakdowns the ledger cube and
    the weekly counts. Live SQL gives them (`_live_parts`), or the maintained rollup (reports.rollup)
    summed from the very same per-unit rows."""

    now: datetime
    children: list[dict[str, Any]]
    rows: dict[str, dict[str, Any]]
    totals: dict[str, Any]
    focus_counts: Mapping[int, Sequence[int]]
    cube: list[dict[str, Any]] | None = None
    entries_by_week: Mapping[date, int] | None = None
    visit_weeks: Mapping[date, int] | None = None
    rolled_up_at: datetime | None = None


def campaign_figures(
    f: Filters, *, detail: bool = True, visits_by_unit: bool = False, rollup: bool = True
) -> dict[str, Any]:
    """All the figures of one (campaign, unit, date range): totals, per child unit, breakdowns.

    `detail=False` gives only totals and children (4 SELECTs; 9 with the breakdowns).
    `visits_by_unit=True` adds the number of visits per child unit (the Excel monthly table);
    otherwise children carry `visits_total: None` and only the total is counted.
    Without a date range the sums come from the maintained rollup (reports.rollup) when it was
    rebuilt within the last minute (`rolled_up_at` says when); `rollup=False` always counts live.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # A district's grouped scans (300,000 households) sort and hash in memory rather than
            # spilling to disk with the 4 MB default; SET LOCAL ends with this transaction.
            with connection.cursor() as cur:
                cur.execute("SET LOCAL work_mem = '64MB'")
        return _campaign_figures(f, detail=detail, visits_by_unit=visits_by_unit, rollup=rollup)


def unit_rows(f: Filters, now: datetime, focus_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Each unit's OWN rows (not its subtree's) as every figure counts them: the accumulated row
    (`_add` of its registry and ledger parts), its focus counts, its cube cells summed over weeks
    and its entries and visits per week. The rollup stores these and sums them up the tree."""
    focus_by_grid: dict[int, dict[int, list[int]]] = {}
    households, _focus = _households(f, visits_by_unit=True, focus_ids=focus_ids, focus_by_grid=focus_by_grid)
    result: dict[int, dict[str, Any]] = {}

    def unit(pk: int) -> dict[str, Any]:
        if pk not in result:
            result[pk] = {"row": _empty(), "focus": {}, "cube": {}, "entries": defaultdict(int), "visits": {}}
        return result[pk]

    for pk, part in households.items():
        _add(unit(pk)["row"], part)
    for pk, counts in focus_by_grid.items():
        unit(pk)["focus"] = counts
    for pk, part in _grievances(f, now).items():
        _add(unit(pk)["row"], part)
    for category_id, kind, status, level, week, pk, n, explained, overdue in _cube_rows(f, now, by_unit=True):
        cell = unit(pk)["cube"].setdefault((category_id, kind, status, level), [0, 0, 0])
        cell[0] += n
        cell[1] += explained
        cell[2] += overdue
        unit(pk)["entries"][_day(week)] += n
    for r in _visit_rows(f, by_unit=True).order_by():
        unit(r["household__grid_id"])["visits"][_day(r["week"])] = r["n"]
    return result


def _live_parts(f: Filters, now: datetime, focus_ids: Sequence[int], *, visits_by_unit: bool) -> Parts:
    units = list(
        OrgUnit.objects.filter(path__startswith=f.unit.path).values("pk", "name", "level", "path", "parent_id")
    )
    key_of = {u["pk"]: child_key(f.unit.path, u["path"]) for u in units}
    children = [u for u in units if u["parent_id"] == f.unit.pk and u["level"] != Level.DEPARTMENT]
    listed = {u["path"] for u in children}
    rows = defaultdict(_empty)
    # Rows on the unit itself (an entry raised at the street office) or on a functional unit are
    # not in any listed child: they form the "本级" row, so the children always add up to the totals.
    households, focus_counts = _households(f, visits_by_unit=visits_by_unit, focus_ids=focus_ids)
    for unit_id, part in households.items():
        _add(rows[key_of.get(unit_id, "") if key_of.get(unit_id) in listed else ""], part)
    for unit_id, part in _grievances(f, now).items():
        _add(rows[key_of.get(unit_id, "") if key_of.get(unit_id) in listed else ""], part)
    totals = _empty()
    for row in rows.values():
        for key in HOUSEHOLD_KEYS + GRIEVANCE_KEYS + ["_avg_sum", "_avg_n"]:
            totals[key] += row[key]
    return Parts(now=now, children=children, rows=rows, totals=totals, focus_counts=focus_counts)


def _campaign_figures(f: Filters, *, detail: bool, visits_by_unit: bool, rollup: bool) -> dict[str, Any]:
    now = timezone.now()
    focus = list(f.campaign.focus_categories.values_list("pk", "name").order_by("pk"))
    focus_ids = [pk for pk, _n in focus]
    parts = None
    if rollup and f.start is None and f.end is None and f.unit_ids is None:
        from .rollup import rolled_up

        parts = rolled_up(f, now, focus_ids)
    if parts is None:
        parts = _live_parts(f, now, focus_ids, visits_by_unit=visits_by_unit)
    rows, children = parts.rows, parts.children
    table = LevelTable.load()
    own = None
    if "" in rows and any(rows[""][k] for k in HOUSEHOLD_KEYS + GRIEVANCE_KEYS):
        own = {
            "id": f.unit.pk,
            "name": f"{f.unit.name}（本级）",
            "level": f.unit.level,
            "level_name": table.of(f.unit),
            **_close(rows[""]),
        }
    result = {
        "campaign": {"id": f.campaign.pk, "name": f.campaign.name},
        "org_unit": {"id": f.unit.pk, "name": f.unit.name, "level": f.unit.level, "level_name": table.of(f.unit)},
        "start": f.start.isoformat() if f.start else None,
        "end": f.end.isoformat() if f.end else None,
        "generated_at": timezone.localtime(now).isoformat(timespec="seconds"),
        # When the rollup the figures were summed from was rebuilt (None: counted live just now).
        "rolled_up_at": (
            timezone.localtime(parts.rolled_up_at).isoformat(timespec="seconds") if parts.rolled_up_at else None
        ),
        **_close(parts.totals),
        "children": [
            {
                "id": c["pk"],
                "name": c["name"],
                "level": c["level"],
                "level_name": table.of(c),
                **_close(rows.get(c["path"]) or _empty()),
            }
            for c in sorted(children, key=lambda c: c["path"])
        ],
        "own": own,
    }
    if detail:
        if parts.cube is None:
            cube, entries_by_week = _cube(f, parts.now)
        else:
            cube, entries_by_week = parts.cube, parts.entries_by_week
        visit_weeks = _visit_weeks(f) if parts.visit_weeks is None else parts.visit_weeks
        stages, by_status = _funnel(cube)
        # The funnel's 回访 is the one figure "followed up" (a satisfaction answer recorded), the
        # same as section 三 of the summary, not a count of statuses that a reopened entry leaves.
        stages[3]["count"] = result["followed_up"]
        categories = _categories(cube)
        unit_scores = scores(f)
        result.update(
            {
                "focus_categories": _focus(focus, parts.focus_counts),
                "categories": categories,
                "opinion_groups": opinion_groups(categories),
                "top_categories": categories[:5],
                "resolved_levels": _levels(cube, table.names(f.unit.path)),
                "funnel": stages,
                "statuses": by_status,
                "trend": _trend(visit_weeks, entries_by_week),
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
        if detail:
            result["visits_total"] = sum(w["visits"] for w in result["trend"])
        elif parts.visit_weeks is not None:
            result["visits_total"] = sum(parts.visit_weeks.values())
        else:
            result["visits_total"] = _visits_qs(f).count()
    return result


def slowest(children: list[dict[str, Any]], limit: int = 5) -> list[dict[str, Any]]:
    """Units ranked slowest: most overdue entries, then most still in progress, then the longest average."""
    ranked = [c for c in children if c["grievances_overdue"] or c["problems_in_progress"]]
    ranked.sort(key=lambda c: (-c["grievances_overdue"], -c["problems_in_progress"], -(c["avg_days_to_solve"] or 0)))
    return ranked[:limit]
