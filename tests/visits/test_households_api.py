"""/api/households/: fixed-point fields, filters, masking of personal data by role, scope."""

import pytest

from visits.models import AssignmentKind, Household

from .factories import AssignmentFactory, HouseholdFactory, VisitFactory, id_number


@pytest.fixture
def homes(tree, campaign):
    a = HouseholdFactory(grid=tree.grid_a1, categories=["hardship"], id_number=id_number(1), phone="13812345678")
    b = HouseholdFactory(grid=tree.grid_a2, categories=["old_party_member"])
    c = HouseholdFactory(grid=tree.grid_c1)
    return a, b, c


def items(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_items_carry_the_fixed_point_fields(api, cast, homes):
    item = items(api(cast.office).get("/api/households/?grid=T01-S01-C01-G01"))[0]
    assert {"id", "grid", "head_name", "id_number", "phone", "categories"} <= set(item)
    assert item["grid"] == "T01-S01-C01-G01"
    assert item["categories"] == ["困难户"]


def test_office_of_the_subtree_may_reveal_the_whole_id_number_and_phone(api, cast, homes):
    item = items(api(cast.office).get("/api/households/?grid=T01-S01-C01-G01"))[0]
    assert item["id_number"] == id_number(1)[:6] + "********" + id_number(1)[-4:] and item["can_reveal"]
    whole = api(cast.office).post(f"/api/households/{item['id']}/reveal/", {"reason": "handling"}, format="json")
    assert whole.json() == {"id_number": id_number(1), "phone": "13812345678"}


@pytest.mark.parametrize("role", ["leader", "inspector", "cadre"])
def test_roles_that_do_not_need_them_see_masked_values(api, cast, homes, role):
    item = items(api(getattr(cast, role)).get("/api/households/?grid=T01-S01-C01-G01"))[0]
    assert item["id_number"] == id_number(1)[:6] + "********" + id_number(1)[-4:]
    assert item["phone"] == "138****5678"


def test_cadre_assigned_to_the_household_sees_it_whole(api, cast, homes, campaign):
    AssignmentFactory(campaign=campaign, household=homes[0], visitor=cast.cadre, kind=AssignmentKind.GRID)
    rows = {r["id"]: r for r in items(api(cast.cadre).get("/api/households/"))}
    assert rows[homes[0].pk]["phone"] == "138****5678" and rows[homes[0].pk]["can_reveal"]
    assert rows[homes[1].pk]["phone"].count("*") == 4 and not rows[homes[1].pk]["can_reveal"]
    whole = api(cast.cadre).post(f"/api/households/{homes[0].pk}/reveal/", {"reason": "return_visit"}, format="json")
    assert whole.json()["phone"] == "13812345678"


def test_filters_by_org_unit_category_visited_and_assigned_to_me(api, cast, homes, campaign, tree):
    a, b, c = homes
    AssignmentFactory(campaign=campaign, household=b, visitor=cast.office, kind=AssignmentKind.GRID)
    VisitFactory(
        campaign=campaign, household=a, visitor=cast.cadre, visited_at=campaign.created_at, duration_minutes=30
    )
    client = api(cast.admin)
    ids = lambda url: {r["id"] for r in items(client.get(url))}  # noqa: E731
    assert ids(f"/api/households/?unit={tree.community_a.pk}") == {a.pk, b.pk}
    assert ids("/api/households/?category=old_party_member") == {b.pk}
    assert ids("/api/households/?visited=true") == {a.pk}
    assert ids("/api/households/?visited=false") == {b.pk, c.pk}
    assert {r["id"] for r in items(api(cast.office).get("/api/households/?assigned_to_me=true"))} == {b.pk}


def test_cadre_gets_404_for_household_in_another_community(api, cast, homes):
    assert api(cast.cadre).get(f"/api/households/{homes[2].pk}/").status_code == 404
    assert api(cast.cadre).get(f"/api/households/{homes[0].pk}/").status_code == 200
    assert api(cast.outsider).get("/api/households/").json()["results"] == []


def test_office_registers_a_household_with_a_valid_id_number_only(api, cast, tree):
    body = {
        "grid": tree.grid_a1.code,
        "head_name": "赵六",
        "address": "锦绣路9号",
        "id_number": id_number(5)[:-1] + "0",
    }
    if id_number(5).endswith("0"):
        body["id_number"] = id_number(5)[:-1] + "1"
    response = api(cast.office).post("/api/households/", body, format="json")
    assert response.status_code == 400
    assert "校验位" in response.json()["detail"]
    body["id_number"] = id_number(5)
    response = api(cast.office).post("/api/households/", body, format="json")
    assert response.status_code == 201
    assert response.json()["id_number"] == id_number(5)[:6] + "********" + id_number(5)[-4:]
    assert Household.objects.get(pk=response.json()["id"]).id_number == id_number(5)
    assert (
        api(cast.cadre).post("/api/households/", {**body, "id_number": id_number(6)}, format="json").status_code == 403
    )


def test_hardship_plan_marks_the_household(api, cast, homes):
    url = f"/api/households/{homes[1].pk}/hardship-plan/"
    plan = {
        "situation": "老伴瘫痪在床，儿子残疾",
        "measures": "申请低保，安排居家养老上门服务",
        "responsible": "钱主任",
    }
    assert api(cast.office).put(url, plan, format="json").status_code == 200
    assert api(cast.leader).get(url).json()["measures"] == plan["measures"]
    homes[1].refresh_from_db()
    assert homes[1].is_hardship
    assert api(cast.cadre).put(url, plan, format="json").status_code == 403


def test_household_list_page_masks_for_a_leader(client, cast, homes):
    client.force_login(cast.leader)
    page = client.get("/visits/households/").content.decode()
    assert "138****5678" in page and "13812345678" not in page
    client.force_login(cast.office)  # masked for the office too, with the reveal button
    page = client.get("/visits/households/").content.decode()
    assert "13812345678" not in page and "/reveal/" in page
