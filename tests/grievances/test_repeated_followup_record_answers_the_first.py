"""Recording a look-back sent twice (a phone's retry, a double tap, Back) with the same
`client_id` answers the recorded task: 200 through the API, the first's success on the page; no
second transition, no second entry from its new needs. Someone else's key is a 409."""

import re
import uuid

from grievances.models import Grievance

from .test_followup_recording import answered_entry

BODY = {
    "mode": "in_person",
    "solved": True,
    "satisfaction": "satisfied",
    "notes": "灯已修好",
    "new_needs": ["再修下水道"],
}


def test_the_same_record_twice_through_the_api_answers_the_recorded_task(tree, cast, campaign, api):
    g, fu = answered_entry(tree, cast, campaign)
    body = {**BODY, "client_id": str(uuid.uuid4())}
    first = api(cast.cadre).post(f"/api/followups/{fu.pk}/record/", body, format="json")
    assert first.status_code == 200, first.content
    again = api(cast.cadre).post(f"/api/followups/{fu.pk}/record/", body, format="json")
    assert again.status_code == 200, again.content
    assert again.json() == first.json()
    assert Grievance.objects.count() == 2  # the entry and its one new need
    assert list(g.events.values_list("action", flat=True)).count("close") == 1
    # Another key (or none) on a recorded task is still refused.
    other = api(cast.cadre).post(f"/api/followups/{fu.pk}/record/", {**BODY, "client_id": str(uuid.uuid4())})
    assert other.status_code == 409 and other.json()["code"] == "already_recorded"


def test_someone_elses_key_is_a_conflict(tree, cast, campaign, api):
    _g, fu = answered_entry(tree, cast, campaign)
    body = {**BODY, "client_id": str(uuid.uuid4())}
    assert api(cast.cadre).post(f"/api/followups/{fu.pk}/record/", body, format="json").status_code == 200
    r = api(cast.office).post(f"/api/followups/{fu.pk}/record/", body, format="json")
    assert r.status_code == 409 and r.json()["code"] == "client_id_taken"


def test_the_page_carries_a_key_kept_through_errors_and_a_resend_shows_the_first(tree, cast, campaign, client):
    _g, fu = answered_entry(tree, cast, campaign)
    client.force_login(cast.cadre)
    url = f"/grievances/followups/{fu.pk}/"

    def key(page):
        match = re.search(r'<input type="hidden" name="client_id" value="([^"]*)"', page.content.decode())
        return str(uuid.UUID(match.group(1)))

    shown = key(client.get(url))
    assert shown != key(client.get(url))
    form = {"mode": "in_person", "solved": "yes", "satisfaction": "satisfied", "new_needs": "再修下水道"}
    refused = client.post(url, {**form, "mode": "", "client_id": shown})
    assert refused.status_code == 400 and key(refused) == shown
    first = client.post(url, {**form, "client_id": shown})
    again = client.post(url, {**form, "client_id": shown}, follow=True)
    assert first.status_code == 302 and again.status_code == 200
    assert "已记录过" in again.content.decode()
    assert Grievance.objects.count() == 2
