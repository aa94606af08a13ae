"""Which campaign a page works in: the running one, not the newest; switching is per session."""

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import make_campaign
from visits.models import Visit

from .factories import AssignmentFactory, HouseholdFactory, VisitFactory


@pytest.fixture
def next_year(tree):
    """Next year's campaign, saved today and still in 组织部署 (its visits start in 40 days)."""
    start = timezone.localdate() - timedelta(days=2)
    return make_campaign(
        tree.district,
        start=start,
        name="测试区2027年大走访",
        phase_days={"organise": 42, "visiting": 60, "rectification": 40, "lookback": 30, "summary": 20},
    )


@pytest.fixture
def running(tree, cast, campaign):
    home = HouseholdFactory(grid=tree.grid_a1, head_name="孙桂英")
    AssignmentFactory(campaign=campaign, household=home, visitor=cast.cadre)
    VisitFactory(campaign=campaign, household=home, visitor=cast.cadre, notes="老人身体尚好")
    return home


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_new_campaign_in_organise_changes_nothing_for_cadres_of_the_running_one(
    api, cast, tree, campaign, running, next_year
):
    next_year.year = 2027
    next_year.save(update_fields=["year"])
    assert next_year.phase == "organise" and campaign.phase == "visiting"
    other = HouseholdFactory(grid=tree.grid_a1, head_name="周建军")
    AssignmentFactory(campaign=campaign, household=other, visitor=cast.cadre)
    AssignmentFactory(campaign=next_year, household=other, visitor=cast.cadre)  # prepared early

    client = Client()
    client.force_login(cast.cadre)
    mine = _page(client, "/visits/")
    assert "孙桂英" in mine and "周建军" in mine and campaign.name in mine
    assert 'id="mine-done">1<' in mine
    diary = _page(client, "/visits/diary/")
    assert "老人身体尚好" in diary and campaign.name in diary

    # Logging a visit without naming a campaign lands in the running one.
    response = api(cast.cadre).post(
        "/api/visits/",
        {
            "household": other.pk,
            "client_id": str(uuid.uuid4()),
            "visited_at": (timezone.now() - timedelta(hours=1)).isoformat(),
            "duration_minutes": 40,
            "notes": "家中一切正常",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Visit.objects.get(pk=response.json()["id"]).campaign == campaign

    me = api(cast.cadre).get("/api/users/me/").json()
    assert me["current_campaign"] == campaign.pk
    assert [c["id"] for c in me["campaigns"]] == [campaign.pk, next_year.pk]


def test_the_user_switches_campaign_for_the_session_and_the_api_takes_campaign_param(
    api, cast, campaign, running, next_year, tree, cast_outsider_campaign
):
    client = Client()
    client.force_login(cast.cadre)
    assert campaign.name in _page(client, "/visits/")
    response = client.post("/campaigns/switch/", {"campaign": next_year.pk, "next": "/visits/"})
    assert response.status_code == 302 and response["Location"] == "/visits/"
    page = _page(client, "/visits/")
    assert next_year.name in page and "孙桂英" not in page
    assert "selected>测试区2027年大走访" in page
    # A campaign outside the user's scope is a 404 and changes nothing.
    assert client.post("/campaigns/switch/", {"campaign": cast_outsider_campaign.pk}).status_code == 404
    assert next_year.name in _page(client, "/visits/")

    me = api(cast.cadre).get(f"/api/users/me/?campaign={next_year.pk}").json()
    assert me["current_campaign"] == next_year.pk
    assert api(cast.cadre).get(f"/api/users/me/?campaign={cast_outsider_campaign.pk}").status_code == 404


@pytest.fixture
def cast_outsider_campaign(db):
    from tests.factories import OrgUnitFactory

    elsewhere = OrgUnitFactory(code="T99", name="外区", level="district")
    return make_campaign(elsewhere, name="外区2026年大走访")


def test_current_is_running_then_nearest_upcoming_then_latest_finished(tree):
    from campaigns.models import Campaign

    today = timezone.localdate()
    done = make_campaign(tree.district, start=today - timedelta(days=400), name="去年")
    later = make_campaign(tree.district, start=today + timedelta(days=90), name="远期")
    soon = make_campaign(tree.district, start=today + timedelta(days=10), name="近期")
    assert Campaign.objects.current() == soon
    assert Campaign.objects.filter(pk=done.pk).current() == done
    running = make_campaign(tree.district, start=today - timedelta(days=20), name="进行中")
    assert Campaign.objects.current() == running
    assert Campaign.objects.current_for_unit(tree.grid_a1) == running
    assert [c.name for c in Campaign.objects.ranked()] == ["进行中", "近期", "远期", "去年"]
    assert later.phase == "organise"
