"""THE campaign figures. The dashboard, /api/stats/, the summary PDF and the Excel tables all call
`campaign_figures()`, so the same filters always give the same numbers.

Everything is computed by aggregate SQL (conditional Count over filtered rows), grouped by child
unit through the materialised path: a row's child unit is the prefix of its unit's path one segment
below the selected unit, `Substr(path, 1, len(unit.path) + StrIndex(rest, "/"))`. A fixed number of
queries whatever the size of the district; never a Python loop over households or entries.

Definitions (DOMAIN.md: Grievance ledger, Reporting):
- households_total: rows of kind "household" registered under the unit (the registry, not date-filtered);
  other targets (enterprises, schools, shops, other) are counted apart and do not enter the coverage rate.
- visited: at least one visit of the campaign (look-back visits excluded) within the date range.
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
  they do not depend on the FollowUp model of the background branch.
Rates are percentages with one decimal, None when the denominator is 0.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Avg, Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce, StrIndex, Substr, TruncWeek
from django.http import Http404
from django.utils import timezone

from campaigns.access import scope
from campaigns.models import Level, OrgUnit
from grievances.models import (
    ANSWERED_STATUSES,
    Grievance,
    GrievanceCategory,
    GrievanceEvent,
    Kind,
    Satisfaction,
    Status,
)
from visits.models import Household, HouseholdKind, Visit

from .models import READER_ROLES, Violation

OPEN_STATUSES = [Status.REGISTERED, Status.REVIEWED, Status.ASSIGNED, Status.PLANNED]
NOT_COLLECTED = [Status.MERGED, Status.WITHDRAWN]
SOLVED_STATUSES = [Status.RESOLVED, Status.FOLLOWED_UP, Status.CLOSED]
SCORE_START = 1000  # 千分制 (seeds/002)
TALK_THRESHOLD = 3  # three or more confirmed cases: 约谈
OTHER_KINDS = [HouseholdKind.ENTERPRISE, HouseholdKind.SCHOOL, HouseholdKind.SHOP, HouseholdKind.OTHER]
LEVEL_LABELS = {
    "grid": "网格/楼组",
    "community": "社区/村",
    "street": "街道/镇",
    "district": "区/县",
    "department": "区直部门",
}


def rate(numerator, denominator):
    return round(100.0 * numerator / denominator, 1) if denominator else None


@dataclass(frozen=True)
class Filters:
    campaign: object
    unit: OrgUnit
    start: object = None  # local date, inclusive
    end: object = None  # local date, inclusive

    def window(self, field):
        """A Q keeping `field` (an aware datetime) inside the local-date range."""
        q = Q()
        tz = timezone.get_current_timezone()
        if self.start:
            q &= Q(**{f"{field}__gte": datetime.combine(self.start, time.min, tzinfo=tz)})
        if self.end:
            q &= Q(**{f"{field}__lt": datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz)})
        return q


def resolve_filters(*, user, campaign_id, unit_id, start=None, end=None):
    """Load and check campaign and unit for a reader: outside the reader's subtree (or the campaign's
    territory) is a 404, the same as missing."""
    from campaigns.models import Campaign

    s = scope(user)
    if not s.has_role(*READER_ROLES):
        raise Http404
    campaign = Campaign.objects.visible_to(user).select_related("territory").filter(pk=campaign_id).first()
    unit = OrgUnit.objects.filter(pk=unit_id).exclude(level=Level.DEPARTMENT).first()
    if campaign is None or unit is None or not s.covers(unit, READER_ROLES):
        raise Http404
    if not unit.path.startswith(campaign.territory.path):
        raise Http404
    return Filters(campaign=campaign, unit=unit, start=start, end=end)


def child_path(field, unit):
    """The path of the child unit of `unit` that contains the row (the unit's own path for rows on it)."""
    n = len(unit.path)
    rest = Substr(field, n + 1)
    return Substr(field, 1, Value(n) + StrIndex(rest, Value("/")))


def _visited(f):
    return Exists(
        Visit.objects.filter(f.window("visited_at"), campaign=f.campaign, household=OuterRef("pk"), is_followup=False)
    )


def _explained():
    return Exists(GrievanceEvent.objects.filter(grievance=OuterRef("pk"), to_status=Status.EXPLAINED))


def _reopened():
    # Look-back found an answered entry unsolved: it went back from an answered status to work.
    return Exists(
        GrievanceEvent.objects.filter(
            grievance=OuterRef("pk"), from_status__in=ANSWERED_STATUSES, to_status__in=OPEN_STATUSES
        )
    )


def _households(f):
    qs = Household.objects.filter(grid__path__startswith=f.unit.path).annotate(
        visited=_visited(f), cp=child_path("grid__path", f.unit)
    )
    home = Q(kind=HouseholdKind.HOUSEHOLD)
    aggs = {
        "households_total": Count("pk", filter=home),
        "households_visited": Count("pk", filter=home & Q(visited=True)),
        "others_total": Count("pk", filter=~home),
        "others_visited": Count("pk", filter=~home & Q(visited=True)),
    }
    for kind in OTHER_KINDS:
        aggs[f"{kind}_total"] = Count("pk", filter=Q(kind=kind))
        aggs[f"{kind}_visited"] = Count("pk", filter=Q(kind=kind, visited=True))
    return {row.pop("cp"): row for row in qs.values("cp").annotate(**aggs).order_by()}


def _visits(f):
    """Visits made (look-back visits excluded) per child unit."""
    qs = (
        Visit.objects.filter(
            f.window("visited_at"),
            campaign=f.campaign,
            is_followup=False,
            household__grid__path__startswith=f.unit.path,
        )
        .annotate(cp=child_path("household__grid__path", f.unit))
        .values("cp")
        .annotate(visits_total=Count("pk"))
        .order_by()
    )
    return {row.pop("cp"): row for row in qs}


def _grievance_base(f):
    return Grievance.objects.filter(
        f.window("registered_at"), campaign=f.campaign, unit__path__startswith=f.unit.path
    ).exclude(status__in=NOT_COLLECTED)


def _grievance_aggs(now):
    problem = Q(kind=Kind.PROBLEM)
    suggestion = Q(kind=Kind.SUGGESTION)
    explained = problem & (Q(status=Status.EXPLAINED) | Q(status__in=SOLVED_STATUSES, was_explained=True))
    solved = problem & Q(status__in=SOLVED_STATUSES, was_explained=False)
    followed = ~Q(satisfaction="")
    return {
        "grievances_total": Count("pk"),
        "problems_total": Count("pk", filter=problem),
        "grievances_solved": Count("pk", filter=solved),
        "problems_explained": Count("pk", filter=explained),
        "problems_answered": Count("pk", filter=problem & Q(status__in=ANSWERED_STATUSES)),
        "problems_in_progress": Count("pk", filter=problem & Q(status__in=OPEN_STATUSES)),
        "grievances_overdue": Count("pk", filter=Q(status__in=OPEN_STATUSES, due_at__lt=now)),
        "suggestions_total": Count("pk", filter=suggestion),
        "suggestions_adopted": Count("pk", filter=suggestion & Q(status=Status.ADOPTED)),
        "suggestions_decided": Count("pk", filter=suggestion & Q(status__in=[Status.ADOPTED, Status.NOT_ADOPTED])),
        "followed_up": Count("pk", filter=followed),
        "satisfied": Count("pk", filter=Q(satisfaction=Satisfaction.SATISFIED)),
        "basically_satisfied": Count("pk", filter=Q(satisfaction=Satisfaction.BASICALLY_SATISFIED)),
        "not_satisfied": Count("pk", filter=Q(satisfaction=Satisfaction.NOT_SATISFIED)),
        "reopened": Count("pk", filter=Q(was_reopened=True)),
        "typical": Count("pk", filter=Q(is_typical=True)),
        "avg_resolve": Avg(
            ExpressionWrapper(F("resolved_at") - F("registered_at"), output_field=DurationField()),
            filter=solved & Q(resolved_at__isnull=False),
        ),
    }


def _grievances(f, now):
    qs = _grievance_base(f).annotate(
        was_explained=_explained(), was_reopened=_reopened(), cp=child_path("unit__path", f.unit)
    )
    return {row.pop("cp"): row for row in qs.values("cp").annotate(**_grievance_aggs(now)).order_by()}


GRIEVANCE_KEYS = list(_grievance_aggs(None))
HOUSEHOLD_KEYS = ["visits_total", "households_total", "households_visited", "others_total", "others_visited"] + [
    f"{k}_{s}" for k in OTHER_KINDS for s in ("total", "visited")
]


def _finish(row):
    """Derived figures of one unit's row (rates, days)."""
    avg = row.pop("avg_resolve", None)
    if avg is not None and not isinstance(avg, timedelta):
        avg = timedelta(microseconds=avg)  # SQLite answers the average duration in microseconds
    row["avg_days_to_solve"] = round(avg.total_seconds() / 86400, 1) if avg is not None else None
    row["coverage_rate"] = rate(row["households_visited"], row["households_total"])
    row["resolution_rate"] = rate(row["grievances_solved"], row["problems_total"])
    row["response_rate"] = rate(row["problems_answered"] + row["suggestions_decided"], row["grievances_total"])
    row["satisfaction_rate"] = rate(row["satisfied"] + row["basically_satisfied"], row["followed_up"])
    row["adoption_rate"] = rate(row["suggestions_adopted"], row["suggestions_total"])
    return row


def _empty():
    row = dict.fromkeys(HOUSEHOLD_KEYS + GRIEVANCE_KEYS, 0)
    row["avg_resolve"] = None
    return row


def _merge(*parts):
    row = _empty()
    for part in parts:
        for key, value in part.items():
            if key == "avg_resolve":
                row[key] = value
            else:
                row[key] += value or 0
    return row


def _combined_avg(rows):
    """Overall average days to solve, weighted by solved counts (from the per-child averages)."""
    total, weight = timedelta(0), 0
    for r in rows:
        avg = r.get("avg_resolve")
        if avg is None:
            continue
        if not isinstance(avg, timedelta):
            avg = timedelta(microseconds=avg)
        total += avg * r["grievances_solved"]
        weight += r["grievances_solved"]
    return total / weight if weight else None


def _focus(f):
    through = Household.categories.through
    visited = Exists(
        Visit.objects.filter(
            f.window("visited_at"), campaign=f.campaign, household=OuterRef("household_id"), is_followup=False
        )
    )
    rows = (
        through.objects.filter(
            household__grid__path__startswith=f.unit.path,
            focuscategory__in=f.campaign.focus_categories.all(),
        )
        .annotate(visited=visited)
        .values("focuscategory_id", "focuscategory__name")
        .annotate(total=Count("pk"), visited_n=Count("pk", filter=Q(visited=True)))
        .order_by("focuscategory_id")
    )
    return [
        {
            "id": r["focuscategory_id"],
            "name": r["focuscategory__name"],
            "total": r["total"],
            "visited": r["visited_n"],
            "coverage_rate": rate(r["visited_n"], r["total"]),
        }
        for r in rows
    ]


def _categories(f, now):
    top = Coalesce("category__parent_id", "category_id")
    rows = (
        _grievance_base(f)
        .annotate(was_explained=_explained(), was_reopened=_reopened(), top=top)
        .values("top")
        .annotate(**{k: v for k, v in _grievance_aggs(now).items() if k != "avg_resolve"})
        .order_by("-grievances_total", "top")
    )
    names = dict(GrievanceCategory.objects.filter(parent__isnull=True).values_list("pk", "name"))
    result = []
    for r in rows:
        r["name"] = names.get(r["top"], "其他")
        r["resolution_rate"] = rate(r["grievances_solved"], r["problems_total"])
        result.append(r)
    return result


def _levels(f):
    rows = (
        _grievance_base(f)
        .annotate(was_explained=_explained())
        .filter(kind=Kind.PROBLEM, status__in=SOLVED_STATUSES, was_explained=False)
        .values("resolved_level")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    return [
        {"level": r["resolved_level"], "name": LEVEL_LABELS.get(r["resolved_level"], "未注明"), "count": r["n"]}
        for r in rows
    ]


def _funnel(f):
    counts = dict(_grievance_base(f).values("status").annotate(n=Count("pk")).order_by().values_list("status", "n"))
    order = [
        ("登记", [Status.REGISTERED, Status.REVIEWED, Status.ASSIGNED, Status.PLANNED] + list(ANSWERED_STATUSES)),
        ("交办", [Status.ASSIGNED, Status.PLANNED] + list(ANSWERED_STATUSES)),
        ("答复（办结/解释/采纳与否）", list(ANSWERED_STATUSES)),
        ("回访", [Status.FOLLOWED_UP, Status.CLOSED]),
        ("销号", [Status.CLOSED]),
    ]
    stages = [{"label": label, "count": sum(counts.get(s, 0) for s in statuses)} for label, statuses in order]
    by_status = [
        {"status": s.value, "label": s.label, "count": counts.get(s.value, 0)} for s in Status if s not in NOT_COLLECTED
    ]
    return stages, by_status


def _trend(f):
    tz = timezone.get_current_timezone()
    visits = (
        Visit.objects.filter(
            f.window("visited_at"),
            campaign=f.campaign,
            is_followup=False,
            household__grid__path__startswith=f.unit.path,
        )
        .annotate(week=TruncWeek("visited_at", tzinfo=tz))
        .values("week")
        .annotate(n=Count("pk"))
        .order_by("week")
    )
    entries = (
        _grievance_base(f)
        .annotate(week=TruncWeek("registered_at", tzinfo=tz))
        .values("week")
        .annotate(n=Count("pk"), solved=Count("pk", filter=Q(status__in=SOLVED_STATUSES, kind=Kind.PROBLEM)))
        .order_by("week")
    )
    weeks = {}
    for r in visits:
        weeks.setdefault(_day(r["week"]), {"visits": 0, "grievances": 0, "solved": 0})["visits"] = r["n"]
    for r in entries:
        w = weeks.setdefault(_day(r["week"]), {"visits": 0, "grievances": 0, "solved": 0})
        w["grievances"], w["solved"] = r["n"], r["solved"]
    return [{"week": k.isoformat(), **v} for k, v in sorted(weeks.items())]


def _day(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _typical(f, limit=10):
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


def scores(f):
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


def campaign_figures(f, *, detail=True):
    """All the figures of one (campaign, unit, date range): totals, per child unit, breakdowns.

    `detail=False` gives only totals and children (the API's default), a fixed 3 queries + 1 for children.
    """
    now = timezone.now()
    households = _households(f)
    for path, row in _visits(f).items():
        households.setdefault(path, {}).update(row)
    grievances = _grievances(f, now)
    children_units = list(
        OrgUnit.objects.filter(parent=f.unit)
        .exclude(level=Level.DEPARTMENT)
        .order_by("path")
        .values("pk", "name", "level", "path")
    )
    children = []
    for c in children_units:
        row = _merge(households.get(c["path"], {}), grievances.get(c["path"], {}))
        children.append({"id": c["pk"], "name": c["name"], "level": c["level"], **_finish(row)})
    # Rows registered on the unit itself (e.g. an entry raised at the street office) are not in any
    # child: shown as "本级" so that the children always add up to the totals.
    own_h, own_g = households.get(f.unit.path, {}), grievances.get(f.unit.path, {})
    own = None
    if any(own_h.values()) or any(v for k, v in own_g.items() if k != "avg_resolve"):
        own = {
            "id": f.unit.pk,
            "name": f"{f.unit.name}（本级）",
            "level": f.unit.level,
            **_finish(_merge(own_h, own_g)),
        }
    totals = _merge(
        *households.values(), *[{k: v for k, v in g.items() if k != "avg_resolve"} for g in grievances.values()]
    )
    totals["avg_resolve"] = _combined_avg(list(grievances.values()))
    totals = _finish(totals)
    result = {
        "campaign": {"id": f.campaign.pk, "name": f.campaign.name},
        "org_unit": {"id": f.unit.pk, "name": f.unit.name, "level": f.unit.level},
        "start": f.start.isoformat() if f.start else None,
        "end": f.end.isoformat() if f.end else None,
        "generated_at": timezone.localtime(now).isoformat(timespec="seconds"),
        **totals,
        "children": children,
        "own": own,
    }
    if detail:
        stages, by_status = _funnel(f)
        categories = _categories(f, now)
        unit_scores = scores(f)
        result.update(
            {
                "focus_categories": _focus(f),
                "categories": categories,
                "top_categories": categories[:5],
                "resolved_levels": _levels(f),
                "funnel": stages,
                "statuses": by_status,
                "trend": _trend(f),
                "typical_cases": _typical(f),
                "slowest_units": slowest(children),
                "scores": unit_scores,
                "talks": [u for u in unit_scores if u["talk"]],
            }
        )
    return result


def slowest(children, limit=5):
    """Units ranked slowest: most overdue entries, then most still in progress, then the longest average."""
    ranked = [c for c in children if c["grievances_overdue"] or c["problems_in_progress"]]
    ranked.sort(key=lambda c: (-c["grievances_overdue"], -c["problems_in_progress"], -(c["avg_days_to_solve"] or 0)))
    return ranked[:limit]
