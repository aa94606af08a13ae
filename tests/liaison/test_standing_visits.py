"""Standing visits (民情联络, seeds/004): the liaison network visits at any date, outside any
campaign phase; such visits count in the standing figures and never in a campaign's coverage."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.choices import Phase
from liaison import services as liaison
from tests.factories import UserFactory, make_campaign
from tests.visits.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rectifying(tree):
    """A district campaign in its 集中整改 phase today: visiting ended ten days ago."""
    start = timezone.localdate() - timedelta(days=25)
    campaign = make_campaign(
        tree.district,
        start=start,
        phase_days={"organise": 5, "visiting": 10, "rectification": 40, "lookback": 30, "summary": 20},
    )
    assert campaign.phase == Phase.RECTIFICATION
    return campaign


@pytest.fixture
def network(tree, cast):
    """A long-time resident appointed liaison of 一网格 (no role anywhere) and a household there."""
    person = UserFactory(username="t_liaison", full_name="陈老党员")
    liaison.appoint_liaison(
        actor=cast.office,
        grid=tree.grid_a1,
        user=person,
        background="old_party_member",
        appointed_on=timezone.localdate(),
        certificate_no="柳聘〔2026〕1号",
    )
    household = HouseholdFactory(grid=tree.grid_a1, head_name="张大山", is_hardship=True)
    return person, household


def _visit(api, user, household, **extra):
    body = {
        "household": household.pk,
        "client_id": str(uuid.uuid4()),
        "visited_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "duration_minutes": 30,
        "notes": "老人身体还好，反映村道路灯不亮。",
        **extra,
    }
    return api(user).post("/api/visits/", body, format="json")


def test_liaison_standing_visit_in_rectification_counts_as_standing_not_in_campaign_coverage(
    api, tree, cast, rectifying, network
):
    person, household = network
    response = _visit(api, person, household)
    assert response.status_code == 201, response.data
    assert response.data["campaign"] is None
    assert response.data["is_standing"] is True

    figures = api(cast.office).get(f"/api/liaison-figures/?unit={tree.community_a.pk}").data
    assert figures["standing_visits"] == 1
    assert figures["standing_households"] == 1
    assert figures["campaign_visits"] == 0

    coverage = api(cast.office).get(f"/api/coverage/?campaign={rectifying.pk}&unit={tree.community_a.pk}").data
    assert coverage["total"]["visited"] == 0
    assert coverage["total"]["total"] == 1


def test_a_cadre_outside_the_network_cannot_visit_in_rectification(api, tree, cast, rectifying, network):
    _person, household = network
    response = _visit(api, cast.cadre, household)
    assert response.status_code == 403
    assert not household.visits.exists()


def test_office_visit_in_rectification_is_still_refused_as_out_of_phase(api, tree, cast, rectifying, network):
    _person, household = network
    response = _visit(api, cast.office, household)
    assert response.status_code == 400
    assert response.data["code"] == "out_of_phase"


def test_liaison_of_another_village_does_not_see_the_household(api, tree, cast, rectifying, network):
    _person, household = network
    other = UserFactory(username="t_liaison_c", full_name="周退役")
    liaison.appoint_liaison(
        actor=cast.office_b, grid=tree.grid_c1, user=other, background="veteran", appointed_on=timezone.localdate()
    )
    response = _visit(api, other, household)
    assert response.status_code == 400
    assert "household" in response.data["errors"]


def test_standing_visit_without_any_campaign(api, tree, cast, network):
    person, household = network
    response = _visit(api, person, household, standing=True)
    assert response.status_code == 201
    assert response.data["is_standing"] is True


def test_area_event_report_names_the_unit_and_no_household(api, tree, cast, rectifying, network):
    person, _household = network
    client = api(person)
    body = {"unit": tree.grid_a1.pk, "kind": "illegal_construction", "description": "村口新搭建彩钢棚"}
    response = client.post("/api/event-reports/", body, format="json")
    assert response.status_code == 201, response.data
    assert response.data["household"] is None
    assert response.data["unit"] == tree.grid_a1.pk
    # A household's event still needs the household.
    refused = client.post("/api/event-reports/", {**body, "kind": "serious_illness"}, format="json")
    assert refused.status_code == 400
    assert "household" in refused.data["errors"]
    # Area reports are listed for the office, filtered as area events.
    listed = api(cast.office).get("/api/event-reports/?area=true").data
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [r["kind"] for r in rows] == ["illegal_construction"]
    # Another street's office does not see it.
    other = api(cast.office_b).get("/api/event-reports/?area=true").data
    assert not (other["results"] if isinstance(other, dict) else other)


def test_a_cadre_of_the_area_reports_an_area_event(api, tree, cast):
    body = {"unit": tree.community_a.pk, "kind": "environment_disorder", "description": "垃圾堆放"}
    assert api(cast.cadre).post("/api/event-reports/", body, format="json").status_code == 201
    assert api(cast.cadre_c).post("/api/event-reports/", body, format="json").status_code == 400


def test_a_problem_raised_at_a_standing_visit_goes_into_the_running_campaigns_ledger(
    api, tree, cast, rectifying, network
):
    from tests.grievances.factories import category

    person, household = network
    problem = {"content": "村道路灯不亮，晚上出行不便", "category": category().pk}
    response = _visit(api, person, household, grievances=[problem])
    assert response.status_code == 201, response.data
    assert response.data["campaign"] is None
    entry = household.grievances.get()
    assert (entry.campaign_id, entry.source, entry.unit_id) == (rectifying.pk, "visit", tree.grid_a1.pk)


def test_without_any_campaign_a_standing_visits_problem_is_refused_and_nothing_is_saved(api, tree, cast, network):
    from tests.grievances.factories import category

    person, household = network
    problem = {"content": "村道路灯不亮", "category": category().pk}
    response = _visit(api, person, household, standing=True, grievances=[problem])
    assert response.status_code == 400, response.data
    assert response.data["code"] == "no_campaign"
    assert "没有走访活动台账" in response.data["errors"]["grievances"][0]
    assert not household.visits.exists() and not household.grievances.exists()
