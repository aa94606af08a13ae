"""The leader dashboard: same figures as the API, drill-down links, a fixed number of queries."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.grievances.factories import GrievanceFactory
from tests.visits.factories import HouseholdFactory, VisitFactory


def _get(client, campaign, unit):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/reports/", {"campaign": campaign.pk, "org_unit": unit.pk})
    return response, len(ctx.captured_queries)


def test_dashboard_shows_coverage_chart_and_drills_down_with_fixed_queries(client, cast, tree, campaign):
    client.force_login(cast.leader)
    hs = HouseholdFactory.create_batch(2, grid=tree.grid_a1)
    VisitFactory(campaign=campaign, household=hs[0], visitor=cast.cadre)
    GrievanceFactory(campaign=campaign, unit=tree.grid_a1, status="assigned")
    client.get("/")  # the session's first save after the login (then once a minute) is not the page's
    response, few = _get(client, campaign, tree.district)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html and "各单位农户走访覆盖率" in html and "台账办理漏斗" in html
    assert f"org_unit={tree.street_a.pk}" in html  # drill-down link to the street
    # Much more data, in more units: the same number of queries.
    for grid, visitor in ((tree.grid_a2, cast.cadre), (tree.grid_b1, cast.office), (tree.grid_c1, cast.cadre_c)):
        for h in HouseholdFactory.create_batch(5, grid=grid):
            VisitFactory(campaign=campaign, household=h, visitor=visitor)
        for _ in range(3):
            GrievanceFactory(campaign=campaign, unit=grid, status="closed", is_typical=True)
    _response, many = _get(client, campaign, tree.district)
    assert many == few
    drill = client.get("/reports/", {"campaign": campaign.pk, "org_unit": tree.community_a.pk})
    assert "幸福社区一网格" in drill.content.decode()


def test_dashboard_numbers_equal_the_api_numbers(client, api, cast, tree, campaign):
    HouseholdFactory.create_batch(3, grid=tree.grid_c1)
    GrievanceFactory(campaign=campaign, unit=tree.grid_c1, status="assigned")
    client.force_login(cast.office_b)
    page = client.get("/reports/", {"campaign": campaign.pk, "org_unit": tree.street_b.pk})
    body = api(cast.office_b).get("/api/stats/", {"campaign": campaign.pk, "org_unit": tree.street_b.pk}).json()
    assert page.context["f"]["households_total"] == body["households_total"] == 3
    assert page.context["f"]["grievances_total"] == body["grievances_total"] == 1


def test_dashboard_outside_the_subtree_is_404(client, cast, tree, campaign):
    client.force_login(cast.office_b)
    assert client.get("/reports/", {"campaign": campaign.pk, "org_unit": tree.street_a.pk}).status_code == 404
    client.force_login(cast.cadre)
    assert client.get("/reports/").status_code == 404


def test_a_large_unit_picker_lists_the_way_to_the_unit_and_its_children(client, cast, tree, campaign, monkeypatch):
    """Over UNIT_PICKER_MAX units in scope (a city's 20,000) the picker offers the top units, the
    chosen unit's ancestors, itself and its children; any unit in scope is still accepted."""
    import re

    from reports import forms

    monkeypatch.setattr(forms, "UNIT_PICKER_MAX", 2)
    client.force_login(cast.leader)
    html = client.get("/reports/", {"campaign": campaign.pk, "org_unit": tree.street_a.pk}).content.decode()
    picker = re.search(r'<select name="org_unit".*?</select>', html, re.S).group(0)
    offered = {int(v) for v in re.findall(r'value="(\d+)"', picker)}
    assert {tree.district.pk, tree.street_a.pk, tree.community_a.pk} <= offered
    assert tree.grid_a1.pk not in offered and tree.street_b.pk not in offered
    # A grid deep below: shown with its whole way up, and its figures served.
    page = client.get("/reports/", {"campaign": campaign.pk, "org_unit": tree.grid_a1.pk})
    assert page.status_code == 200 and page.context["f"]["org_unit"]["id"] == tree.grid_a1.pk
    offered = {int(v) for v in re.findall(r'value="(\d+)"', page.content.decode().split('name="org_unit"')[1])}
    assert {tree.district.pk, tree.street_a.pk, tree.community_a.pk, tree.grid_a1.pk} <= offered
