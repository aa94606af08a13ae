"""帮扶千千结: /api/pairings/, /api/support-records/, the pairing pages and the coverage figure."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from visits.models import Pairing, SupportRecord

from .factories import HouseholdFactory

START = "2026-11-01"


@pytest.fixture
def homes(tree):
    a = HouseholdFactory(grid=tree.grid_a1, is_hardship=True, head_name="张困难")
    a2 = HouseholdFactory(grid=tree.grid_a2, is_hardship=True)
    plain = HouseholdFactory(grid=tree.grid_a2)
    c = HouseholdFactory(grid=tree.grid_c1, is_hardship=True, head_name="长安困难户")
    return a, a2, plain, c


def _pair(api, user, household, **extra):
    body = {"household": household.pk, "supporter_kind": "branch", "supporter_name": "幸福社区第一党支部"}
    body |= {"goal": "稳定增收", "start_date": START} | extra
    return api(user).post("/api/pairings/", body, format="json")


def test_office_pairs_a_household_of_its_grid(api, cast, homes):
    r = _pair(api, cast.office, homes[0])
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["household"] == homes[0].pk
    assert body["supporter_kind"] == "branch"
    assert body["records_count"] == 0
    assert Pairing.objects.get().created_by == cast.office


def test_supporter_name_defaults_to_the_linked_cadre(api, cast, homes):
    r = _pair(api, cast.office, homes[0], supporter_kind="cadre", supporter_name="", supporter_user=cast.cadre.pk)
    assert r.status_code == 201, r.content
    assert r.json()["supporter_name"] == str(cast.cadre)


@pytest.mark.parametrize("who", ["cadre", "leader", "office_b", "outsider"])
def test_others_cannot_create(api, cast, homes, who):
    r = _pair(api, getattr(cast, who), homes[0])
    assert r.status_code in (400, 403), r.content
    assert not Pairing.objects.exists()


def test_end_before_start_is_refused(api, cast, homes):
    r = _pair(api, cast.office, homes[0], end_date="2026-10-01")
    assert r.status_code == 400
    assert "结束日期" in r.json()["detail"]


def test_scope_outside_is_404_and_cadres_read_in_scope(api, cast, homes):
    pairing = _pair(api, cast.office, homes[0]).json()
    url = f"/api/pairings/{pairing['id']}/"
    assert api(cast.cadre).get(url).status_code == 200
    assert [p["id"] for p in api(cast.cadre).get("/api/pairings/").json()["results"]] == [pairing["id"]]
    for who in ("office_b", "cadre_c", "outsider", "handler"):
        assert api(getattr(cast, who)).get(url).status_code == 404
        assert api(getattr(cast, who)).patch(url, {"goal": "x"}, format="json").status_code == 404
    assert api(cast.cadre).patch(url, {"goal": "x"}, format="json").status_code == 403
    r = api(cast.office).patch(url, {"goal": "就业帮扶"}, format="json")
    assert r.status_code == 200 and r.json()["goal"] == "就业帮扶"


def _png():
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, "PNG")
    return SimpleUploadedFile("证明.png", buf.getvalue(), content_type="image/png")


def test_support_records_with_evidence(api, cast, homes):
    pairing = _pair(api, cast.office, homes[0]).json()
    r = api(cast.office).post(
        "/api/support-records/",
        {"pairing": pairing["id"], "date": "2026-11-10", "kind": "funds", "amount": "500.00", "evidence": _png()},
        format="multipart",
    )
    assert r.status_code == 201, r.content
    record = SupportRecord.objects.get()
    assert record.amount == 500 and record.evidence.name.endswith(".png")
    assert api(cast.office).get(f"/api/pairings/{pairing['id']}/").json()["records_count"] == 1
    assert len(api(cast.cadre).get(f"/api/support-records/?pairing={pairing['id']}").json()["results"]) == 1
    assert api(cast.office_b).get(f"/api/support-records/{record.pk}/").status_code == 404
    # The cadre reads but does not record; a foreign office cannot name the pairing.
    body = {"pairing": pairing["id"], "date": "2026-11-11", "kind": "visit"}
    assert api(cast.cadre).post("/api/support-records/", body, format="json").status_code == 400
    assert api(cast.office_b).post("/api/support-records/", body, format="json").status_code == 400
    assert SupportRecord.objects.count() == 1


def test_evidence_that_is_not_what_it_claims_is_refused(api, cast, homes):
    pairing = _pair(api, cast.office, homes[0]).json()
    fake = SimpleUploadedFile("证明.png", b"MZ\x90\x00 not an image", content_type="image/png")
    r = api(cast.office).post(
        "/api/support-records/",
        {"pairing": pairing["id"], "date": "2026-11-10", "kind": "goods", "evidence": fake},
        format="multipart",
    )
    assert r.status_code == 400
    assert "佐证材料" in r.json()["detail"]
    assert not SupportRecord.objects.exists()


def test_coverage_counts_hardship_households_with_a_running_pairing(api, cast, homes):
    a, a2, _plain, c = homes
    _pair(api, cast.office, a)
    # A pairing that ended before today does not cover its household.
    _pair(api, cast.office, a2, start_date="2026-01-01", end_date="2026-06-30")
    _pair(api, cast.office_b, c)
    assert api(cast.office).get("/api/pairings/coverage/").json() == {"total": 2, "paired": 1, "rate": 50.0}
    assert api(cast.leader).get("/api/pairings/coverage/").json() == {"total": 3, "paired": 2, "rate": 66.7}
    community = api(cast.leader).get(f"/api/pairings/coverage/?org_unit={c.grid.pk}").json()
    assert community == {"total": 1, "paired": 1, "rate": 100.0}


def test_pages_list_create_record_and_household_shows_supporter(client, cast, homes):
    client.force_login(cast.office)
    page = client.get("/visits/pairings/")
    assert page.status_code == 200
    assert "新建结对" in page.content.decode()
    r = client.post(
        "/visits/pairings/",
        {"household": homes[0].pk, "supporter_kind": "enterprise", "supporter_name": "鲁泰纺织", "goal": "安排就业"}
        | {"start_date": START},
    )
    assert r.status_code == 302, r.content.decode()
    p = Pairing.objects.get()
    r = client.post(f"/visits/pairings/{p.pk}/", {"pairing": p.pk, "date": "2026-11-12", "kind": "employment"})
    assert r.status_code == 302
    assert p.records.count() == 1
    assert "鲁泰纺织" in client.get(f"/visits/households/{homes[0].pk}/").content.decode()
    assert 'id="pair-paired">1<' in client.get("/visits/pairings/").content.decode()
    # A foreign household cannot be chosen; the cadre has no form.
    r = client.post("/visits/pairings/", {"household": homes[3].pk, "supporter_kind": "branch"})
    assert r.status_code == 400 and Pairing.objects.count() == 1
    client.force_login(cast.cadre)
    assert "新建结对" not in client.get("/visits/pairings/").content.decode()
    assert client.post(f"/visits/pairings/{p.pk}/", {"date": "2026-11-12", "kind": "visit"}).status_code == 403
    client.force_login(cast.office_b)
    assert client.get(f"/visits/pairings/{p.pk}/").status_code == 404
