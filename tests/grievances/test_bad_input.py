"""Bad ids and numbers on the ledger API get a clear 4xx, never a server error, and change nothing."""

from grievances.models import Grievance

from .factories import GrievanceFactory, category

TOO_BIG = "36893488147419103231"  # more than any database key can hold


def test_ledger_filter_on_a_unit_that_does_not_exist_is_an_empty_page(cast, campaign, api):
    r = api(cast.admin).get("/api/grievances/", {"unit": 999999})
    assert r.status_code == 200
    assert r.json()["count"] == 0


def test_ledger_filters_with_numbers_too_big_for_a_key_match_nothing(cast, tree, campaign, api):
    GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    for params in ({"unit": TOO_BIG}, {"category": TOO_BIG}, {"case_owner": TOO_BIG}):
        r = api(cast.admin).get("/api/grievances/", params)
        assert r.status_code == 200, params
        assert r.json()["count"] == 0
        assert api(cast.admin).get("/api/grievances/export/", params).status_code == 200


def test_merge_with_a_source_id_too_big_is_refused_in_chinese_and_merges_nothing(cast, tree, campaign, api):
    survivor = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    other = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    r = api(cast.office).post(
        f"/api/grievances/{survivor.pk}/merge/", {"sources": [other.pk, int(TOO_BIG)]}, format="json"
    )
    assert r.status_code == 400
    assert r.json()["code"] == "invalid" and "sources" in r.json()["errors"]
    assert Grievance.objects.get(pk=other.pk).status == other.status


def test_confirming_a_ledger_import_with_a_non_numeric_id_is_not_found(cast, api):
    r = api(cast.office).post("/api/grievances/import/null,null/confirm/")
    assert r.status_code == 404
    assert r.json() == {"code": "not_found", "detail": "未找到"}


def test_switching_the_phase_of_a_non_numeric_campaign_is_not_found_and_keeps_the_phase(cast, campaign, api):
    before = campaign.phase
    r = api(cast.admin).post("/api/campaign-phases/null/switch/", {"phase": "organise"}, format="json")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
    campaign.refresh_from_db()
    assert campaign.phase == before


def test_marking_notifications_read_with_an_id_too_big_is_a_chinese_400(cast, api):
    r = api(cast.cadre).post("/api/notifications/read-all/", {"ids": [1, -197216608993762672115712]}, format="json")
    assert r.status_code == 400
    assert r.json()["code"] == "invalid" and "ids" in r.json()["errors"]


def test_overlong_content_is_refused_and_nothing_is_written(api, cast, tree, campaign):
    body = {
        "content": "路灯坏了" * 600,
        "kind": "problem",
        "category": category().pk,
        "source": "hotline",
        "tier": "general",
    }
    response = api(cast.office).post("/api/grievances/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["content"] == ["反映内容不能超过2000字，详细材料请作为附件上传"]
    assert not Grievance.objects.exists()
