"""Reads of the visits app: household lists, my households, coverage, diaries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q

from campaigns.access import scope
from campaigns.choices import Level
from campaigns.models import Campaign, FocusCategory, OrgUnit, Team

from .choices import AssignmentKind
from .models import Assignment, Household, Visit

if TYPE_CHECKING:
    from collections.abc import Mapping

    from django.db.models import QuerySet

    from campaigns.models import User

    from .models import HouseholdQuerySet


def current_campaign(user: User, unit: OrgUnit | None = None) -> Campaign | None:
    """The campaign a page works on: the newest visible one over the unit (or any)."""
    qs = Campaign.objects.visible_to(user).prefetch_related("phases")
    if unit is not None:
        return qs.current_for_unit(unit)
    return qs.exclude(phase="summary").order_by("-year", "-id").first() or qs.order_by("-year", "-id").first()


def households(
    user: User, *, base: HouseholdQuerySet | None = None, campaign: Campaign | None = None
) -> QuerySet[Household]:
    """Households the user may see (of `base`, default all), annotated with `personal_ok`, and for
    `campaign` with `is_visited` and `is_mine` (the filters are `visits.filters.HouseholdFilter`)."""
    base = Household.objects.all() if base is None else base
    qs = base.visible_to(user).with_personal_access(user).select_related("grid")
    if campaign is not None:
        visits = Visit.objects.filter(campaign=campaign, household=OuterRef("pk"))
        qs = qs.annotate(is_visited=Exists(visits))
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
    return {"total": 0, "assigned": 0, "visited": 0, "focus_total": 0, "focus_visited": 0, "too_short": 0}


def coverage(user: User, campaign: Campaign, unit: OrgUnit | None = None) -> dict[str, Any]:
    """Visited / assigned / total per child unit of `unit` (default: the user's top unit) and per team."""
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
    visited = Visit.objects.filter(campaign=campaign, household=OuterRef("pk"))
    in_focus = Household.categories.through.objects.filter(household=OuterRef("pk"), focuscategory_id__in=focus)
    base = Household.objects.visible_to(user)
    if unit is not None:
        base = base.filter(grid__path__startswith=unit.path)
    per_grid = (
        base.annotate(a=Exists(regular), v=Exists(visited), f=Exists(in_focus))
        .values("grid_id")
        .annotate(
            total=Count("id"),
            assigned=Count("id", filter=Q(a=True)),
            visited=Count("id", filter=Q(v=True)),
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
        OrgUnit.objects.filter(level=Level.GRID, path__startswith=unit.path if unit else "").values_list("id", "path")
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
    result_rows = [{"unit": c, **rows[c.pk], **_rates(rows[c.pk])} for c in children]
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
                "rate": round(done * 100 / assigned, 1) if assigned else 0.0,
            }
        )
    return {"unit": unit, "rows": result_rows, "total": {**total, **_rates(total)}, "teams": teams}


def _rates(r: Mapping[str, int]) -> dict[str, float]:
    return {
        "rate": round(r["visited"] * 100 / r["total"], 1) if r["total"] else 0.0,
        "focus_rate": round(r["focus_visited"] * 100 / r["focus_total"], 1) if r["focus_total"] else 0.0,
    }


def diary(user: User, visitor: User, campaign: Campaign | None = None) -> QuerySet[Visit]:
    """A visitor's visits in date order (民情日记), limited to what `user` may see."""
    qs = Visit.objects.visible_to(user).filter(Q(visitor=visitor) | Q(co_visitors=visitor)).distinct()
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs.select_related("household__grid", "campaign").prefetch_related("grievances").order_by("visited_at")
