"""Assignment rules (DOMAIN.md, seeds/002) and the no-double-assignment rule, via API and pages."""

import math

import pytest

from campaigns.models import Role
from tests.factories import TeamFactory, UserFactory, member
from visits.models import Assignment, AssignmentKind, HouseholdKind

from .factories import AssignmentFactory, HouseholdFactory


@pytest.fixture
def setup(tree, cast, campaign):
    street_man = member(UserFactory(username="jd1", full_name="街道干部"), tree.community_a, Role.CADRE)
    dept_man = member(UserFactory(username="gb1", full_name="教育局干部"), tree.community_a, Role.CADRE)
    leader = member(
        UserFactory(username="sj1", full_name="社区书记"), tree.community_a, Role.CADRE, is_party_leader=True
    )
    grid_man = member(UserFactory(username="wg1", full_name="网格员"), tree.grid_a1, Role.CADRE)
    street_team = TeamFactory(
        campaign=campaign, name="街道工作组", unit=tree.street_a, paired_unit=tree.community_a, members=[street_man]
    )
    dept_team = TeamFactory(
        campaign=campaign,
        name="教育局挂包组",
        unit=tree.department,
        paired_unit=tree.community_a,
        quota=2,
        members=[dept_man],
    )
    homes = []
    for i in range(10):
        grid = tree.grid_a1 if i < 6 else tree.grid_a2
        cats = ["petitioner"] if i in (7, 8) else []
        homes.append(
            HouseholdFactory(
                grid=grid, categories=cats, is_hardship=i == 9, address=f"锦绣家园{i // 3 + 1}号楼{i % 3 + 1}01室"
            )
        )
    return {
        "street": street_man,
        "dept": dept_man,
        "leader": leader,
        "grid": grid_man,
        "homes": homes,
        "street_team": street_team,
        "dept_team": dept_team,
    }


def propose(api, user, campaign):
    return api(user).post("/api/assignments/propose/", {"campaign": campaign.pk}, format="json")


def test_proposal_follows_the_rules_of_the_plan(api, cast, campaign, setup):
    response = propose(api, cast.office, campaign)
    assert response.status_code == 200, response.content
    homes = setup["homes"]
    regular = Assignment.objects.exclude(kind=AssignmentKind.PARTY_LEADER)
    # Every household has exactly one regular visitor (互不重复, 兜底全覆盖).
    assert sorted(regular.values_list("household_id", flat=True)) == sorted(h.pk for h in homes)
    # The street group takes at least 30 %, petitioners and hardship households first.
    street = regular.filter(kind=AssignmentKind.STREET_GROUP, visitor=setup["street"])
    assert street.count() >= math.ceil(len(homes) * 0.3)
    assert {homes[7].pk, homes[8].pk, homes[9].pk} <= set(street.values_list("household_id", flat=True))
    # The paired department visits its quota.
    assert regular.filter(kind=AssignmentKind.DEPARTMENT, visitor=setup["dept"]).count() == 2
    # The party leader visits every household (户户到), as a separate kind.
    leader = Assignment.objects.filter(kind=AssignmentKind.PARTY_LEADER)
    assert set(leader.values_list("visitor", flat=True)) == {setup["leader"].pk}
    assert leader.count() == len(homes)
    # Committee members (the community's cadre outside any team) and grid cadres share the rest.
    committee = regular.filter(kind=AssignmentKind.COMMITTEE)
    assert set(committee.values_list("visitor", flat=True)) <= {cast.cadre.pk}
    grid = regular.filter(kind=AssignmentKind.GRID)
    assert set(grid.values_list("visitor", flat=True)) <= {setup["grid"].pk}
    assert committee.count() + grid.count() == len(homes) - street.count() - 2
    assert all(a.household.grid_id == setup["grid"].memberships.get().unit_id for a in grid)


def test_street_quota_and_party_leader_count_only_homes_not_shops_or_enterprises(api, cast, campaign, setup, tree):
    homes = setup["homes"]
    # A shop and an enterprise that are petitioners (the street group's first pick were they homes).
    others = [
        HouseholdFactory(grid=tree.grid_a1, kind=kind, categories=["petitioner"], address=f"商业街{i}号")
        for i, kind in enumerate([HouseholdKind.SHOP, HouseholdKind.ENTERPRISE, HouseholdKind.SHOP])
    ]
    response = propose(api, cast.office, campaign)
    assert response.status_code == 200, response.content
    other_ids = {h.pk for h in others}
    street = set(Assignment.objects.filter(kind=AssignmentKind.STREET_GROUP).values_list("household_id", flat=True))
    # 30 % of the 10 homes, not of 13 households, and never a shop or an enterprise.
    assert len(street) == math.ceil(len(homes) * 0.3)
    assert not street & other_ids
    leader = set(Assignment.objects.filter(kind=AssignmentKind.PARTY_LEADER).values_list("household_id", flat=True))
    assert leader == {h.pk for h in homes}
    # The shops and the enterprise still get their one regular visitor (兜底全覆盖).
    regular = Assignment.objects.exclude(kind=AssignmentKind.PARTY_LEADER)
    assert set(regular.filter(household_id__in=other_ids).values_list("household_id", flat=True)) == other_ids


def test_committee_members_take_whole_address_blocks(api, cast, campaign, setup):
    propose(api, cast.office, campaign)
    from visits.assignment import address_block

    by_block = {}
    for a in Assignment.objects.filter(kind=AssignmentKind.COMMITTEE).select_related("household"):
        by_block.setdefault(address_block(a.household.address), set()).add(a.visitor_id)
    assert all(len(v) == 1 for v in by_block.values())


def test_proposing_twice_changes_nothing_and_keeps_office_adjustments(api, cast, campaign, setup):
    propose(api, cast.office, campaign)
    a = (
        Assignment.objects.filter(kind=AssignmentKind.GRID).first()
        or Assignment.objects.filter(kind=AssignmentKind.COMMITTEE).first()
    )
    api(cast.office).patch(f"/api/assignments/{a.pk}/", {"visitor": setup["street"].pk}, format="json")
    before = sorted(Assignment.objects.values_list("id", "household_id", "visitor_id", "kind"))
    response = propose(api, cast.office, campaign)
    assert response.json()["created"] == {}
    assert sorted(Assignment.objects.values_list("id", "household_id", "visitor_id", "kind")) == before


def test_a_second_regular_visitor_is_refused_with_a_chinese_message(api, cast, campaign, setup):
    h = setup["homes"][0]
    body = {"campaign": campaign.pk, "household": h.pk, "visitor": cast.cadre.pk, "kind": "grid"}
    assert api(cast.office).post("/api/assignments/", body, format="json").status_code == 201
    response = api(cast.office).post(
        "/api/assignments/", {**body, "visitor": setup["grid"].pk, "kind": "committee"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "double_assignment"
    assert "不能重复分配" in response.json()["detail"]
    assert Assignment.objects.filter(household=h).count() == 1
    # The party leader's 户户到 visit is the one exception, once.
    leader = {**body, "visitor": setup["leader"].pk, "kind": "party_leader"}
    assert api(cast.office).post("/api/assignments/", leader, format="json").status_code == 201
    assert (
        api(cast.office).post("/api/assignments/", {**leader, "visitor": cast.cadre.pk}, format="json").status_code
        == 409
    )


def test_bulk_assignment_is_all_or_nothing_unless_reassigning(api, cast, campaign, setup):
    a, b, c = setup["homes"][:3]
    AssignmentFactory(campaign=campaign, household=b, visitor=setup["grid"], kind=AssignmentKind.GRID)
    body = {"campaign": campaign.pk, "households": [a.pk, b.pk, c.pk], "visitor": cast.cadre.pk, "kind": "committee"}
    check = api(cast.office).post("/api/assignments/check/", body, format="json").json()
    assert [x["household"] for x in check["conflicts"]] == [b.pk] and "不能重复分配" in check["message"]
    response = api(cast.office).post("/api/assignments/bulk/", body, format="json")
    assert response.status_code == 409
    assert Assignment.objects.count() == 1
    response = api(cast.office).post("/api/assignments/bulk/", {**body, "replace": True}, format="json")
    assert response.status_code == 200
    assert set(Assignment.objects.values_list("household_id", "visitor_id")) == {
        (h.pk, cast.cadre.pk) for h in (a, b, c)
    }


def test_only_office_staff_of_the_subtree_adjust_assignments(api, cast, campaign, setup):
    body = {"campaign": campaign.pk, "household": setup["homes"][0].pk, "visitor": cast.cadre.pk, "kind": "grid"}
    assert api(cast.cadre).post("/api/assignments/", body, format="json").status_code == 403
    response = api(cast.office_b).post("/api/assignments/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["household"] == ["所选对象不存在或不在您的管辖范围内"]
    assert propose(api, cast.cadre, campaign).status_code == 403
    assert not Assignment.objects.exists()


def test_cadre_sees_only_own_assignments_outside_their_scope(api, cast, campaign, setup, tree):
    group = TeamFactory(
        campaign=campaign, unit=tree.street_a, paired_unit=tree.community_c, members=[cast.cadre], name="挂包长安社区"
    )
    far = HouseholdFactory(grid=tree.grid_c1)
    AssignmentFactory(campaign=campaign, household=far, visitor=cast.cadre, kind=AssignmentKind.DEPARTMENT, team=group)
    ids = {r["household"] for r in api(cast.cadre).get("/api/assignments/?mine=true").json()["results"]}
    assert ids == {far.pk}
    # An assigned household outside the cadre's unit becomes visible to them.
    assert api(cast.cadre).get(f"/api/households/{far.pk}/").status_code == 200


def test_assignment_page_proposes_and_warns_before_a_double_assignment(client, cast, campaign, setup):
    client.force_login(cast.office)
    client.post("/visits/assignments/", {"action": "propose"})
    assert Assignment.objects.exists()
    h = setup["homes"][0]
    warning = client.post(
        "/visits/assignments/check/", {"households": [h.pk], "visitor": cast.cadre.pk, "kind": "grid"}
    ).content.decode()
    current = Assignment.objects.exclude(kind="party_leader").get(household=h)
    if current.visitor_id != cast.cadre.pk:
        assert "不能重复分配" in warning
    response = client.post(
        "/visits/assignments/",
        {"action": "assign", "households": [h.pk], "visitor": setup["street"].pk, "kind": "grid"},
        follow=True,
    )
    page = response.content.decode()
    if current.visitor_id != setup["street"].pk:
        assert "不能重复分配" in page


def test_assignment_page_lists_the_unassigned_households_of_a_grid(client, cast, campaign, setup, tree):
    homes = setup["homes"]
    first = Assignment.objects.create(
        campaign=campaign,
        household=homes[0],
        visitor=setup["street"],
        kind=AssignmentKind.STREET_GROUP,
    )
    client.force_login(cast.office)
    listed = lambda query: {h.pk for h in client.get(f"/visits/assignments/?{query}").context["page"]}  # noqa: E731
    grid_a1 = {h.pk for h in homes[:6]}
    assert listed("grid=T01-S01-C01-G01") == grid_a1
    for flag in ("1", "true", "on"):
        assert listed(f"grid=T01-S01-C01-G01&unassigned={flag}") == grid_a1 - {first.household_id}, flag
    assert listed("grid=T01-S01-C01-G01&unassigned=0") == grid_a1
