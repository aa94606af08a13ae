"""Service cards (连心卡, seeds/002 and 004): one card per household with its liaison group
(names, posts, phones), and the distribution rate."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.template.loader import render_to_string

from campaigns.choices import Level, Role
from campaigns.lib.figures import percent
from campaigns.models import Membership, OrgUnit, TeamMember
from visits.models import Household

from . import pdf
from .models import CardDistribution
from .selectors import rate

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date

    from django.db.models import QuerySet

    from campaigns.models import Campaign, User

LIAISON_ROLES = (Role.CADRE, Role.OFFICE, Role.LEADER)
MAX_MEMBERS = 6  # what fits on a card


def card_units(user: User) -> QuerySet[OrgUnit]:
    """Grids and communities whose cards the user hands out ("cards") or whose figures they read
    ("report"): the units a card sheet and a distribution rate are made for."""
    units = OrgUnit.objects.filter(level__in=[Level.GRID, Level.COMMUNITY])
    return units.actionable_by(user, "cards") | units.actionable_by(user, "report")


def check_unit(user: User, campaign: Campaign, unit: OrgUnit) -> None:
    """Cards are made for a grid or a community in the campaign's territory, in the user's subtree."""
    if not unit.path.startswith(campaign.territory.path) or not card_units(user).filter(pk=unit.pk).exists():
        raise Http404


def households_of(campaign: Campaign, unit: OrgUnit) -> QuerySet[Household]:
    given = CardDistribution.objects.filter(campaign=campaign, household=OuterRef("pk"))
    return (
        Household.objects.filter(grid__path__startswith=unit.path)
        .select_related("grid")
        .annotate(has_card=Exists(given))
        .order_by("grid__path", "address", "pk")
    )


def distribution_rate(campaign: Campaign, unit: OrgUnit) -> dict[str, int | float | None]:
    given = CardDistribution.objects.filter(campaign=campaign, household=OuterRef("pk"))
    row = Household.objects.filter(grid__path__startswith=unit.path).aggregate(
        households=Count("pk"), distributed=Count("pk", filter=Q(Exists(given)))
    )
    return {**row, "rate": rate(row["distributed"], row["households"])}


def liaison_groups(campaign: Campaign, grids: Sequence[OrgUnit]) -> dict[int, list[dict[str, str]]]:
    """Per grid id: the liaison group = cadres of the grid and of its community, then the campaign's
    teams paired with the community. Two queries for all grids."""
    grid_ids = [g.pk for g in grids]
    community_of = {g.pk: g.parent_id if g.level == Level.GRID else g.pk for g in grids}
    units = set(grid_ids) | set(community_of.values())
    by_unit = {}
    for m in (
        Membership.objects.filter(unit_id__in=units, role__in=LIAISON_ROLES, user__is_active=True)
        .select_related("user")
        .order_by("unit__depth", "-is_party_leader", "role", "user_id")
    ):
        post = m.user.post or ("党组织书记" if m.is_party_leader else m.get_role_display())
        by_unit.setdefault(m.unit_id, []).append((m.user_id, m.user.display_name, post, m.user.phone))
    by_community = {}
    for tm in (
        TeamMember.objects.filter(team__campaign=campaign, team__paired_unit_id__in=set(community_of.values()))
        .select_related("user", "team")
        .order_by("-is_leader", "user_id")
    ):
        post = f"{tm.team.name}{'组长' if tm.is_leader else '成员'}"
        by_community.setdefault(tm.team.paired_unit_id, []).append(
            (tm.user_id, tm.user.display_name, post, tm.user.phone)
        )
    groups = {}
    for gid in grid_ids:
        seen, members = set(), []
        c = community_of[gid]
        for uid, name, post, phone in (
            by_unit.get(gid, []) + (by_unit.get(c, []) if c != gid else []) + by_community.get(c, [])
        ):
            if uid not in seen:
                seen.add(uid)
                members.append({"name": name, "post": post, "phone": phone})
        groups[gid] = members[:MAX_MEMBERS]
    return groups


def card_sheet_pdf(campaign: Campaign, unit: OrgUnit, *, trace) -> tuple[bytes, int]:
    """The card sheet's PDF, carrying `trace`, and its number of cards."""
    households = list(households_of(campaign, unit))
    grids = {h.grid_id: h.grid for h in households}
    groups = liaison_groups(campaign, list(grids.values()))
    cards = [{"household": h, "grid": h.grid, "members": groups.get(h.grid_id, [])} for h in households]
    html = render_to_string(
        "reports/cards_pdf.html", {"cards": cards, "unit": unit, "campaign": campaign, "font_url": pdf.font_url()}
    )
    return pdf.render_pdf(html, trace=trace), len(cards)


def town_card_figure(town: OrgUnit, today: date) -> tuple[str, bool]:
    """The 十个一's 服务卡 (seeds/004 十个一(四)): households of the town with a card handed out
    in any campaign, of all its households; in place when every household has one."""
    given = CardDistribution.objects.filter(household=OuterRef("pk"))
    row = Household.objects.filter(grid__path__startswith=town.path).aggregate(
        households=Count("pk"), distributed=Count("pk", filter=Q(Exists(given)))
    )
    shown = percent(rate(row["distributed"], row["households"]))
    figure = f"连心卡已发放 {row['distributed']}/{row['households']} 户（{shown}）"
    return figure, row["households"] > 0 and row["distributed"] == row["households"]
