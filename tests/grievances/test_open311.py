"""Open311 GeoReport v2: an external system (a 12345 platform) with its own key lists services,
posts a request and reads its status; it sees nothing outside its unit and nothing without a
valid key."""

import pytest

from grievances.models import ExternalSystem, Grievance
from tests.factories import UserFactory, member

from .factories import category, lighting_entry, run


@pytest.fixture
def platform(tree, campaign):
    account = member(UserFactory(username="t_12345", full_name="12345平台"), tree.street_a, "office")
    system = ExternalSystem(name="市12345热线", unit=tree.street_a, account=account, campaign=campaign)
    key = system.issue_key()
    system.save()
    return system, key


def test_an_open311_round_trip(client, platform, tree, cast):
    system, key = platform
    lights = category()
    services = client.get("/open311/v2/services.json", {"api_key": key})
    assert services.status_code == 200
    listed = {s["service_code"]: s for s in services.json()}
    assert listed[lights.code]["service_name"] == lights.name and listed[lights.code]["metadata"] is False

    posted = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": lights.code,
            "description": "幸福路口路灯不亮已一周",
            "address_id": tree.grid_a1.code,
            "first_name": "秀兰",
            "last_name": "张",
            "phone": "13700001234",
        },
    )
    assert posted.status_code == 201, posted.content
    [answer] = posted.json()
    g = Grievance.objects.get(pk=int(answer["service_request_id"]))
    assert (g.source, g.unit, g.registered_by, g.reporter_name) == ("12345", tree.grid_a1, system.account, "张秀兰")
    assert answer["service_notice"].startswith("已受理")

    status = client.get(f"/open311/v2/requests/{g.pk}.json", {"api_key": key}).json()
    assert [(s["service_request_id"], s["status"], s["service_code"]) for s in status] == [
        (str(g.pk), "open", lights.code)
    ]
    assert "13700001234" not in str(status) and "张秀兰" not in str(status)

    # Answered in the ledger: the platform reads it back as closed, with the result.
    run(cast.office, g, "assign", handling_unit=tree.community_a.pk)
    run(cast.office, g, "explain", result="路灯属供电公司产权，已转告并解释")
    [after] = client.get(f"/open311/v2/requests/{g.pk}.json", {"api_key": key}).json()
    assert after["status"] == "closed" and "已转告并解释" in after["status_notes"]
    assert after["agency_responsible"] == tree.community_a.name
    listing = client.get("/open311/v2/requests.json", {"api_key": key, "status": "closed"}).json()
    assert [r["service_request_id"] for r in listing] == [str(g.pk)]


def test_the_key_is_stored_hashed_and_a_wrong_key_gets_nothing(client, platform):
    system, key = platform
    assert key not in (system.key_hash, system.key_prefix) and len(system.key_hash) == 64
    for bad in ("", "zf_nope_x", key[:-1] + ("A" if key[-1] != "A" else "B")):
        r = client.get("/open311/v2/requests.json", {"api_key": bad})
        assert r.status_code == 401 and r.json()[0]["code"] == 401
    system.is_active = False
    system.save()
    assert client.get("/open311/v2/services.json", {"api_key": key}).status_code == 401


def test_a_system_reads_and_writes_only_its_own_unit(client, platform, tree, cast, campaign):
    _system, key = platform
    elsewhere = run(cast.admin, lighting_entry(actor=cast.admin, unit=tree.grid_c1, campaign=campaign), "review")
    r = client.get(f"/open311/v2/requests/{elsewhere.pk}.json", {"api_key": key})
    missing = client.get("/open311/v2/requests/999999.json", {"api_key": key})
    assert (r.status_code, r.json()) == (missing.status_code, missing.json()) == (404, missing.json())
    assert client.get("/open311/v2/requests.json", {"api_key": key}).json() == []
    before = Grievance.objects.count()
    body = {"api_key": key, "service_code": category().code, "description": "越界提交", "address_id": tree.grid_c1.code}
    r = client.post("/open311/v2/requests.json", body)
    assert r.status_code == 400 and "address_id" in r.json()[0]["description"]
    r = client.post("/open311/v2/requests.json", {**body, "address_id": "", "service_code": "no-such"})
    assert r.status_code == 400 and "service_code" in r.json()[0]["description"]
    assert Grievance.objects.count() == before
