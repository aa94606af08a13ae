"""Who may be given a household: the visitor rule, through the API and the assignment page.

A visitor holds a field role (cadre, office) over the household, or is a member of one of the
campaign's teams (a paired department's cadre). Anyone else reads like an unknown id; nothing is
written.
"""

import pytest

from campaigns.models import Role
from tests.factories import TeamFactory, UserFactory, make_campaign, member
from visits.models import Assignment, AssignmentKind

from .factories import OUT_OF_SCOPE, AssignmentFactory, HouseholdFactory


@pytest.fixture
def home(tree):
    return HouseholdFactory(grid=tree.grid_a1, head_name="欧阳明")


def assign(api, user, body):
    return api(user).post("/api/assignments/", body, format="json")


def test_office_cannot_assign_a_household_to_a_cadre_of_another_street(api, cast, campaign, home):
    body = {"campaign": campaign.pk, "household": home.pk, "visitor": cast.cadre_c.pk, "kind": "grid"}
    response = assign(api, cast.office, body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["errors"] == {"visitor": [OUT_OF_SCOPE]}
    # Exactly what an id that names nobody gets.
    missing = assign(api, cast.office, {**body, "visitor": cast.cadre_c.pk + 1000})
    assert missing.json() == response.json()
    assert not Assignment.objects.exists()


def test_office_cannot_bulk_assign_or_reassign_to_a_cadre_of_another_street(api, cast, campaign, home):
    body = {"campaign": campaign.pk, "households": [home.pk], "visitor": cast.cadre_c.pk, "kind": "grid"}
    bulk = api(cast.office).post("/api/assignments/bulk/", body, format="json")
    assert bulk.status_code == 400 and bulk.json()["errors"] == {"visitor": [OUT_OF_SCOPE]}
    check = api(cast.office).post("/api/assignments/check/", body, format="json")
    assert check.status_code == 400 and check.json()["errors"] == {"visitor": [OUT_OF_SCOPE]}
    a = AssignmentFactory(campaign=campaign, household=home, visitor=cast.cadre, kind=AssignmentKind.GRID)
    moved = api(cast.office).patch(f"/api/assignments/{a.pk}/", {"visitor": cast.cadre_c.pk}, format="json")
    assert moved.status_code == 400 and moved.json()["errors"] == {"visitor": [OUT_OF_SCOPE]}
    assert list(Assignment.objects.values_list("visitor_id", flat=True)) == [cast.cadre.pk]


def test_office_cannot_assign_through_the_page_a_household_to_a_cadre_of_another_street(client, cast, campaign, home):
    client.force_login(cast.office)
    page = client.get("/visits/assignments/").content.decode()
    assert cast.cadre.display_name in page and cast.cadre_c.display_name not in page
    response = client.post(
        "/visits/assignments/",
        {"action": "assign", "households": [home.pk], "visitor": cast.cadre_c.pk, "kind": "grid"},
    )
    assert response.status_code == 400
    assert OUT_OF_SCOPE in response.content.decode()
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "leader", "inspector", "handler"])
def test_nobody_without_a_field_role_or_a_team_can_be_given_a_household(api, cast, campaign, home, who):
    body = {"campaign": campaign.pk, "household": home.pk, "visitor": getattr(cast, who).pk, "kind": "grid"}
    response = assign(api, cast.office, body)
    assert response.status_code == 400 and response.json()["errors"] == {"visitor": [OUT_OF_SCOPE]}
    assert not Assignment.objects.exists()


def test_a_cadre_whose_unit_does_not_cover_the_household_is_refused_by_name(api, cast, tree, campaign, home):
    grid_man = member(UserFactory(username="t_grid_a2", full_name="二网格员"), tree.grid_a2, Role.CADRE)
    body = {"campaign": campaign.pk, "household": home.pk, "visitor": grid_man.pk, "kind": "grid"}
    response = assign(api, cast.office, body)
    assert response.status_code == 400
    assert response.json()["code"] == "visitor_not_allowed"
    assert "欧阳明" in response.json()["errors"]["visitor"][0]
    assert not Assignment.objects.exists()


def test_a_member_of_the_campaigns_team_may_be_given_households_outside_his_unit(api, cast, tree, campaign, home):
    dept_man = member(UserFactory(username="t_dept", full_name="教育局干部"), tree.department, Role.CADRE)
    group = TeamFactory(
        campaign=campaign, unit=tree.department, paired_unit=tree.community_a, members=[dept_man], name="教育局挂包组"
    )
    body = {"campaign": campaign.pk, "household": home.pk, "visitor": dept_man.pk, "kind": "department"}
    response = assign(api, cast.office, {**body, "team": group.pk})
    assert response.status_code == 201, response.json()
    assert Assignment.objects.get().team_id == group.pk
    # Visible to him now, and only through that assignment.
    assert api(dept_man).get(f"/api/households/{home.pk}/").status_code == 200


def test_a_team_of_another_campaign_is_refused(api, cast, tree, campaign, home):
    other = make_campaign(tree.street_a, name="东城街道2026年大走访")
    dept_man = member(UserFactory(username="t_dept", full_name="教育局干部"), tree.department, Role.CADRE)
    foreign = TeamFactory(campaign=other, unit=tree.department, paired_unit=tree.community_a, members=[dept_man])
    body = {"campaign": campaign.pk, "household": home.pk, "visitor": cast.cadre.pk, "kind": "department"}
    response = assign(api, cast.office, {**body, "team": foreign.pk})
    assert response.status_code == 400
    assert response.json()["errors"] == {"team": ["所选工作组不存在或不属于该活动"]}
    # A member of the other campaign's team is nobody in this one.
    response = assign(api, cast.office, {**body, "visitor": dept_man.pk})
    assert response.status_code == 400 and "visitor" in response.json()["errors"]
    assert not Assignment.objects.exists()


def test_a_team_of_the_campaign_needs_the_visitor_among_its_members(api, cast, tree, campaign, home):
    group = TeamFactory(campaign=campaign, unit=tree.street_a, paired_unit=tree.community_a, members=[cast.office])
    body = {"campaign": campaign.pk, "household": home.pk, "visitor": cast.cadre.pk, "kind": "street_group"}
    response = assign(api, cast.office, {**body, "team": group.pk})
    assert response.status_code == 400 and "team" in response.json()["errors"]
    assert not Assignment.objects.exists()


def test_office_cannot_assign_a_household_or_campaign_of_another_street(api, cast, tree, campaign):
    far = HouseholdFactory(grid=tree.grid_c1)
    body = {"campaign": campaign.pk, "household": far.pk, "visitor": cast.cadre.pk, "kind": "grid"}
    response = assign(api, cast.office, body)
    assert response.status_code == 400 and response.json()["errors"] == {"household": [OUT_OF_SCOPE]}
    west = make_campaign(tree.street_b, name="西城街道2026年大走访")
    near = HouseholdFactory(grid=tree.grid_a1)
    response = assign(api, cast.office, {**body, "household": near.pk, "campaign": west.pk})
    assert response.status_code == 400 and response.json()["errors"] == {"campaign": [OUT_OF_SCOPE]}
    bulk = {"campaign": campaign.pk, "households": [near.pk, far.pk], "visitor": cast.cadre.pk}
    response = api(cast.office).post("/api/assignments/bulk/", bulk, format="json")
    assert response.status_code == 400 and response.json()["errors"] == {"households": [OUT_OF_SCOPE]}
    response = api(cast.office).post("/api/assignments/propose/", {"campaign": west.pk}, format="json")
    assert response.status_code == 400 and response.json()["errors"] == {"campaign": [OUT_OF_SCOPE]}
    assert not Assignment.objects.exists()


def test_another_streets_office_cannot_change_or_remove_an_assignment(api, cast, campaign, home):
    a = AssignmentFactory(campaign=campaign, household=home, visitor=cast.cadre, kind=AssignmentKind.GRID)
    url = f"/api/assignments/{a.pk}/"
    assert api(cast.office_b).patch(url, {"visitor": cast.cadre_c.pk}, format="json").status_code == 404
    assert api(cast.office_b).delete(url).status_code == 404
    assert api(cast.cadre).delete(url).status_code == 403
    assert Assignment.objects.get().visitor_id == cast.cadre.pk


def test_the_check_page_answers_nothing_about_households_out_of_scope(client, cast, tree, campaign):
    far = HouseholdFactory(grid=tree.grid_c1, head_name="司马秘密")
    AssignmentFactory(campaign=campaign, household=far, visitor=cast.cadre_c, kind=AssignmentKind.GRID)
    client.force_login(cast.office)
    body = {"households": [far.pk], "visitor": cast.cadre.pk, "kind": "grid"}
    warning = client.post("/visits/assignments/check/", body).content.decode()
    assert "司马秘密" not in warning and cast.cadre_c.display_name not in warning
    assert OUT_OF_SCOPE in warning
    # The same answer as for a household that does not exist.
    missing = client.post("/visits/assignments/check/", {**body, "households": [far.pk + 1000]}).content.decode()
    assert missing == warning
    # Nor to a cadre, about households he can see but does not assign.
    client.force_login(cast.cadre_c)
    assert "司马秘密" not in client.post("/visits/assignments/check/", body).content.decode()


def test_the_check_page_still_warns_the_office_of_a_double_assignment(client, cast, campaign, home):
    AssignmentFactory(campaign=campaign, household=home, visitor=cast.office, kind=AssignmentKind.GRID)
    client.force_login(cast.office)
    body = {"households": [home.pk], "visitor": cast.cadre.pk, "kind": "grid"}
    assert "不能重复分配" in client.post("/visits/assignments/check/", body).content.decode()
