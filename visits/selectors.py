"""Reads of the visits app: household lists, my households, coverage, diaries."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from campaigns.access import scope
from campaigns.calendar import SHANGHAI, local_date
from campaigns.choices import HOUSEHOLD_LEVELS, Level
from campaigns.lib.figures import rate
from campaigns.models import Campaign, FocusCategory, LevelTable, OrgUnit, Team

from .choices import AssignmentKind, HouseholdKind
from .models import Assignment, Household, Pairing, Visit

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from django.db.models import QuerySet

    from campaigns.models import User

    from .models import HouseholdQuerySet


def households(
    user: User,
    *,
    base: HouseholdQuerySet | None = None,
    campaign: Campaign | None = None,
    visits_from: date | None = None,
    visits_to: date | None = None,
) -> QuerySet[Household]:
    """Households the user may see (of `base`, default all), annotated with `personal_ok`, and for
    `campaign` with `is_visited`, `is_assigned`, `in_focus` and `is_mine` (the filters are
    `visits.filters.HouseholdFilter`).

    `is_visited` is the coverage figures' own: a visit of the campaign that is not a look-back
    visit, made between the local dates `visits_from` and `visits_to` (inclusive) when given;
    `in_focus`: in any focus category of the campaign; `is_assigned`: a regular assignment.
    """
    base = Household.objects.all() if base is None else base
    qs = base.visible_to(user).with_personal_access(user).select_related("grid")
    if campaign is not None:
        visits = Visit.objects.filter(campaign=campaign, household=OuterRef("pk"), is_followup=False)
        if visits_from:
            visits = visits.filter(visited_at__gte=datetime.combine(visits_from, time.min, tzinfo=SHANGHAI))
        if visits_to:
            visits = visits.filter(
                visited_at__lt=datetime.combine(visits_to + timedelta(days=1), time.min, tzinfo=SHANGHAI)
            )
        regular = Assignment.objects.filter(campaign=campaign, household=OuterRef("pk")).exclude(
            kind=AssignmentKind.PARTY_LEADER
        )
        in_focus = Household.categories.through.objects.filter(
            household=OuterRef("pk"), focuscategory_id__in=campaign.focus_categories.values("pk")
        )
        qs = qs.annotate(is_visited=Exists(visits), is_assigned=Exists(regular), in_focus=Exists(in_focus))
    mine_q = Assignment.objects.filter(household=OuterRef("pk"), visitor=user)
    if campaign is not None:
        mine_q = mine_q.filter(campaign=campaign)
    qs = qs.annotate(is_mine=Exists(mine_q))
    return qs.prefetch_related(Prefetch("categories", queryset=FocusCategory.objects.order_by("id"))).distinct()


def my_households(user: User, campaign: Campaign) -> list[Household]:
    """A cadre's worklist: assigned households, unvisited first, focus households marked."""
    focus = set(campaign.focus_categories.values_list("id", flat=True))
    rows = list(households(user, campaign=campaign).filter(is_mine=True).order_by("grid__code", "address"))
    for h in rows:
        h.focus_tags = [c for c in h.categories.all() if c.id in focus]
    rows.sort(key=lambda h: (h.is_visited, not h.focus_tags and not h.is_hardship))
    return rows


def _blank() -> dict[str, int]:
    return dict.fromkeys(
        (
            "total",
            "assigned",
            "visited",
            "targets_total",
            "targets_visited",
            "focus_total",
            "focus_visited",
            "too_short",
        ),
        0,
    )


def coverage(user: User, campaign: Campaign, unit: OrgUnit | None = None) -> dict[str, Any]:
    """Visited / assigned / total per child unit of `unit` (default: the user's top unit) and per team.

    The definitions are those of the report figures (docs/figures.md): `total`, `assigned` and
    `visited` are homes (家庭户), `targets_*` every kind of target; `focus_*` targets of any kind in
    a focus category of the campaign, counted once; a visit counts unless it is a look-back visit.
    """
    s = scope(user)
    units = OrgUnit.objects.visible_to(user)
    if unit is None:
        tops = OrgUnit.objects.filter(pk__in=s.unit_ids()).exclude(level=Level.DEPARTMENT).order_by("depth")
        unit = tops.first() if not s.is_superuser else campaign.territory
        if unit is None or not unit.path.startswith(campaign.territory.path):
            unit = campaign.territory if units.filter(pk=campaign.territory_id).exists() else unit
    focus = list(campaign.focus_categories.values_list("id", flat=True))
    regular = Assignment.objects.filter(campaign=campaign, household=OuterRef("pk")).exclude(
        kind=AssignmentKind.PARTY_LEADER
    )
    visited = Visit.objects.filter(campaign=campaign, household=OuterRef("pk"), is_followup=False)
    in_focus = Household.categories.through.objects.filter(household=OuterRef("pk"), focuscategory_id__in=focus)
    home = Q(kind=HouseholdKind.HOUSEHOLD)
    base = Household.objects.visible_to(user)
    if unit is not None:
        base = base.filter(grid__path__startswith=unit.path)
    per_grid = (
        base.annotate(a=Exists(regular), v=Exists(visited), f=Exists(in_focus))
        .values("grid_id")
        .annotate(
            total=Count("id", filter=home),
            assigned=Count("id", filter=home & Q(a=True)),
            visited=Count("id", filter=home & Q(v=True)),
            targets_total=Count("id"),
            targets_visited=Count("id", filter=Q(v=True)),
            focus_total=Count("id", filter=Q(f=True)),
            focus_visited=Count("id", filter=Q(f=True, v=True)),
        )
        .order_by()
    )
    short = dict(
        Visit.objects.filter(campaign=campaign, too_short=True, household__in=base)
        .values("household__grid_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("household__grid_id", "n")
    )
    children = list(OrgUnit.objects.filter(parent=unit).territorial().order_by("code")) if unit else []
    grid_paths = dict(
        OrgUnit.objects.filter(level__in=HOUSEHOLD_LEVELS, path__startswith=unit.path if unit else "").values_list(
            "id", "path"
        )
    )
    rows = {c.pk: _blank() for c in children}
    total = _blank()
    for rec in per_grid:
        path = grid_paths.get(rec["grid_id"], "")
        rec["too_short"] = short.get(rec["grid_id"], 0)
        target = next((c.pk for c in children if path.startswith(c.path)), None)
        for key in total:
            total[key] += rec[key]
            if target is not None:
                rows[target][key] += rec[key]
    table = LevelTable.load()
    # A row opens onto its own children unless nothing lies below it (the lowest level).
    parents = set(OrgUnit.objects.filter(parent__in=children).territorial().values_list("parent_id", flat=True))
    result_rows = [
        {"unit": c, "level_name": table.of(c), "drill": c.pk in parents, **rows[c.pk], **_rates(rows[c.pk])}
        for c in children
    ]
    teams = []
    teams_shown = Team.objects.filter(campaign=campaign).filter(Q(paired_unit__isnull=True) | Q(paired_unit__in=units))
    for team in teams_shown.select_related("paired_unit").order_by("id"):
        team_hh = Assignment.objects.filter(campaign=campaign, team=team).values("household_id")
        assigned = team_hh.count()
        done = (
            Visit.objects.filter(campaign=campaign, household_id__in=team_hh).values("household_id").distinct().count()
        )
        too_short = Visit.objects.filter(campaign=campaign, household_id__in=team_hh, too_short=True).count()
        teams.append(
            {
                "team": team,
                "assigned": assigned,
                "visited": done,
                "quota": team.quota,
                "too_short": too_short,
                "rate": rate(done, assigned),
            }
        )
    names = {r["level_name"] for r in result_rows}
    return {
        "unit": unit,
        "level_name": table.of(unit) if unit else "",
        # The rows' column heading: their level's name when they share one (村民小组, 楼组...).
        "rows_level_name": names.pop() if len(names) == 1 else "",
        "rows": result_rows,
        "total": {**total, **_rates(total)},
        "teams": teams,
    }


def _rates(r: Mapping[str, int]) -> dict[str, float | None]:
    return {"rate": rate(r["visited"], r["total"]), "focus_rate": rate(r["focus_visited"], r["focus_total"])}


def diary(user: User, visitor: User, campaign: Campaign | None = None) -> QuerySet[Visit]:
    """A visitor's visits in date order (民情日记), limited to what `user` may see."""
    qs = Visit.objects.visible_to(user).filter(Q(visitor=visitor) | Q(co_visitors=visitor)).distinct()
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs.select_related("household__grid", "campaign").prefetch_related("grievances").order_by("visited_at")


def households_by_id_number(households: QuerySet, id_numbers: Iterable[str]) -> dict[str, tuple[int, str]]:
    """ID number -> (household id, grid path) among `households`, for the numbers given (one query
    per 2,000). The one place that looks a household up by its ID number: how the number is stored
    (the match key `id:<number>`, uppercased) is known here and in `Household.make_key` only."""
    keys = {Household.make_key(id_number=n, grid_code="", address="", head_name=""): n for n in id_numbers if n}
    found = {}
    items = sorted(keys)
    for i in range(0, len(items), 2000):
        for key, pk, path in households.filter(key__in=items[i : i + 2000]).values_list("key", "pk", "grid__path"):
            found[keys[key]] = (pk, path)
    return found


def pairing_coverage(user: User, unit: OrgUnit | None = None) -> dict[str, Any]:
    """Hardship households the user sees (under `unit`), and how many have a pairing running today."""
    homes = Household.objects.visible_to(user).filter(is_hardship=True)
    if unit is not None:
        homes = homes.filter(grid__path__startswith=unit.path)
    running = Pairing.objects.active_on(local_date(timezone.now())).filter(household=OuterRef("pk"))
    figures = homes.aggregate(total=Count("pk"), paired=Count("pk", filter=Q(Exists(running))))
    total, paired = figures["total"], figures["paired"]
    return {"total": total, "paired": paired, "rate": round(paired / total * 100, 1) if total else 0.0}


def visit_record(user: User, household: Household) -> list[Visit]:
    """The household's visits the user may see, newest first, each with `answer_rows` (question,
    answer), its photos and `entries`: the ledger entries it registered that the user may see,
    with their deadlines and remaining working days."""
    from campaigns.models import ChecklistItem
    from grievances.models import Grievance
    from grievances.selectors import annotate_deadlines

    entries = annotate_deadlines(Grievance.objects.visible_to(user)).order_by("id")
    visits = list(
        Visit.objects.visible_to(user)
        .filter(household=household)
        .select_related("visitor", "household__grid")
        .prefetch_related("photos", Prefetch("grievances", queryset=entries, to_attr="entries"))
        .order_by("-visited_at", "-id")
    )
    questions = {
        str(q.pk): q
        for q in ChecklistItem.objects.filter(campaign_id__in={v.campaign_id for v in visits if v.campaign_id})
    }
    for v in visits:
        v.answer_rows = [(questions.get(k), a) for k, a in v.answers.items() if (a or "").strip()]
        v.answer_rows.sort(key=lambda row: row[0].order if row[0] else 999)
    return visits
