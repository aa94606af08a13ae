"""Bad filters on the foundation API get a clear 400, never a server error."""


def test_org_units_filtered_by_a_parent_id_too_big_for_a_key_is_a_chinese_400(cast, tree, api):
    r = api(cast.office).get("/api/org-units/", {"parent": "22508405792433016832"})
    assert r.status_code == 400
    assert r.json()["code"] == "invalid" and "parent" in r.json()["errors"]
