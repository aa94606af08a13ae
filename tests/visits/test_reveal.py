"""Revealing a household's whole ID number and phone takes a reason, leaves an audit row with it,
and stops (reported to the security administrator) after too many in an hour."""

import pytest
from django.test import Client

from audit.models import Event, Record
from campaigns.models import Role
from notifications.models import Notification
from tests.factories import UserFactory, member
from tests.visits.factories import HouseholdFactory, id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(tree):
    return HouseholdFactory(grid=tree.grid_a1, id_number=id_number(5), phone="13912345678")


def test_a_reveal_returns_the_whole_data_and_leaves_an_audit_row_with_its_reason(api, cast, household):
    r = api(cast.office).post(f"/api/households/{household.pk}/reveal/", {"reason": "return_visit"}, format="json")
    assert r.status_code == 200 and r.json() == {"id_number": id_number(5), "phone": "13912345678"}
    row = Record.objects.get(event=Event.REVEAL)
    assert (row.actor_id, row.object_id, row.data["reason"]) == (cast.office.pk, str(household.pk), "return_visit")


def test_other_needs_a_text_and_someone_without_the_right_is_refused(api, cast, household):
    r = api(cast.office).post(f"/api/households/{household.pk}/reveal/", {"reason": "other"}, format="json")
    assert r.status_code == 400 and "text" in r.json()["errors"]
    assert api(cast.office_b).post(f"/api/households/{household.pk}/reveal/", {"reason": "handling"}).status_code == 404
    assert api(cast.leader).post(f"/api/households/{household.pk}/reveal/", {"reason": "handling"}).status_code == 403
    assert not Record.objects.filter(event=Event.REVEAL).exists()


def test_too_many_reveals_an_hour_are_refused_and_reported(api, tree, cast, household, settings):
    settings.ZOUFANG_SECURITY = {**settings.ZOUFANG_SECURITY, "REVEALS_PER_HOUR": 2}
    security = member(UserFactory(username="t_sec", full_name="安全"), tree.district, Role.SECURITY)
    client = api(cast.office)
    url = f"/api/households/{household.pk}/reveal/"
    assert [client.post(url, {"reason": "handling"}).status_code for _ in range(3)] == [200, 200, 429]
    assert client.post(url, {"reason": "handling"}).json()["code"] == "reveal_limit"
    assert Record.objects.filter(event=Event.SECURITY, actor_id=cast.office.pk).exists()
    assert Notification.objects.filter(recipient=security, title__contains="查看完整个人信息").exists()


def test_lists_and_details_show_masked_values_with_a_reveal_button_to_those_who_may(api, client, cast, household):
    listed = api(cast.office).get("/api/households/").json()["results"]
    assert [(r["phone"], r["personal_masked"], r["can_reveal"]) for r in listed] == [("139****5678", True, True)]
    assert api(cast.leader).get(f"/api/households/{household.pk}/").json()["can_reveal"] is False
    client.force_login(cast.office)
    reveal_url = f"/visits/households/{household.pk}/reveal/"
    for page in (client.get("/visits/households/"), client.get(f"/visits/households/{household.pk}/")):
        html = page.content.decode()
        assert "139****5678" in html and "13912345678" not in html and id_number(5) not in html
        assert reveal_url in html
    leader = Client()
    leader.force_login(cast.leader)
    assert reveal_url not in leader.get(f"/visits/households/{household.pk}/").content.decode()
    assert leader.get(reveal_url).status_code == 403
    assert Record.objects.filter(event=Event.REVEAL).count() == 0


def test_the_reveal_page_asks_a_reason_shows_the_whole_values_once_and_audits_them(client, cast, household):
    client.force_login(cast.office)
    url = f"/visits/households/{household.pk}/reveal/"
    form = client.get(url)
    assert "回访" in form.content.decode() and "13912345678" not in form.content.decode()
    refused = client.post(url, {"reason": "other", "text": ""})
    assert refused.status_code == 400 and "选择“其他”时请说明原因" in refused.content.decode()
    assert not Record.objects.filter(event=Event.REVEAL).exists()
    shown = client.post(url, {"reason": "verify_identity"})
    html = shown.content.decode()
    assert shown.status_code == 200 and "13912345678" in html and id_number(5) in html
    assert shown["Cache-Control"] == "no-store"
    record = Record.objects.get(event=Event.REVEAL)
    assert (record.actor_id, record.object_id, record.data["reason"]) == (
        cast.office.pk,
        str(household.pk),
        "verify_identity",
    )
