"""十必报 reports and support records a phone or browser may send twice name themselves with a
`client_id`: the same key again answers the first (200 through the API, the first's success on the
page) and writes nothing; someone else's key is a 409. The page forms carry a key made when shown."""

import re
import uuid

import pytest

from grievances.models import Grievance
from visits.models import AssignmentKind, EventReport, Pairing, SupportRecord

from .factories import AssignmentFactory, HouseholdFactory


@pytest.fixture
def home(tree, campaign, cast):
    h = HouseholdFactory(grid=tree.grid_a1, is_hardship=True)
    AssignmentFactory(campaign=campaign, household=h, visitor=cast.cadre, kind=AssignmentKind.GRID)
    return h


@pytest.fixture
def pairing(home, cast):
    return Pairing.objects.create(
        household=home,
        supporter_kind="branch",
        supporter_name="第一党支部",
        start_date="2026-11-01",
        created_by=cast.office,
    )


def _key(page):
    """The submit key the page's form carries (a hidden input), as a UUID."""
    match = re.search(r'<input type="hidden" name="client_id" value="([^"]*)"', page.content.decode())
    assert match, "the form carries no client_id"
    return str(uuid.UUID(match.group(1)))


def test_the_same_event_report_twice_through_the_api_is_one_report_answered_with_200(api, cast, home):
    from tests.grievances.factories import category

    body = {
        "household": home.pk,
        "kind": "serious_illness",
        "description": "户主住院",
        "to_grievance": True,
        "category": category().pk,
        "client_id": str(uuid.uuid4()),
    }
    first = api(cast.cadre).post("/api/event-reports/", body, format="json")
    assert first.status_code == 201, first.content
    again = api(cast.cadre).post("/api/event-reports/", body, format="json")
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"] and again.json()["client_id"] == body["client_id"]
    assert EventReport.objects.count() == 1 and Grievance.objects.count() == 1
    # Someone else's key opens nothing of theirs and writes nothing.
    other = api(cast.office).post("/api/event-reports/", body, format="json")
    assert other.status_code == 409 and other.json()["code"] == "client_id_taken"
    # Without a key two sends are two reports.
    plain = {k: v for k, v in body.items() if k not in ("client_id", "to_grievance", "category")}
    assert [api(cast.cadre).post("/api/event-reports/", plain, format="json").status_code for _ in "ab"] == [201, 201]
    assert EventReport.objects.count() == 3


def test_the_event_page_carries_a_key_kept_through_errors_and_a_resend_shows_the_first(client, cast, home):
    client.force_login(cast.cadre)
    url = f"/visits/households/{home.pk}/event/"
    shown = _key(client.get(url))
    assert shown != _key(client.get(url))  # a new form, a new key
    refused = client.post(url, {"client_id": shown, "kind": "serious_illness", "description": ""})
    assert refused.status_code == 400
    assert _key(refused) == shown  # the re-rendered form keeps its key
    body = {"client_id": shown, "kind": "serious_illness", "description": "户主住院"}
    first = client.post(url, body)
    again = client.post(url, body)
    assert first.status_code == again.status_code == 302 and first.url == again.url
    assert EventReport.objects.count() == 1
    assert "已上报过" in client.get(again.url).content.decode()


def test_the_area_event_page_keys_its_report(client, tree, cast):
    client.force_login(cast.cadre)
    shown = _key(client.get("/liaison/events/"))
    body = {"client_id": shown, "unit": tree.community_a.pk, "kind": "environment_disorder", "description": "垃圾堆放"}
    assert client.post("/liaison/events/", body).status_code == 302
    again = client.post("/liaison/events/", body, follow=True)
    assert again.status_code == 200 and "已提交过" in again.content.decode()
    assert EventReport.objects.filter(household__isnull=True).count() == 1


def test_the_same_support_record_twice_through_the_api_is_one_record_answered_with_200(api, cast, pairing):
    body = {"pairing": pairing.pk, "date": "2026-11-10", "kind": "funds", "amount": "500.00"}
    body["client_id"] = str(uuid.uuid4())
    first = api(cast.office).post("/api/support-records/", body, format="json")
    assert first.status_code == 201, first.content
    again = api(cast.office).post("/api/support-records/", body, format="multipart")
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]
    assert SupportRecord.objects.count() == 1


def test_the_pairing_page_keys_its_support_record(client, cast, pairing):
    client.force_login(cast.office)
    url = f"/visits/pairings/{pairing.pk}/"
    shown = _key(client.get(url))
    body = {"pairing": pairing.pk, "client_id": shown, "date": "2026-11-10", "kind": "visit", "note": "上门看望"}
    assert client.post(url, body).status_code == 302
    again = client.post(url, body, follow=True)
    assert again.status_code == 200 and "已保存过" in again.content.decode()
    assert SupportRecord.objects.count() == 1


def test_the_new_entry_and_visit_pages_carry_a_key_made_when_shown(client, cast, home):
    client.force_login(cast.cadre)
    for url in ("/grievances/new/", f"/visits/households/{home.pk}/visit/"):
        page = client.get(url)
        assert page.status_code == 200
        assert _key(page) != _key(client.get(url)), url
        assert "data-idempotent" in page.content.decode(), url
