"""A create a client may retry names itself with `client_id`: the same key again answers the first
entry (200 through the API, its page in the browser) and writes nothing; someone else's key is a 409."""

import uuid

from grievances.models import Grievance, GrievanceEvent

from .factories import category


def _body(**kw):
    return {"content": "村口桥面破损，雨天积水", "category": category().pk, "kind": "problem", "tier": "general", **kw}


def test_the_same_client_id_twice_through_the_api_answers_the_first_entry_with_200(cast, tree, campaign, api):
    key = str(uuid.uuid4())
    first = api(cast.cadre).post("/api/grievances/", _body(client_id=key, unit=tree.grid_a1.pk), format="json")
    assert first.status_code == 201
    again = api(cast.cadre).post("/api/grievances/", _body(client_id=key, unit=tree.grid_a1.pk), format="json")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Grievance.objects.count() == 1
    assert GrievanceEvent.objects.filter(action="register").count() == 1


def test_creates_without_a_client_id_are_two_entries(cast, tree, campaign, api):
    for _ in range(2):
        assert api(cast.cadre).post("/api/grievances/", _body(unit=tree.grid_a1.pk), format="json").status_code == 201
    assert Grievance.objects.count() == 2


def test_another_users_client_id_is_a_conflict_and_writes_nothing(cast, tree, campaign, api):
    key = str(uuid.uuid4())
    assert (
        api(cast.cadre).post("/api/grievances/", _body(client_id=key, unit=tree.grid_a1.pk), format="json").status_code
        == 201
    )
    r = api(cast.office).post("/api/grievances/", _body(client_id=key, unit=tree.grid_a1.pk), format="json")
    assert r.status_code == 409
    assert r.json() == {"code": "client_id_taken", "detail": "该提交编号已被使用"}
    assert Grievance.objects.count() == 1


def test_the_page_form_carries_a_key_and_a_second_submit_opens_the_first_entry(cast, tree, campaign, client):
    client.force_login(cast.cadre)
    page = client.get("/grievances/new/").content.decode()
    assert 'type="hidden" name="client_id"' in page
    key = str(uuid.uuid4())
    body = _body(client_id=key, unit=tree.grid_a1.pk, source="visit")
    first = client.post("/grievances/new/", body)
    again = client.post("/grievances/new/", body)
    assert first.status_code == again.status_code == 302
    assert first.url == again.url
    assert Grievance.objects.count() == 1
