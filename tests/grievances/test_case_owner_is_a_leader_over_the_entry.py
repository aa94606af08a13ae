"""A case owner (包案领导) is a leader whose unit covers the entry's unit: never a leader of another
street or district, whether named through the API or the page; and a case owner from elsewhere
cannot act on the case."""

from django.core.files.uploadedfile import SimpleUploadedFile

from campaigns.models import Role
from grievances.models import Grievance, GrievanceEvent
from tests.factories import UserFactory, member

from .factories import GrievanceFactory, other_district, run

MESSAGE = "包案领导须为该问题所在单位或其上级单位的领导"


def _street_b_leader(tree):
    return member(UserFactory(username="t_leader_b", full_name="卫主任"), tree.street_b, Role.LEADER)


def _state(g):
    g = Grievance.objects.get(pk=g.pk)
    return g.case_owner_id, g.handling_unit_id, g.status, g.version, GrievanceEvent.objects.filter(grievance=g).count()


def test_a_leader_of_another_street_is_refused_as_case_owner_through_the_api(cast, tree, campaign, api):
    other_leader = _street_b_leader(tree)
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    before = _state(g)
    for body in (
        {"name": "set_case_owner", "case_owner": other_leader.pk},
        {"name": "assign", "handling_unit": tree.department.pk, "case_owner": other_leader.pk},
    ):
        r = api(cast.office).post(f"/api/grievances/{g.pk}/transitions/", body, format="json")
        assert r.status_code == 400, body
        assert r.json()["errors"] == {"case_owner": [MESSAGE]}
        assert _state(g) == before


def test_a_leader_of_another_street_is_refused_as_case_owner_through_the_page(cast, tree, campaign, client):
    other_leader = _street_b_leader(tree)
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    before = _state(g)
    client.force_login(cast.office)
    r = client.post(
        f"/grievances/{g.pk}/transition/",
        {"name": "set_case_owner", "case_owner": other_leader.pk, "version": g.version},
    )
    assert r.status_code == 400
    assert MESSAGE in r.content.decode()
    assert _state(g) == before


def test_a_leader_of_another_district_is_refused_as_case_owner(cast, tree, campaign, api):
    other = other_district()
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    r = api(cast.admin).post(
        f"/api/grievances/{g.pk}/transitions/", {"name": "set_case_owner", "case_owner": other.leader.pk}, format="json"
    )
    assert r.status_code == 400
    assert r.json()["errors"] == {"case_owner": [MESSAGE]}
    assert Grievance.objects.get(pk=g.pk).case_owner_id is None


def test_the_page_offers_only_leaders_over_the_entry_as_case_owner(cast, tree, campaign, client):
    other_leader = _street_b_leader(tree)
    street_leader = member(UserFactory(username="t_leader_a", full_name="褚主任"), tree.street_a, Role.LEADER)
    other = other_district()
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    client.force_login(cast.office)
    page = client.get(f"/grievances/{g.pk}/").content.decode()
    picker = page[page.index('id="set_case_owner-case_owner"') :].split("</select>")[0]
    assert cast.leader.full_name in picker and street_leader.full_name in picker
    assert other_leader.full_name not in picker and other.leader.full_name not in picker


def test_a_leader_over_the_entry_becomes_its_case_owner(cast, tree, campaign, api):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    r = api(cast.office).post(
        f"/api/grievances/{g.pk}/transitions/", {"name": "set_case_owner", "case_owner": cast.leader.pk}, format="json"
    )
    assert r.status_code == 200, r.json()
    assert r.json()["case_owner"] == cast.leader.pk


def test_a_case_owner_from_another_district_cannot_resolve_or_explain(cast, tree, campaign, api):
    other = other_district()
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    run(cast.office, g, "assign", handling_unit=tree.department)
    # Named before the rule existed (or by hand in the database): the name alone grants nothing.
    Grievance.objects.filter(pk=g.pk).update(case_owner=other.leader)
    before = _state(g)
    photo = SimpleUploadedFile("现场.jpg", b"\xff\xd8\xff\xe0fake", content_type="image/jpeg")
    for body in (
        {"name": "resolve", "result": "已解决", "evidence": photo},
        {"name": "explain", "result": "政策不允许"},
        {"name": "propose_plan", "proposed_solution": "协调解决"},
    ):
        r = api(other.leader).post(f"/api/grievances/{g.pk}/transitions/", body, format="multipart")
        assert r.status_code == 403, (body["name"], r.json())
        assert r.json()["code"] == "not_allowed"
        assert _state(g) == before
    options = api(other.leader).get(f"/api/grievances/{g.pk}/transitions/").json()
    assert options == []


def test_a_case_owner_over_the_entry_still_acts_on_the_case(cast, tree, campaign, api):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    run(cast.office, g, "assign", handling_unit=tree.department, case_owner=cast.leader.pk)
    r = api(cast.leader).post(
        f"/api/grievances/{g.pk}/transitions/", {"name": "explain", "result": "政策不允许，已当面解释"}, format="json"
    )
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "explained"
