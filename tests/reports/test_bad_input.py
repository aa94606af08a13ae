"""Bad input to the statistics API gets a clear 400, never a server error."""

from reports.models import CardDistribution
from tests.visits.factories import HouseholdFactory


def test_the_excel_tables_refuse_month_zero_of_year_zero(cast, tree, campaign, api):
    r = api(cast.admin).get(
        "/api/stats/excel/", {"campaign": campaign.pk, "org_unit": tree.district.pk, "month": "0000-01"}
    )
    assert r.status_code == 400
    assert r.json()["code"] == "invalid"
    assert "month" in r.json()["errors"]


def test_card_distribution_with_a_household_id_too_big_is_a_chinese_400_and_records_nothing(cast, tree, campaign, api):
    home = HouseholdFactory(grid=tree.grid_a1)
    body = {"campaign": campaign.pk, "households": [home.pk, 99999999999999999999999]}
    r = api(cast.cadre).post("/api/cards/distributions/", body, format="json")
    assert r.status_code == 400
    assert r.json()["code"] == "invalid" and "households" in r.json()["errors"]
    assert not CardDistribution.objects.exists()


def test_the_service_card_pages_read_ids_that_are_not_ids_as_missing(cast, tree, campaign, client):
    client.force_login(cast.office)
    for value in ("null", "１２", "99999999999999999999"):
        page = client.get("/reports/cards/", {"campaign": value, "org_unit": value})
        assert page.status_code == 200 and page.context["unit"] is None, value
        assert page.context["campaign"] == campaign  # the default
        assert client.get("/reports/cards/sheet/", {"campaign": value, "org_unit": value}).status_code == 404
