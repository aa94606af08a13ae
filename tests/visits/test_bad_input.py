"""Bad query-string ids on the visits API get a clear Chinese 400, never a server error."""

import pytest

from visits.models import Assignment

from .factories import HouseholdFactory


@pytest.mark.parametrize("url", ["/api/households/", "/api/coverage/"])
@pytest.mark.parametrize("param", ["unit", "campaign"])
@pytest.mark.parametrize("value", ["null", "false", "１２", "99999999999999999999"])
def test_a_non_numeric_unit_or_campaign_filter_is_a_chinese_400(cast, campaign, api, url, param, value):
    r = api(cast.office).get(url, {param: value})
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "invalid"
    assert "应为正整数" in body["detail"]
    assert param in body["errors"]


def test_a_unit_filter_outside_the_scope_is_not_found(cast, tree, campaign, api):
    r = api(cast.office).get("/api/households/", {"unit": tree.community_c.pk})
    assert r.status_code == 404


def test_bulk_assignment_with_a_household_id_too_big_is_a_chinese_400_and_assigns_nothing(cast, tree, campaign, api):
    home = HouseholdFactory(grid=tree.grid_a1)
    body = {"campaign": campaign.pk, "households": [home.pk, 99999999999999999999999], "visitor": cast.cadre.pk}
    r = api(cast.office).post("/api/assignments/bulk/", body, format="json")
    assert r.status_code == 400
    assert r.json()["code"] == "invalid" and "households" in r.json()["errors"]
    assert not Assignment.objects.exists()


def test_a_mine_flag_that_is_neither_yes_nor_no_is_a_chinese_400(cast, campaign, api):
    r = api(cast.cadre).get("/api/assignments/", {"mine": "maybe"})
    assert r.status_code == 400
    assert r.json()["code"] == "invalid" and "mine" in r.json()["errors"]


def test_the_coverage_page_for_a_unit_that_is_not_an_id_is_not_found(cast, campaign, client):
    client.force_login(cast.office)
    for value in ("null", "１２", "99999999999999999999"):
        assert client.get("/visits/coverage/", {"unit": value}).status_code == 404, value
