"""People a write names besides the actor: the co-visitors of a visit and the responsible user of
a 一户一策 plan. Pickers offer only whom the actor can see around the household and in the
campaign's teams; anyone else reads like an unknown id and nothing is written."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import Role
from tests.factories import TeamFactory, UserFactory, member
from tests.grievances.factories import category
from visits.models import AssignmentKind, HardshipPlan, Visit

from .factories import OUT_OF_SCOPE, AssignmentFactory, HouseholdFactory


@pytest.fixture
def home(tree, campaign, cast):
    h = HouseholdFactory(grid=tree.grid_a1)
    AssignmentFactory(campaign=campaign, household=h, visitor=cast.cadre, kind=AssignmentKind.GRID)
    return h


@pytest.fixture
def people(tree, campaign):
    colleague = member(UserFactory(username="t_colleague", full_name="同社区干部"), tree.community_a, Role.CADRE)
    dept_man = member(UserFactory(username="t_dept", full_name="教育局干部"), tree.department, Role.CADRE)
    TeamFactory(campaign=campaign, unit=tree.department, paired_unit=tree.community_a, members=[dept_man])
    return colleague, dept_man


def body(h, **kw):
    return {
        "household": h.pk,
        "client_id": str(uuid.uuid4()),
        "visited_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "duration_minutes": 40,
        "notes": "入户了解家庭近况。",
        **kw,
    }


def test_co_visitor_picker_lists_only_people_around_the_household_and_in_the_campaigns_teams(
    client, cast, home, people
):
    colleague, dept_man = people
    client.force_login(cast.cadre)
    form = client.get(f"/visits/households/{home.pk}/visit/").context["form"]
    offered = set(form.fields["co_visitors"].queryset)
    assert {colleague, dept_man} <= offered
    assert not offered & {cast.cadre, cast.cadre_c, cast.office_b, cast.outsider, cast.handler}


def test_co_visitor_picker_offers_the_team_and_unit_not_the_administrators_or_leaders(
    client, cast, home, people, tree, campaign
):
    colleague, dept_man = people
    street_man = member(
        UserFactory(username="t_street", full_name="街道干部", post="街道组员"), tree.street_a, Role.CADRE
    )
    TeamFactory(campaign=campaign, unit=tree.street_a, paired_unit=tree.community_b, members=[street_man, cast.cadre])
    sysadmin = member(UserFactory(username="t_sysadmin", full_name="系统管理员"), tree.district, Role.ADMIN)
    other_team = member(UserFactory(username="t_other", full_name="别组干部"), tree.street_b, Role.CADRE)
    TeamFactory(campaign=campaign, unit=tree.street_b, paired_unit=tree.community_c, members=[other_team])
    client.force_login(cast.cadre)
    page = client.get(f"/visits/households/{home.pk}/visit/")
    offered = set(page.context["form"].fields["co_visitors"].queryset)
    # The cadre's own team (even one paired elsewhere), the community's people and the team paired with it.
    assert {street_man, colleague, dept_man} <= offered
    assert not offered & {sysadmin, cast.leader, cast.inspector, cast.handler, other_team}
    html = page.content.decode()
    assert "街道干部（街道组员）" in html and "系统管理员" not in html


@pytest.mark.parametrize("who", ["cadre_c", "outsider", "office_b"])
def test_a_co_visitor_out_of_scope_is_refused_and_nothing_is_written(api, client, cast, home, people, who):
    stranger = getattr(cast, who)
    response = api(cast.cadre).post("/api/visits/", body(home, co_visitors=[people[0].pk, stranger.pk]), format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"co_visitors": [OUT_OF_SCOPE]}
    missing = api(cast.cadre).post("/api/visits/", body(home, co_visitors=[stranger.pk + 1000]), format="json")
    assert missing.json() == response.json()
    client.force_login(cast.cadre)
    form = {
        "client_id": str(uuid.uuid4()),
        "visited_at": timezone.localtime(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": 35,
        "mode": "in_person",
        "g1_kind": "problem",
        "g2_kind": "problem",
        "co_visitors": [stranger.pk],
    }
    page = client.post(f"/visits/households/{home.pk}/visit/", form)
    assert page.status_code == 400 and OUT_OF_SCOPE in page.content.decode()
    assert not Visit.objects.exists()


def test_co_visitors_in_scope_are_recorded(api, cast, home, people):
    response = api(cast.cadre).post("/api/visits/", body(home, co_visitors=[p.pk for p in people]), format="json")
    assert response.status_code == 201, response.json()
    assert set(Visit.objects.get().co_visitors.all()) == set(people)


def test_an_unknown_grievance_category_in_a_visit_is_refused(api, cast, home):
    category()
    entry = {"content": "路灯不亮", "category": 99999999999999999999}
    response = api(cast.cadre).post("/api/visits/", body(home, grievances=[entry]), format="json")
    assert response.status_code == 400 and "grievances" in response.json()["errors"]
    response = api(cast.cadre).post(
        "/api/event-reports/",
        {"household": home.pk, "kind": "safety_hazard", "description": "飞线", "to_grievance": True, "category": 0},
        format="json",
    )
    assert response.status_code == 400 and response.json()["errors"] == {"category": ["问题类别不存在"]}
    assert not Visit.objects.exists()


PLAN = {"situation": "户主重病", "measures": "申请医疗救助", "responsible": "李网格"}


@pytest.mark.parametrize("who", ["cadre_c", "office_b", "outsider"])
def test_a_hardship_plan_cannot_name_a_responsible_user_out_of_scope(api, cast, home, who):
    url = f"/api/households/{home.pk}/hardship-plan/"
    response = api(cast.office).put(url, {**PLAN, "responsible_user": getattr(cast, who).pk}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"responsible_user": [OUT_OF_SCOPE]}
    assert not HardshipPlan.objects.exists()
    home.refresh_from_db()
    assert not home.is_hardship


def test_a_hardship_plan_names_a_responsible_user_of_the_street(api, cast, home):
    url = f"/api/households/{home.pk}/hardship-plan/"
    response = api(cast.office).put(url, {**PLAN, "responsible_user": cast.cadre.pk}, format="json")
    assert response.status_code == 200 and response.json()["responsible_user"] == cast.cadre.pk
    assert HardshipPlan.objects.get().responsible_user == cast.cadre
    assert api(cast.office_b).put(url, PLAN, format="json").status_code == 404
