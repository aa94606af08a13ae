"""An entry is routed (assigned, transferred, bulk-assigned) only to a unit of its own district:
one of the district's departments, or a unit on the entry's own line that the office sees. Never
another district's department, through the API, the page or the bulk action."""

from grievances.models import Grievance, GrievanceEvent
from tests.twofactor import verified

from .factories import GrievanceFactory, other_district, run

MESSAGE = "所选责任单位不存在或不在本区可交办的范围内"


def _state(*entries):
    return [
        (g.handling_unit_id, g.status, g.version)
        for g in Grievance.objects.filter(pk__in=[e.pk for e in entries]).order_by("pk")
    ], GrievanceEvent.objects.count()


def test_assigning_to_another_districts_department_through_the_api_is_refused(cast, tree, campaign, api):
    other = other_district()
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    before = _state(g)
    for who in (cast.office, cast.admin):
        r = api(who).post(
            f"/api/grievances/{g.pk}/transitions/",
            {"name": "assign", "handling_unit": other.department.pk},
            format="json",
        )
        assert r.status_code == 400
        assert r.json()["errors"] == {"handling_unit": [MESSAGE]}
        assert _state(g) == before


def test_assigning_to_another_districts_department_through_the_page_is_refused(cast, tree, campaign, client):
    other = other_district()
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    before = _state(g)
    client.force_login(cast.office)
    r = client.post(
        f"/grievances/{g.pk}/transition/",
        {"name": "assign", "handling_unit": other.department.pk, "version": g.version},
    )
    assert r.status_code == 400
    assert MESSAGE in r.content.decode()
    assert _state(g) == before


def test_bulk_assigning_to_another_districts_department_is_refused_for_all(cast, tree, campaign, client):
    other = other_district()
    a = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, content="甲")
    b = GrievanceFactory(actor=cast.office, unit=tree.grid_a2, campaign=campaign, content="乙")
    before = _state(a, b)
    client.force_login(cast.office)
    r = client.post("/grievances/bulk/", {"ids": [a.pk, b.pk], "name": "assign", "handling_unit": other.department.pk})
    assert r.status_code == 400
    assert MESSAGE in r.content.decode()
    assert _state(a, b) == before
    # The superuser's picker spans every district; the service still holds each entry to its own.
    verified(client, cast.admin)
    r = client.post("/grievances/bulk/", {"ids": [a.pk, b.pk], "name": "assign", "handling_unit": other.department.pk})
    assert r.status_code == 400 and MESSAGE in r.content.decode()
    assert _state(a, b) == before


def test_a_department_cannot_transfer_to_another_districts_department(cast, tree, campaign, api):
    other = other_district()
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    run(cast.office, g, "assign", handling_unit=tree.department)
    before = _state(g)
    r = api(cast.handler).post(
        f"/api/grievances/{g.pk}/transitions/",
        {"name": "transfer", "handling_unit": other.department.pk, "note": "属邻区职责"},
        format="json",
    )
    assert r.status_code == 400
    assert r.json()["errors"] == {"handling_unit": [MESSAGE]}
    assert _state(g) == before


def test_an_office_cannot_route_to_a_territorial_unit_it_does_not_see(cast, tree, campaign, api):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    for unit in (tree.grid_c1, tree.district):
        r = api(cast.office).post(
            f"/api/grievances/{g.pk}/transitions/", {"name": "assign", "handling_unit": unit.pk}, format="json"
        )
        assert r.status_code == 400, unit
        assert r.json()["errors"] == {"handling_unit": [MESSAGE]}


def test_the_pickers_offer_only_units_of_the_district(cast, tree, campaign, client):
    other = other_district()
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    client.force_login(cast.office)
    detail = client.get(f"/grievances/{g.pk}/").content.decode()
    picker = detail[detail.index('id="assign-handling_unit"') :].split("</select>")[0]
    assert tree.department.name in picker and tree.community_a.name in picker
    assert other.department.name not in picker and tree.community_c.name not in picker
    ledger = client.get("/grievances/").content.decode()
    bulk = ledger[ledger.index('aria-label="责任单位"') :].split("</select>")[0]
    assert tree.department.name in bulk
    assert other.department.name not in bulk and tree.community_c.name not in bulk


def test_an_office_routes_within_its_district_as_before(cast, tree, campaign, api):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    r = api(cast.office).post(
        f"/api/grievances/{g.pk}/transitions/", {"name": "assign", "handling_unit": tree.department.pk}, format="json"
    )
    assert r.status_code == 200, r.json()
    assert r.json()["handling_unit"] == tree.department.pk


def test_a_handling_unit_sent_along_with_another_transition_is_refused_not_ignored(cast, tree, campaign, api):
    other = other_district()
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    before = _state(g)
    r = api(cast.office).post(
        f"/api/grievances/{g.pk}/transitions/", {"name": "review", "handling_unit": other.department.pk}, format="json"
    )
    assert r.status_code == 400
    assert r.json()["errors"] == {"handling_unit": ["“审核通过”不需要此项"]}
    assert _state(g) == before
