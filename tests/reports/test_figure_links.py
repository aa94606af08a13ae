"""A figure opens the list it counts: the ledger by `?figure=` and the unit an entry belongs to, the
household list by kind, focus and visits; a summary started from a unit's dashboard is that unit's."""

import re
from html import unescape

import pytest

from tests.grievances.factories import GrievanceFactory
from tests.visits.factories import HouseholdFactory, VisitFactory, lookback_visit_row
from visits.choices import HouseholdKind


@pytest.fixture
def figures_data(tree, cast, campaign):
    home = HouseholdFactory(grid=tree.grid_a1, kind=HouseholdKind.HOUSEHOLD, categories=("hardship",))
    HouseholdFactory(grid=tree.grid_a1, kind=HouseholdKind.SCHOOL)
    looked_back = HouseholdFactory(grid=tree.grid_a1, kind=HouseholdKind.HOUSEHOLD)
    VisitFactory(campaign=campaign, household=home, visitor=cast.cadre)
    lookback_visit_row(campaign, looked_back, cast.cadre)
    GrievanceFactory(campaign=campaign, unit=tree.grid_a1, status="registered", overdue=True)
    GrievanceFactory(campaign=campaign, unit=tree.grid_a1, status="explained")
    GrievanceFactory(campaign=campaign, unit=tree.grid_c1, status="registered", overdue=True)
    return home


def _link(html, key, unit):
    rows = dict(re.findall(r'<tr data-unit="(\d+)"[^>]*>(.*?)</tr>', html, flags=re.S))
    return unescape(re.search(rf'<a href="([^"]+)" data-figure="{key}">', rows[str(unit.pk)]).group(1))


def test_a_units_overdue_cell_opens_that_units_overdue_entries(client, api, cast, tree, campaign, figures_data):
    client.force_login(cast.leader)
    html = client.get("/reports/", {"campaign": campaign.pk, "org_unit": tree.district.pk}).content.decode()
    href = _link(html, "grievances_overdue", tree.street_a)
    assert href.startswith("/grievances/?") and "figure=grievances_overdue" in href
    page = client.get(href)
    assert page.status_code == 200 and "共 1 条" in page.content.decode()
    body = api(cast.leader).get(href.replace("/grievances/", "/api/grievances/")).json()
    assert body["count"] == 1


def test_the_homes_cell_counts_homes_and_the_visited_cell_ignores_look_back_visits(
    client, api, cast, tree, campaign, figures_data
):
    client.force_login(cast.leader)
    html = client.get("/reports/", {"campaign": campaign.pk, "org_unit": tree.district.pk}).content.decode()
    homes = api(cast.leader).get(_link(html, "households_homes", tree.street_a).replace("/visits/", "/api/"))
    assert homes.json()["count"] == 2
    visited = api(cast.leader).get(_link(html, "households_visited", tree.street_a).replace("/visits/", "/api/"))
    assert [h["id"] for h in visited.json()["results"]] == [figures_data.pk]


def test_the_coverage_page_links_each_cell_to_its_households(client, cast, tree, campaign, figures_data):
    client.force_login(cast.leader)
    html = client.get("/visits/coverage/", {"unit": tree.district.pk}).content.decode()
    page = client.get(_link(html, "focus_households_visited", tree.street_a))
    assert "共 1 户" in page.content.decode()
    page = client.get(_link(html, "targets_total", tree.street_a))
    assert "共 3 户" in page.content.decode()


def test_the_explained_figure_lists_no_entry_of_another_street(api, cast, tree, campaign, figures_data):
    query = {"campaign": campaign.pk, "home_unit": tree.street_b.pk, "figure": "problems_explained"}
    assert api(cast.leader).get("/api/grievances/", query).json()["count"] == 0
    query["home_unit"] = tree.street_a.pk
    assert api(cast.leader).get("/api/grievances/", query).json()["count"] == 1
    # A street's office sees nothing of the other street, whatever the filter names.
    assert api(cast.office).get("/api/grievances/", {**query, "home_unit": tree.street_b.pk}).json()["count"] == 0


def test_a_summary_started_from_a_communitys_dashboard_is_preset_to_that_community(
    client, cast, tree, campaign, figures_data
):
    client.force_login(cast.leader)
    html = client.get("/reports/", {"campaign": campaign.pk, "org_unit": tree.community_a.pk}).content.decode()
    href = unescape(re.search(r'href="([^"]+)">生成总结报告', html).group(1))
    form = client.get(href).content.decode()
    assert re.search(rf'<option value="{tree.community_a.pk}" selected>', form)
