"""One record per household, without telling anyone where else an ID number is registered.

The key (ID number, or grid + address + head) is unique in the database. An office that can see
the household it collides with is told it is a duplicate; one that cannot gets a neutral answer,
through the API and in the roster preview alike, and nothing is written.
"""

from visits.models import UNREGISTRABLE, Household

from .factories import HouseholdFactory, id_number, roster_xlsx
from .test_roster_import import upload


def register(api, user, grid, n, **kw):
    body = {"grid": getattr(grid, "code", grid), "head_name": "赵六", "address": "锦绣路9号", "id_number": id_number(n)}
    return api(user).post("/api/households/", {**body, **kw}, format="json")


def snapshot():
    return sorted(Household.objects.values_list("id", "grid_id", "head_name", "id_number", "phone", "address"))


def test_office_is_told_of_a_duplicate_it_can_see(api, cast, tree):
    HouseholdFactory(grid=tree.grid_a2, id_number=id_number(5))
    before = snapshot()
    response = register(api, cast.office, tree.grid_a1, 5)
    assert response.status_code == 409
    assert response.json() == {
        "code": "duplicate_household",
        "detail": "该户已登记（身份证号或网格、地址、户主姓名相同）",
    }
    assert snapshot() == before


def test_an_id_number_registered_outside_the_scope_gets_a_neutral_answer(api, cast, tree):
    HouseholdFactory(grid=tree.grid_c1, id_number=id_number(6))  # another street's
    before = snapshot()
    response = register(api, cast.office, tree.grid_a1, 6)
    assert response.status_code == 409
    assert response.json() == {"code": "cannot_register", "detail": UNREGISTRABLE}
    assert "已登记" not in response.json()["detail"] and "管辖范围以外" not in response.json()["detail"]
    assert snapshot() == before


def test_editing_a_household_onto_an_id_number_held_elsewhere_gets_the_same_answer(api, cast, tree):
    mine = HouseholdFactory(grid=tree.grid_a1)
    HouseholdFactory(grid=tree.grid_c1, id_number=id_number(8))
    before = snapshot()
    response = api(cast.office).put(f"/api/households/{mine.pk}/", {"id_number": id_number(8)}, format="json")
    assert response.status_code == 409 and response.json()["detail"] == UNREGISTRABLE
    assert snapshot() == before


def test_the_roster_preview_gives_the_same_neutral_answer(api, cast, tree):
    HouseholdFactory(grid=tree.grid_c1, id_number=id_number(9))
    rows = [["赵六", id_number(9), "", "锦绣路9号", tree.grid_a1.code, "", "", "", ""]]
    job = upload(api, cast.office, roster_xlsx(rows)).json()["id"]
    errors = api(cast.office).get(f"/api/households/import/{job}/").json()["errors"]
    assert errors == [{"row": 2, "column": "身份证号", "message": UNREGISTRABLE}]
    assert not any("管辖范围以外" in e["message"] or "已登记" in e["message"] for e in errors)
    assert Household.objects.count() == 1
