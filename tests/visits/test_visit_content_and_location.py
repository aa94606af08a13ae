"""POST /api/visits/: a visit carries content, may carry the phone's position, a second record of
the same household within the hour is confirmed, and a queued upload after a reassignment answers
the first visit or a conflict. The service worker and manifest are served from the root."""

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from campaigns.choices import Role
from tests.factories import UserFactory, member
from visits import assignment
from visits.models import Visit

from .factories import AssignmentFactory, HouseholdFactory


@pytest.fixture
def home(tree, campaign, cast):
    tree.grid_a1.latitude, tree.grid_a1.longitude = 36.80, 118.05
    tree.grid_a1.save(update_fields=["latitude", "longitude"])
    h = HouseholdFactory(grid=tree.grid_a1, head_name="孙桂英")
    AssignmentFactory(campaign=campaign, household=h, visitor=cast.cadre)
    return h


def body(home, **kw):
    data = {
        "household": home.pk,
        "client_id": str(uuid.uuid4()),
        "visited_at": (timezone.now() - timedelta(hours=3)).isoformat(),
        "duration_minutes": 40,
        "notes": "老人身体尚好。",
    }
    data.update(kw)
    return data


def test_an_empty_visit_is_refused_and_the_campaign_decides_what_counts(api, cast, campaign, home):
    response = api(cast.cadre).post("/api/visits/", body(home, notes=""), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "empty_visit" and "走访记录不能为空" in response.json()["detail"]
    assert Visit.objects.count() == 0
    item = campaign.checklist.first()
    ok = api(cast.cadre).post("/api/visits/", body(home, notes="", answers={str(item.pk): "收入稳定"}), format="json")
    assert ok.status_code == 201

    campaign.visit_content = ["notes"]
    campaign.save(update_fields=["visit_content"])
    later = (timezone.now() - timedelta(minutes=30)).isoformat()
    refused = api(cast.cadre).post(
        "/api/visits/", body(home, notes="", visited_at=later, answers={str(item.pk): "收入稳定"}), format="json"
    )
    assert refused.status_code == 400 and refused.json()["errors"]["notes"]
    campaign.visit_content = []
    campaign.save(update_fields=["visit_content"])
    assert (
        api(cast.cadre).post("/api/visits/", body(home, notes="", visited_at=later), format="json").status_code == 201
    )


def test_a_visit_stores_the_phones_position_and_the_office_sees_its_distance_from_the_grid(api, cast, home):
    with_position = body(home, latitude=36.8045, longitude=118.05, accuracy_m=12)
    response = api(cast.cadre).post("/api/visits/", with_position, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["latitude"], data["longitude"], data["accuracy_m"]) == (36.8045, 118.05, 12)
    assert 490 < data["distance_from_grid_m"] < 510
    without = api(cast.cadre).post(
        "/api/visits/", body(home, visited_at=(timezone.now() - timedelta(hours=6)).isoformat()), format="json"
    )
    assert without.json()["latitude"] is None and without.json()["accuracy_m"] is None
    assert without.json()["distance_from_grid_m"] is None
    bad = api(cast.cadre).post("/api/visits/", body(home, latitude=123, longitude=118), format="json")
    assert bad.status_code == 400

    office = Client()
    office.force_login(cast.office)
    assert "距网格中心500米（精度12米）" in office.get(f"/visits/households/{home.pk}/").content.decode()
    cadre = Client()
    cadre.force_login(cast.cadre)
    assert "距网格中心" not in cadre.get(f"/visits/households/{home.pk}/").content.decode()


def test_the_same_household_twice_within_an_hour_asks_to_confirm(api, cast, home):
    first = body(home)
    assert api(cast.cadre).post("/api/visits/", first, format="json").status_code == 201
    soon = (timezone.now() - timedelta(hours=2, minutes=30)).isoformat()
    again = api(cast.cadre).post("/api/visits/", body(home, visited_at=soon), format="json")
    assert again.status_code == 409 and again.json()["code"] == "repeat_visit"
    assert Visit.objects.count() == 1
    confirmed = api(cast.cadre).post("/api/visits/", body(home, visited_at=soon, confirm_repeat=True), format="json")
    assert confirmed.status_code == 201 and Visit.objects.count() == 2
    # The same client_id is still the first visit, not a repeat.
    assert api(cast.cadre).post("/api/visits/", first, format="json").status_code == 200


def test_a_queued_upload_after_the_household_was_reassigned(api, cast, campaign, tree, home):
    sent = body(home)
    assert api(cast.cadre).post("/api/visits/", sent, format="json").status_code == 201
    other = member(UserFactory(username="t_cadre_2", full_name="王网格"), tree.community_a, Role.CADRE)
    assignment.assign(actor=cast.admin, campaign=campaign, households=[home], visitor=other, kind="grid", replace=True)
    # The retry of an upload the server already has answers the first visit...
    replay = api(cast.cadre).post("/api/visits/", sent, format="json")
    assert replay.status_code == 200 and Visit.objects.count() == 1
    # ...a new one is a conflict the cadre resolves, and nothing is written.
    late = api(cast.cadre).post("/api/visits/", body(home, visited_at=timezone.now().isoformat()), format="json")
    assert late.status_code == 403 and late.json()["code"] == "not_assigned"
    assert Visit.objects.count() == 1


def test_the_service_worker_and_manifest_are_served_from_the_root(client):
    sw = client.get("/sw.js")
    assert sw.status_code == 200 and sw["Content-Type"].startswith("text/javascript")
    assert sw["Service-Worker-Allowed"] == "/" and b"precache" in sw.content
    manifest = client.get("/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert data["scope"] == "/" and data["start_url"] == "/visits/" and data["icons"]
