"""Office staff over an entry read its reporter's whole phone to call back, on the page and in the
API, for a reason; each reveal is an audit row and counts against the same hourly limit as a
household's. Others see the masked number only."""

import pytest

from audit.models import Event, Record
from tests.visits.factories import HouseholdFactory

from .factories import GrievanceFactory

PHONE = "13987654321"


@pytest.fixture
def entry(cast, tree, campaign):
    return GrievanceFactory(actor=cast.cadre, unit=tree.grid_a1, campaign=campaign, reporter_phone=PHONE)


def test_the_office_reveals_the_phone_in_the_api_and_the_reveal_is_audited_with_its_reason(api, cast, entry):
    assert api(cast.office).get(f"/api/grievances/{entry.pk}/").json()["reporter_phone_masked"] == "139****4321"
    r = api(cast.office).post(f"/api/grievances/{entry.pk}/reveal/", {"reason": "return_visit"}, format="json")
    assert r.status_code == 200 and r.json()["reporter_phone"] == PHONE
    row = Record.objects.get(event=Event.REVEAL)
    assert (row.actor_id, row.object_id, row.data["reason"], row.data["field"]) == (
        cast.office.pk,
        str(entry.pk),
        "return_visit",
        "reporter_phone",
    )


def test_the_detail_page_shows_the_masked_phone_and_reveals_it_on_a_post_with_a_reason(client, cast, entry):
    client.force_login(cast.office)
    page = client.get(f"/grievances/{entry.pk}/").content.decode()
    assert "139****4321" in page and PHONE not in page and 'id="reveal-form"' in page
    shown = client.post(f"/grievances/{entry.pk}/reveal/", {"reason": "handling"}).content.decode()
    assert f'<strong id="revealed-phone">{PHONE}</strong>' in shown
    assert Record.objects.filter(event=Event.REVEAL, actor_id=cast.office.pk).count() == 1


def test_other_needs_a_text_and_those_without_the_right_are_refused(api, client, cast, entry):
    r = api(cast.office).post(f"/api/grievances/{entry.pk}/reveal/", {"reason": "other"}, format="json")
    assert r.status_code == 400
    assert api(cast.office_b).post(f"/api/grievances/{entry.pk}/reveal/", {"reason": "handling"}).status_code == 404
    assert api(cast.cadre).post(f"/api/grievances/{entry.pk}/reveal/", {"reason": "handling"}).status_code == 403
    assert api(cast.leader).post(f"/api/grievances/{entry.pk}/reveal/", {"reason": "handling"}).status_code == 403
    client.force_login(cast.cadre)
    page = client.get(f"/grievances/{entry.pk}/").content.decode()
    assert 'id="reveal-form"' not in page
    assert client.post(f"/grievances/{entry.pk}/reveal/", {"reason": "handling"}).status_code == 403
    assert PHONE not in client.post(f"/grievances/{entry.pk}/reveal/", {"reason": "handling"}).content.decode()
    assert not Record.objects.filter(event=Event.REVEAL).exists()


def test_reporter_and_household_reveals_share_the_hourly_limit(api, cast, tree, entry, settings):
    settings.ZOUFANG_SECURITY = {**settings.ZOUFANG_SECURITY, "REVEALS_PER_HOUR": 2}
    household = HouseholdFactory(grid=tree.grid_a1, phone="13912345678")
    client = api(cast.office)
    assert client.post(f"/api/households/{household.pk}/reveal/", {"reason": "handling"}).status_code == 200
    assert client.post(f"/api/grievances/{entry.pk}/reveal/", {"reason": "handling"}).status_code == 200
    r = client.post(f"/api/grievances/{entry.pk}/reveal/", {"reason": "handling"})
    assert r.status_code == 429 and r.json()["code"] == "reveal_limit"
