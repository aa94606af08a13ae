"""A new ledger entry is filed only where its author works: a campaign they see whose territory
contains the entry's unit, a territorial unit (never a department), a household in reach. Every
refusal is a 400 with the Chinese message on the field, and nothing is written."""

from campaigns.models import Role
from grievances.models import Grievance, GrievanceEvent
from tests.factories import UserFactory, make_campaign, member
from tests.twofactor import verified
from tests.visits.factories import HouseholdFactory

from .factories import category, other_district

OUT_OF_SCOPE = "所选对象不存在或不在您的管辖范围内"


def _body(**kw):
    return {"content": "小区门口的路灯坏了", "category": category().pk, "kind": "problem", "tier": "general", **kw}


def _nothing_written():
    return not Grievance.objects.exists() and not GrievanceEvent.objects.exists()


def test_cadre_filing_under_a_campaign_of_another_district_through_the_api_is_refused(cast, tree, campaign, api):
    other = other_district()
    r = api(cast.cadre).post("/api/grievances/", _body(campaign=other.campaign.pk, unit=tree.grid_a1.pk), format="json")
    assert r.status_code == 400
    assert r.json()["code"] == "invalid"
    assert r.json()["errors"] == {"campaign": [OUT_OF_SCOPE]}
    assert _nothing_written()


def test_cadre_filing_under_a_campaign_of_another_district_through_the_page_is_refused(cast, tree, campaign, client):
    other = other_district()
    client.force_login(cast.cadre)
    r = client.post("/grievances/new/", _body(campaign=other.campaign.pk, unit=tree.grid_a1.pk, source="visit"))
    assert r.status_code == 400
    assert r.context["form"].errors["campaign"] == [OUT_OF_SCOPE]
    assert OUT_OF_SCOPE in r.content.decode()
    assert _nothing_written()


def test_the_campaign_picker_on_the_page_lists_only_campaigns_the_cadre_sees(cast, tree, campaign, client):
    other = other_district()
    client.force_login(cast.cadre)
    page = client.get("/grievances/new/").content.decode()
    assert campaign.name in page
    assert other.campaign.name not in page


def test_a_campaign_whose_territory_does_not_contain_the_unit_is_refused(cast, tree, campaign, api, client):
    street_campaign = make_campaign(tree.street_b, name="西城街道专项走访")
    district_office = member(UserFactory(username="t_office_d", full_name="蒋主任"), tree.district, Role.OFFICE)
    message = "所选活动的区域不包含该问题的所属单位"
    body = _body(campaign=street_campaign.pk, unit=tree.grid_a1.pk)
    r = api(district_office).post("/api/grievances/", body, format="json")
    assert r.status_code == 400
    assert r.json()["errors"] == {"campaign": [message]}
    client.force_login(district_office)
    r = client.post("/grievances/new/", {**body, "source": "visit"})
    assert r.status_code == 400
    assert r.context["form"].errors["campaign"] == [message]
    assert _nothing_written()


def test_an_entry_cannot_be_filed_on_a_department(cast, tree, campaign, api, client):
    r = api(cast.admin).post("/api/grievances/", _body(unit=tree.department.pk), format="json")
    assert r.status_code == 400
    assert r.json()["errors"] == {"unit": [OUT_OF_SCOPE]}
    verified(client, cast.admin)
    r = client.post("/grievances/new/", _body(unit=tree.department.pk, source="visit"))
    assert r.status_code == 400
    assert r.context["form"].errors["unit"]
    assert tree.department.name not in r.content.decode()  # not offered in the unit picker either
    assert _nothing_written()


def test_a_unit_or_household_of_another_street_is_refused(cast, tree, campaign, api, client):
    elsewhere = HouseholdFactory(grid=tree.grid_c1, head_name="刘大爷")
    for body, field in ((_body(unit=tree.grid_c1.pk), "unit"), (_body(household=elsewhere.pk), "household")):
        r = api(cast.cadre).post("/api/grievances/", body, format="json")
        assert r.status_code == 400, body
        assert r.json()["errors"] == {field: [OUT_OF_SCOPE]}
    client.force_login(cast.cadre)
    r = client.post("/grievances/new/", _body(unit=tree.grid_c1.pk, source="visit"))
    assert r.status_code == 400
    assert r.context["form"].errors["unit"] == [OUT_OF_SCOPE]
    assert _nothing_written()


def test_a_leader_or_inspector_holds_no_role_to_register_entries(cast, tree, campaign, api):
    for who in (cast.leader, cast.inspector, cast.handler):
        r = api(who).post("/api/grievances/", _body(unit=tree.grid_a1.pk), format="json")
        assert r.status_code == 400
        assert r.json()["errors"] == {"unit": [OUT_OF_SCOPE]}
    assert _nothing_written()


def test_the_cadre_still_files_in_their_own_community_under_the_district_campaign(cast, tree, campaign, api):
    r = api(cast.cadre).post("/api/grievances/", _body(campaign=campaign.pk, unit=tree.grid_a2.pk), format="json")
    assert r.status_code == 201, r.json()
    g = Grievance.objects.get()
    assert (g.campaign, g.unit, g.registered_by) == (campaign, tree.grid_a2, cast.cadre)
