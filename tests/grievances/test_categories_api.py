"""The seeded two-level taxonomy is listed at /api/grievance-categories/."""

from grievances import taxonomy


def test_categories_list_the_seeded_two_level_tree_with_id_name_parent(cast, api):
    rows = api(cast.cadre).get("/api/grievance-categories/").json()
    tops = [r for r in rows if r["parent"] is None]
    assert [t["name"] for t in tops] == [c.name for c in taxonomy.categories()]
    by_id = {r["id"]: r for r in rows}
    lights = next(r for r in rows if r["name"] == "路灯照明")
    assert by_id[lights["parent"]]["name"] == "住有宜居（住房与环境）"
    assert {"id", "name", "parent"} <= set(lights)


def test_categories_need_a_signed_in_user(api, db):
    assert api().get("/api/grievance-categories/").status_code in (401, 403)
