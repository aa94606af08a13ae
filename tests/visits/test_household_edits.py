"""Registering and editing households (rule "edit"): office staff and admins of the grid. A
household outside the scope is a 404; visible but not theirs to edit, a 403; a grid outside the
scope reads like an unknown code, in the API and in a roster. Nothing is written."""

from visits.models import Household

from .factories import HouseholdFactory, id_number, roster_xlsx
from .test_roster_import import upload


def state():
    return sorted(Household.objects.values_list("id", "grid_id", "head_name", "phone"))


def test_another_streets_office_cannot_edit_a_household(api, cast, tree):
    h = HouseholdFactory(grid=tree.grid_a1)
    before = state()
    url = f"/api/households/{h.pk}/"
    assert api(cast.office_b).put(url, {"head_name": "改名"}, format="json").status_code == 404
    assert api(cast.office_b).patch(url, {"head_name": "改名"}, format="json").status_code == 404
    assert api(cast.cadre).put(url, {"head_name": "改名"}, format="json").status_code == 403
    assert api(cast.leader).put(url, {"head_name": "改名"}, format="json").status_code == 403
    assert state() == before


def test_an_office_cannot_move_a_household_to_another_streets_grid(api, cast, tree):
    h = HouseholdFactory(grid=tree.grid_a1)
    before = state()
    response = api(cast.office).put(f"/api/households/{h.pk}/", {"grid": tree.grid_c1.code}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"grid": ["网格编码不存在或不在您的管辖范围内"]}
    assert state() == before


def test_an_unknown_focus_category_is_refused(api, cast, tree):
    body = {"grid": tree.grid_a1.code, "head_name": "赵六", "address": "锦绣路9号", "categories": ["外星人"]}
    response = api(cast.office).post("/api/households/", body, format="json")
    assert response.status_code == 400 and response.json()["errors"] == {"categories": ["重点类别“外星人”不存在"]}
    assert not Household.objects.exists()


def test_an_office_edits_its_own_household(api, cast, tree):
    h = HouseholdFactory(grid=tree.grid_a1)
    response = api(cast.office).patch(f"/api/households/{h.pk}/", {"phone": "13912345678"}, format="json")
    assert response.status_code == 200 and response.json()["phone"] == "139****5678"
    h.refresh_from_db()
    assert h.phone == "13912345678"


def register(api, user, grid, n):
    body = {"grid": getattr(grid, "code", grid), "head_name": "赵六", "address": "锦绣路9号", "id_number": id_number(n)}
    return api(user).post("/api/households/", body, format="json")


def test_a_grid_code_outside_the_scope_reads_like_an_unknown_one(api, cast, tree):
    for code in (tree.grid_c1.code, "T99-NOWHERE"):
        response = register(api, cast.office, code, 10)
        assert response.status_code == 400
        assert response.json()["errors"] == {"grid": ["网格编码不存在或不在您的管辖范围内"]}
        rows = [["赵六", id_number(10), "", "锦绣路9号", code, "", "", "", ""]]
        job = upload(api, cast.office, roster_xlsx(rows)).json()["id"]
        errors = api(cast.office).get(f"/api/households/import/{job}/").json()["errors"]
        assert errors == [{"row": 2, "column": "所属网格", "message": f"网格编码“{code}”不存在或不在您的管辖范围内"}]
    assert not Household.objects.exists()


def test_a_cadre_who_can_see_the_grid_is_refused_as_such(api, cast, tree):
    response = register(api, cast.cadre, tree.grid_a1, 11)
    assert response.status_code == 403
    assert response.json()["detail"] == "只有本辖区活动办工作人员可以登记或修改农户"
    assert not Household.objects.exists()
