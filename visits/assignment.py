"""Who visits whom (DOMAIN.md, Assignment; seeds/002 "三级联动、互不重复").

`propose_assignments(campaign=...)` fills in what is missing, community by community, in the
order the plan gives its duties:
1. each street cadre group paired with the community takes at least 30 % of its households of the
   家庭 kind (shops, schools and enterprises are not part of the quota), petitioners and hardship
   households first, then the campaign's other focus households;
2. each paired department team takes its listed quota (in address order: neighbours together);
3. the community party leader gets a 户户到 visit (kind party_leader) to every household of the
   家庭 kind (户户到 is about homes; shops and enterprises are visited by the others);
4. committee members and social workers (cadres of the community who are in no team) take whole
   address blocks (same building or village group) up to an even share;
5. grid cadres take everything left in their grid (兜底).
Existing assignments are never changed, so running it again, or after office staff adjusted
some, changes nothing; the unique constraints make concurrent runs harmless too.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from campaigns.access import can
from campaigns.choices import HOUSEHOLD_LEVELS
from campaigns.errors import Conflict, InvalidInput, NotAllowed
from campaigns.models import Level, Membership, OrgUnit, Role, Team, TeamMember

from .models import (
    FIELD_ROLES,
    OUT_OF_SCOPE,
    Assignment,
    AssignmentKind,
    Household,
    HouseholdKind,
    assignable_visitors,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from django.db.models import QuerySet

    from campaigns.models import Campaign, User

    Row = tuple[int, int, str, bool]  # a household: id, grid id, address, is_hardship

PRIORITY_CODES = {"petitioner", "hardship"}  # seeds/002: street groups focus on 上访户 and 困难户
STREET_GROUP_SHARE = 0.30
_BLOCK = re.compile(r"^(.*?(?:号楼|栋|幢|号院|组))")


def address_block(address: str) -> str:
    """The building or village group of an address: neighbours share it (划片 by proximity)."""
    m = _BLOCK.match(address)
    return m.group(1) if m else re.sub(r"[\d\-－号室单元]+$", "", address) or address


@transaction.atomic
def propose_assignments(*, campaign: Campaign, actor: User | None = None) -> dict[str, int]:
    """Create the missing assignments of a campaign following the rules above; returns counts by kind.

    With an `actor`, only the communities where they may assign (rule "assign") are touched (a
    street office proposes for its own communities); without one (seed_demo, admin tasks), the
    whole territory.
    """
    counts = defaultdict(int)
    communities = OrgUnit.objects.filter(path__startswith=campaign.territory.path, level=Level.COMMUNITY)
    if actor is not None:
        units = Household.objects.units_for(actor, "assign")
        if not units.exists():
            raise NotAllowed("只有活动办工作人员可以生成分配方案")
        communities = communities.filter(pk__in=units.values("pk"))
    teams = list(
        Team.objects.filter(campaign=campaign, paired_unit__isnull=False).select_related("unit").order_by("id")
    )
    members = defaultdict(list)
    for tm in TeamMember.objects.filter(team__campaign=campaign, user__is_active=True).order_by("-is_leader", "id"):
        members[tm.team_id].append(tm.user_id)
    team_people = {u for us in members.values() for u in us}
    focus_ids = set(campaign.focus_categories.values_list("id", flat=True))
    for community in communities:
        new = _propose_for_community(campaign, community, teams, members, team_people, focus_ids)
        try:
            with transaction.atomic():
                Assignment.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
        except IntegrityError:  # pragma: no cover - ignore_conflicts covers the races we know of
            continue
        for a in new:
            counts[a.kind] += 1
    return dict(counts)


def _propose_for_community(
    campaign: Campaign,
    community: OrgUnit,
    teams: list[Team],
    members: defaultdict[int, list[int]],
    team_people: set[int],
    focus_ids: set[int],
) -> list[Assignment]:
    households = []
    homes = set()
    for hid, grid_id, address, hardship, kind in (
        Household.objects.filter(grid__path__startswith=community.path)
        .order_by("grid_id", "address", "id")
        .values_list("id", "grid_id", "address", "is_hardship", "kind")
    ):
        households.append((hid, grid_id, address, hardship))
        if kind == HouseholdKind.HOUSEHOLD:
            homes.add(hid)
    if not households:
        return []
    ids = [h[0] for h in households]
    rank = _priority(ids, focus_ids)
    leader_done, taken, team_count, team_homes = _existing(campaign, ids, homes)
    free = [h for h in households if h[0] not in taken]
    paired = [t for t in teams if t.paired_unit_id == community.pk and members[t.id]]
    # 1. Street cadre groups: at least 30 % of the homes each, petitioners and hardship households
    # first; a shop or enterprise is neither counted nor picked.
    street_groups = [t for t in paired if t.unit and t.unit.level == Level.STREET]
    share = math.ceil(len(homes) * STREET_GROUP_SHARE)
    new, free = _street_groups(campaign, street_groups, members, team_homes, free, share, rank, homes)
    # 2. Paired department teams: their listed quota.
    departments = [t for t in paired if t.unit and t.unit.level == Level.DEPARTMENT]
    quotas, free = _department_teams(campaign, departments, members, team_count, free)
    new += quotas
    # 3. The community party leader visits every household (户户到), apart from the rules above.
    leader = _party_leader(community)
    if leader:
        unvisited = [h for h in households if h[0] in homes and h[0] not in leader_done]
        new += _spread(campaign, unvisited, [leader], AssignmentKind.PARTY_LEADER)
    # 4. Committee members: whole address blocks, up to an even share with the grid cadres.
    committee = _committee(community, team_people, leader)
    grid_cadres = _grid_cadres(community, team_people)
    blocks, leftovers = _committee_blocks(campaign, free, committee, grid_cadres)
    new += blocks
    # 5. Grid cadres take the rest of their grid; a grid without one falls back to the committee.
    new += _grid_rest(campaign, leftovers, grid_cadres, committee)
    return new


def _priority(ids: list[int], focus_ids: set[int]) -> Callable[[Row], int]:
    """The order street groups pick in: petitioners and hardship households, then the campaign's
    other focus households, then the rest."""
    cats = defaultdict(set)
    codes = defaultdict(set)
    for hid, cid, code in Household.categories.through.objects.filter(household_id__in=ids).values_list(
        "household_id", "focuscategory_id", "focuscategory__code"
    ):
        cats[hid].add(cid)
        codes[hid].add(code)

    def rank(h: Row) -> int:
        if h[3] or codes[h[0]] & PRIORITY_CODES:
            return 0
        return 1 if cats[h[0]] & focus_ids else 2

    return rank


def _existing(
    campaign: Campaign, ids: list[int], homes: set[int]
) -> tuple[set[int], set[int], defaultdict[int, int], defaultdict[int, int]]:
    """What is already assigned: households with a party-leader visit, households with a regular
    visitor, how many households each team has, and how many of them are homes."""
    leader_done = set()
    taken = set()
    team_count = defaultdict(int)
    team_homes = defaultdict(int)
    for hid, kind, team_id in Assignment.objects.filter(campaign=campaign, household_id__in=ids).values_list(
        "household_id", "kind", "team_id"
    ):
        if kind == AssignmentKind.PARTY_LEADER:
            leader_done.add(hid)
        else:
            taken.add(hid)
            if team_id:
                team_count[team_id] += 1
                team_homes[team_id] += hid in homes
    return leader_done, taken, team_count, team_homes


def _spread(
    campaign: Campaign, batch: Sequence[Row], visitors: Sequence[int], kind: str, team: Team | None = None
) -> list[Assignment]:
    """Assign the households of `batch` to `visitors` in turn."""
    return [
        Assignment(campaign=campaign, household_id=h[0], visitor_id=visitors[i % len(visitors)], kind=kind, team=team)
        for i, h in enumerate(batch)
    ]


def _street_groups(
    campaign: Campaign,
    teams: list[Team],
    members: defaultdict[int, list[int]],
    team_homes: defaultdict[int, int],
    free: list[Row],
    share: int,
    rank: Callable[[Row], int],
    homes: set[int],
) -> tuple[list[Assignment], list[Row]]:
    """Each street group tops up to `share` homes, best ranked first; returns the new
    assignments and the households still free."""
    new = []
    for team in teams:
        need = share - team_homes[team.id]
        if need <= 0:
            continue
        picked = sorted((h for h in free if h[0] in homes), key=rank)[:need]
        new += _spread(campaign, picked, members[team.id], AssignmentKind.STREET_GROUP, team)
        picked_ids = {h[0] for h in picked}
        free = [h for h in free if h[0] not in picked_ids]
    return new, free


def _department_teams(
    campaign: Campaign,
    teams: list[Team],
    members: defaultdict[int, list[int]],
    team_count: defaultdict[int, int],
    free: list[Row],
) -> tuple[list[Assignment], list[Row]]:
    """Each department team tops up to its quota in address order; returns the new assignments and
    the households still free."""
    new = []
    for team in teams:
        need = team.quota - team_count[team.id]
        if need <= 0:
            continue
        new += _spread(campaign, free[:need], members[team.id], AssignmentKind.DEPARTMENT, team)
        free = free[need:]
    return new, free


def _party_leader(community: OrgUnit) -> int | None:
    return (
        Membership.objects.filter(unit=community, is_party_leader=True, role__in=FIELD_ROLES, user__is_active=True)
        .order_by("id")
        .values_list("user_id", flat=True)
    ).first()


def _committee(community: OrgUnit, team_people: set[int], leader: int | None) -> list[int]:
    """Cadres of the community itself who are in no team and are not its party leader."""
    return list(
        Membership.objects.filter(unit=community, role=Role.CADRE, is_party_leader=False, user__is_active=True)
        .exclude(user_id__in=team_people)
        .exclude(user_id=leader or 0)
        .order_by("id")
        .values_list("user_id", flat=True)
        .distinct()
    )


def _grid_cadres(community: OrgUnit, team_people: set[int]) -> defaultdict[int, list[int]]:
    """Per grid or 楼组 of the community: its cadres who are in no team (a 楼组 with none of its
    own: its grid's)."""
    own = defaultdict(list)
    for unit_id, user_id in (
        Membership.objects.filter(
            unit__path__startswith=community.path,
            unit__level__in=HOUSEHOLD_LEVELS,
            role=Role.CADRE,
            user__is_active=True,
        )
        .exclude(user_id__in=team_people)
        .order_by("id")
        .values_list("unit_id", "user_id")
    ):
        own[unit_id].append(user_id)
    grid_cadres = defaultdict(list)
    for pk, level, parent_id in OrgUnit.objects.filter(
        path__startswith=community.path, level__in=HOUSEHOLD_LEVELS
    ).values_list("pk", "level", "parent_id"):
        grid_cadres[pk] = own.get(pk) or (own.get(parent_id, []) if level == Level.BLOCK else [])
    return grid_cadres


def _committee_blocks(
    campaign: Campaign, free: list[Row], committee: list[int], grid_cadres: dict[int, list[int]]
) -> tuple[list[Assignment], list[Row]]:
    """Whole address blocks to committee members in turn, each up to an even share of the free
    households with the grid cadres; returns the new assignments and the households left over."""
    blocks = defaultdict(list)
    for h in free:
        blocks[(h[1], address_block(h[2]))].append(h)
    people = len(committee) + len({u for v in grid_cadres.values() for u in v})
    share = math.ceil(len(free) / people) if people else 0
    load = defaultdict(int)
    new = []
    leftovers = []
    ci = 0
    for hs in blocks.values():
        while ci < len(committee) and load[committee[ci]] >= share:
            ci += 1
        if ci < len(committee):
            new += _spread(campaign, hs, [committee[ci]], AssignmentKind.COMMITTEE)
            load[committee[ci]] += len(hs)
        else:
            leftovers.extend(hs)
    return new, leftovers


def _grid_rest(
    campaign: Campaign, leftovers: list[Row], grid_cadres: defaultdict[int, list[int]], committee: list[int]
) -> list[Assignment]:
    """The left-over households of each grid to its grid cadres, else to the committee."""
    per_grid = defaultdict(list)
    for h in leftovers:
        per_grid[h[1]].append(h)
    new = []
    for grid_id, hs in per_grid.items():
        if grid_cadres[grid_id]:
            new += _spread(campaign, hs, grid_cadres[grid_id], AssignmentKind.GRID)
        elif committee:
            new += _spread(campaign, hs, committee, AssignmentKind.COMMITTEE)
    return new


# --- adjustments by office staff ------------------------------------------------------------------
def _check_actor(actor: User, households: list[Household]) -> None:
    """Rule "assign" on every household, all or nothing."""
    allowed = set(
        Household.objects.actionable_by(actor, "assign")
        .filter(pk__in=[h.pk for h in households])
        .values_list("pk", flat=True)
    )
    refused = [h for h in households if h.pk not in allowed]
    if refused:
        if not Household.objects.units_for(actor, "assign").exists():
            raise NotAllowed("只有活动办工作人员可以调整走访分配")
        raise NotAllowed(f"农户“{refused[0].head_name}”不在您的管辖范围内")


def _check_visitor(
    actor: User, campaign: Campaign, households: list[Household], visitor: User, team: Team | None = None
) -> None:
    """The visitor rule: someone the actor may name, whose field role covers every household, or a
    member of one of the campaign's teams (the given team, when there is one)."""
    if not assignable_visitors(actor, campaign).filter(pk=visitor.pk).exists():
        raise InvalidInput(OUT_OF_SCOPE, fields={"visitor": [OUT_OF_SCOPE]})
    if team is not None:
        if team.campaign_id != campaign.pk:
            msg = "所选工作组不存在或不属于该活动"
            raise InvalidInput(msg, fields={"team": [msg]})
        if not TeamMember.objects.filter(team=team, user=visitor).exists():
            msg = f"{visitor}不是“{team.name}”的成员"
            raise InvalidInput(msg, fields={"team": [msg]})
    ids = [h.pk for h in households]
    fit = set(Household.objects.open_to(visitor, campaign).filter(pk__in=ids).values_list("pk", flat=True))
    unfit = [h for h in households if h.pk not in fit]
    if unfit:
        msg = (
            f"{visitor}不能走访农户“{unfit[0].head_name}”：走访人应为该户所在社区、街道的干部或工作人员，"
            "或本次活动工作组的成员"
        )
        raise InvalidInput(msg, code="visitor_not_allowed", fields={"visitor": [msg]})


def conflicts(*, campaign: Campaign, household_ids: Iterable[int], visitor: User, kind: str) -> QuerySet[Assignment]:
    """Assignments that assigning `visitor` would duplicate (互不重复): the UI warns with these."""
    qs = Assignment.objects.filter(campaign=campaign, household_id__in=household_ids).exclude(visitor=visitor)
    if kind == AssignmentKind.PARTY_LEADER:
        qs = qs.filter(kind=AssignmentKind.PARTY_LEADER)
    else:
        qs = qs.exclude(kind=AssignmentKind.PARTY_LEADER)
    return qs.select_related("household", "visitor")


def check(
    *, actor: User, campaign: Campaign, households: Iterable[Household], visitor: User, kind: str
) -> list[Assignment]:
    """What assigning would break (互不重复), before submitting: only for households the actor assigns."""
    households = list(households)
    _check_actor(actor, households)
    return list(conflicts(campaign=campaign, household_ids=[h.pk for h in households], visitor=visitor, kind=kind))


def describe_conflicts(found: Sequence[Assignment]) -> str:
    names = "、".join(f"{a.household.head_name}（已由{a.visitor}走访）" for a in found[:5])
    more = f"等{len(found)}户" if len(found) > 5 else ""
    return f"同一户在一次活动中不能重复分配：{names}{more}。如需更换走访人，请选择“改派”。"


@transaction.atomic
def assign(
    *,
    actor: User,
    campaign: Campaign,
    households: Iterable[Household],
    visitor: User,
    kind: str,
    team: Team | None = None,
    replace: bool = False,
) -> list[Assignment]:
    """Assign households to a visitor, singly or in bulk; refuse a second regular visitor unless
    `replace` (改派) moves the existing assignment. All or nothing."""
    if kind not in AssignmentKind.values:
        raise InvalidInput("分配方式无效")
    households = list(households)
    if not households:
        raise InvalidInput("请选择农户")
    _check_actor(actor, households)
    outside = [h for h in households if not h.grid.path.startswith(campaign.territory.path)]
    if outside:
        raise InvalidInput(f"农户“{outside[0].head_name}”不在该活动的区域内")
    _check_visitor(actor, campaign, households, visitor, team)
    ids = [h.pk for h in households]
    found = list(conflicts(campaign=campaign, household_ids=ids, visitor=visitor, kind=kind))
    if found and not replace:
        raise Conflict(describe_conflicts(found), code="double_assignment")
    if found:
        Assignment.objects.filter(pk__in=[a.pk for a in found]).update(visitor=visitor, kind=kind, team=team)
    regular = kind != AssignmentKind.PARTY_LEADER
    existing = set(
        Assignment.objects.filter(campaign=campaign, household_id__in=ids)
        .filter(**({"kind": AssignmentKind.PARTY_LEADER} if not regular else {}))
        .exclude(**({"kind": AssignmentKind.PARTY_LEADER} if regular else {}))
        .values_list("household_id", flat=True)
    )
    if regular:
        Assignment.objects.filter(campaign=campaign, household_id__in=existing, visitor=visitor).exclude(
            kind=AssignmentKind.PARTY_LEADER
        ).update(kind=kind, team=team)
    try:
        with transaction.atomic():
            Assignment.objects.bulk_create(
                [
                    Assignment(campaign=campaign, household=h, visitor=visitor, kind=kind, team=team)
                    for h in households
                    if h.pk not in existing
                ]
            )
    except IntegrityError:
        raise Conflict("同一户在一次活动中不能重复分配，请刷新后重试", code="double_assignment")
    return list(
        Assignment.objects.filter(campaign=campaign, household_id__in=ids, visitor=visitor).select_related(
            "household__grid", "visitor"
        )
    )


def _require_adjust(actor: User, assignment: Assignment) -> None:
    if not can(actor, "adjust", assignment):
        raise NotAllowed("只有活动办工作人员可以调整走访分配")


@transaction.atomic
def change_visitor(*, actor: User, assignment: Assignment, visitor: User) -> Assignment:
    """改派: move one assignment to another visitor (still one regular visitor per household)."""
    _require_adjust(actor, assignment)
    _check_visitor(actor, assignment.campaign, [assignment.household], visitor)
    if (
        assignment.kind != AssignmentKind.PARTY_LEADER
        and Assignment.objects.filter(campaign=assignment.campaign, household=assignment.household, visitor=visitor)
        .exclude(pk=assignment.pk)
        .exclude(kind=AssignmentKind.PARTY_LEADER)
        .exists()
    ):
        raise Conflict("该走访人已分配到这户", code="double_assignment")
    assignment.visitor = visitor
    assignment.save(update_fields=["visitor"])
    return assignment


@transaction.atomic
def unassign(*, actor: User, assignment: Assignment) -> None:
    _require_adjust(actor, assignment)
    assignment.delete()
