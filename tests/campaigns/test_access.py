"""The access matrix: each role × inside/outside its subtree × list/detail, for org units and campaigns."""

import pytest

from campaigns.models import Level
from tests.factories import make_campaign

pytestmark = pytest.mark.django_db


def ids(response):
    return {row["id"] for row in response.json()["results"]}


def test_cadre_lists_only_their_community_subtree(api, cast, tree):
    r = api(cast.cadre).get("/api/org-units/")
    assert ids(r) == {tree.community_a.pk, tree.grid_a1.pk, tree.grid_a2.pk}


def test_office_of_a_street_lists_the_street_subtree(api, cast, tree):
    r = api(cast.office).get("/api/org-units/", {"page_size": 100})
    assert ids(r) == {
        tree.street_a.pk,
        tree.community_a.pk,
        tree.community_b.pk,
        tree.grid_a1.pk,
        tree.grid_a2.pk,
        tree.grid_b1.pk,
    }


def test_leader_of_the_district_sees_everything_below_it(api, cast, tree):
    r = api(cast.leader).get("/api/org-units/", {"page_size": 100})
    assert r.json()["count"] == 11


def test_handler_sees_only_their_functional_unit(api, cast, tree):
    r = api(cast.handler).get("/api/org-units/")
    assert ids(r) == {tree.department.pk}


def test_level_filter_and_fixed_point_fields(api, cast, tree):
    r = api(cast.leader).get("/api/org-units/", {"level": "grid"})
    rows = r.json()["results"]
    assert {row["level"] for row in rows} == {"grid"}
    assert set(rows[0]) >= {"id", "code", "name", "parent", "level"}
    dept = api(cast.leader).get("/api/org-units/", {"level": "department"}).json()["results"]
    assert [d["code"] for d in dept] == ["T01-EDU"]
    assert dept[0]["parent"] == tree.district.pk


@pytest.mark.parametrize("who", ["cadre", "cadre_c", "office_b", "handler", "outsider"])
def test_org_unit_outside_scope_is_404(api, cast, tree, who):
    target = tree.grid_b1 if who != "office_b" else tree.community_a
    if who == "cadre_c":
        target = tree.grid_a1
    r = api(getattr(cast, who)).get(f"/api/org-units/{target.pk}/")
    assert r.status_code == 404
    assert r.json() == {"code": "not_found", "detail": "未找到"}


def test_org_unit_inside_scope_is_visible(api, cast, tree):
    assert api(cast.cadre).get(f"/api/org-units/{tree.grid_a1.pk}/").status_code == 200
    assert api(cast.office).get(f"/api/org-units/{tree.grid_b1.pk}/").status_code == 200


def test_cadre_sees_the_district_campaign_they_work_in(api, cast, campaign):
    r = api(cast.cadre).get(f"/api/campaigns/{campaign.pk}/")
    assert r.status_code == 200
    body = r.json()
    assert len(body["checklist"]) == 9
    assert [p["kind"] for p in body["phases"]] == ["organise", "visiting", "rectification", "lookback", "summary"]
    assert {t["code"]: t["working_days"] for t in body["tiers"]} == {
        "on_spot": 0,
        "plan": 5,
        "general": 15,
        "major": 30,
        "critical": 60,
    }
    assert body["phase"] == "visiting"
    assert body["min_visit_minutes"] == 30


def test_cadre_gets_404_for_a_campaign_of_another_street(api, cast, tree):
    other = make_campaign(tree.street_b, name="西城街道专项走访")
    assert api(cast.cadre).get(f"/api/campaigns/{other.pk}/").status_code == 404
    assert api(cast.cadre_c).get(f"/api/campaigns/{other.pk}/").status_code == 200
    assert other.pk not in ids(api(cast.cadre).get("/api/campaigns/"))


def test_outsider_without_membership_sees_nothing(api, cast, campaign):
    assert api(cast.outsider).get("/api/campaigns/").json()["count"] == 0
    assert api(cast.outsider).get("/api/org-units/").json()["count"] == 0


def test_campaign_page_outside_scope_is_404_in_the_browser(client, cast, tree):
    other = make_campaign(tree.street_b, name="西城街道专项走访")
    client.force_login(cast.cadre)
    assert client.get(f"/campaigns/{other.pk}/").status_code == 404
    client.force_login(cast.cadre_c)
    page = client.get(f"/campaigns/{other.pk}/")
    assert page.status_code == 200
    assert "西城街道专项走访" in page.content.decode()


def test_moving_a_unit_moves_its_whole_subtree(api, cast, tree):
    tree.community_a.parent = tree.street_b
    tree.community_a.save()
    tree.grid_a1.refresh_from_db()
    assert tree.grid_a1.path.startswith(tree.street_b.path)
    assert tree.grid_a1.depth == 3
    # office of street A no longer sees it, office of street B does.
    assert api(cast.office).get(f"/api/org-units/{tree.grid_a1.pk}/").status_code == 404
    assert api(cast.office_b).get(f"/api/org-units/{tree.grid_a1.pk}/").status_code == 200


def test_a_unit_cannot_move_under_its_own_subtree(tree):
    tree.street_a.parent = tree.grid_a1
    with pytest.raises(ValueError):
        tree.street_a.save()
    tree.street_a.refresh_from_db()
    assert tree.street_a.parent == tree.district
    assert tree.street_a.level == Level.STREET


def test_me_lists_roles_and_units(api, cast, tree):
    body = api(cast.office).get("/api/users/me/").json()
    assert body["username"] == "t_office"
    assert body["roles"] == ["office"]
    assert body["memberships"][0]["unit"]["code"] == "T01-S01"
