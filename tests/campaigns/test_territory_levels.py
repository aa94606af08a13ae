"""The territory as the seeds draw it: 3 to 5 levels, households on the lowest one whatever its
depth, each level called by the installation's (or its branch's) own name; scope, coverage,
statistics and scores work at any depth.

Five levels (seeds/003): 浦江区 > 临汾路街道 > 汾西路居民区 > 第一块区 > 1号楼组, 2号楼组
                                            └ 阳曲路居民区 > 第一块区 (households on the 块区)
Three levels (seeds/004, a town on its own): 柳河镇 > 桃园村, 杏花村 > 一组
"""

from types import SimpleNamespace

import pytest

from campaigns.models import Level, LevelName, Role
from reports.models import Violation
from tests.factories import OrgUnitFactory, UserFactory, make_campaign, member
from tests.twofactor import verified
from tests.visits.factories import HouseholdFactory, VisitFactory

pytestmark = pytest.mark.django_db


def unit(code, name, level, parent=None):
    return OrgUnitFactory(code=code, name=name, level=level, parent=parent)


@pytest.fixture
def five():
    t = SimpleNamespace()
    t.district = unit("P5", "浦江区", Level.DISTRICT)
    t.street = unit("P5-S1", "临汾路街道", Level.STREET, t.district)
    t.fenxi = unit("P5-S1-C1", "汾西路居民区", Level.COMMUNITY, t.street)
    t.block_area = unit("P5-S1-C1-G1", "汾西路第一块区", Level.GRID, t.fenxi)
    t.b1 = unit("P5-S1-C1-G1-B1", "1号楼组", Level.BLOCK, t.block_area)
    t.b2 = unit("P5-S1-C1-G1-B2", "2号楼组", Level.BLOCK, t.block_area)
    t.yangqu = unit("P5-S1-C2", "阳曲路居民区", Level.COMMUNITY, t.street)
    t.yq_area = unit("P5-S1-C2-G1", "阳曲路第一块区", Level.GRID, t.yangqu)
    for level, label in (("street", "街镇"), ("community", "居民区"), ("grid", "块区"), ("block", "楼组")):
        LevelName.objects.create(level=level, label=label)
    t.h1 = HouseholdFactory.create_batch(3, grid=t.b1)
    t.h2 = HouseholdFactory.create_batch(2, grid=t.b2)
    t.hy = HouseholdFactory.create_batch(4, grid=t.yq_area)
    t.campaign = make_campaign(t.district, name="浦江区百分百行动")
    t.block_leader = member(UserFactory(username="p5_b1", full_name="楼组长甲"), t.b1, Role.CADRE)
    t.fenxi_office = member(UserFactory(username="p5_fx", full_name="汾西路书记"), t.fenxi, Role.OFFICE)
    t.yangqu_office = member(UserFactory(username="p5_yq", full_name="阳曲路书记"), t.yangqu, Role.OFFICE)
    t.leader = member(UserFactory(username="p5_ld", full_name="区领导"), t.district, Role.LEADER)
    t.inspector = member(UserFactory(username="p5_in", full_name="区督导"), t.district, Role.INSPECTOR)
    t.admin = member(UserFactory(username="p5_admin", full_name="区管理员", is_staff=True), t.district, Role.ADMIN)
    return t


@pytest.fixture
def three():
    t = SimpleNamespace()
    t.town = unit("LH", "柳河镇", Level.STREET)
    t.taoyuan = unit("LH-C1", "桃园村", Level.COMMUNITY, t.town)
    t.xinghua = unit("LH-C2", "杏花村", Level.COMMUNITY, t.town)
    t.ty1 = unit("LH-C1-G1", "桃园村一组", Level.GRID, t.taoyuan)
    t.xh1 = unit("LH-C2-G1", "杏花村一组", Level.GRID, t.xinghua)
    for level, label in (("street", "镇"), ("community", "村"), ("grid", "村民小组")):
        LevelName.objects.create(level=level, label=label, branch=t.town)
    t.hty = HouseholdFactory.create_batch(3, grid=t.ty1)
    t.hxh = HouseholdFactory.create_batch(2, grid=t.xh1)
    t.campaign = make_campaign(t.town, name="柳河镇大走访")
    t.group_cadre = member(UserFactory(username="lh_ty1", full_name="桃园一组组长"), t.ty1, Role.CADRE)
    t.ty_office = member(UserFactory(username="lh_ty", full_name="桃园村书记"), t.taoyuan, Role.OFFICE)
    t.town_leader = member(UserFactory(username="lh_ld", full_name="镇党委书记"), t.town, Role.LEADER)
    return t


def ids(response):
    body = response.json()
    return {r["id"] for r in (body["results"] if isinstance(body, dict) else body)}


# --- scope --------------------------------------------------------------------------------------
def test_five_levels_scope_follows_the_subtree_down_to_the_block(api, five):
    assert ids(api(five.block_leader).get("/api/households/")) == {h.pk for h in five.h1}
    assert api(five.block_leader).get(f"/api/households/{five.h2[0].pk}/").status_code == 404
    assert ids(api(five.fenxi_office).get("/api/households/")) == {h.pk for h in five.h1 + five.h2}
    assert api(five.yangqu_office).get(f"/api/households/{five.h1[0].pk}/").status_code == 404
    assert len(ids(api(five.leader).get("/api/households/"))) == 9


def test_three_levels_scope_follows_the_subtree(api, three):
    assert ids(api(three.group_cadre).get("/api/households/")) == {h.pk for h in three.hty}
    assert ids(api(three.ty_office).get("/api/households/")) == {h.pk for h in three.hty}
    assert api(three.ty_office).get(f"/api/households/{three.hxh[0].pk}/").status_code == 404
    assert ids(api(three.town_leader).get("/api/households/")) == {h.pk for h in three.hty + three.hxh}


def test_households_go_on_the_lowest_level_whatever_its_depth(api, five):
    body = {"grid": five.block_area.code, "head_name": "钱七", "address": "汾西路261弄5号"}
    split = api(five.fenxi_office).post("/api/households/", body, format="json")
    assert split.status_code == 400 and "最低一级" in split.json()["detail"]
    on_block = api(five.fenxi_office).post("/api/households/", {**body, "grid": five.b2.code}, format="json")
    assert on_block.status_code == 201
    on_area = api(five.yangqu_office).post("/api/households/", {**body, "grid": five.yq_area.code}, format="json")
    assert on_area.status_code == 201  # a 块区 not split into 楼组 holds its households itself


# --- coverage and statistics ----------------------------------------------------------------------
def test_five_levels_coverage_and_stats_add_up_at_every_depth(api, five):
    VisitFactory(campaign=five.campaign, household=five.h1[0], visitor=five.block_leader)
    VisitFactory(campaign=five.campaign, household=five.h1[1], visitor=five.block_leader)
    client = api(five.leader)
    cov = client.get("/api/coverage/", {"campaign": five.campaign.pk, "unit": five.block_area.pk}).json()
    rows = {r["unit_name"]: (r["visited"], r["total"]) for r in cov["rows"]}
    assert rows == {"1号楼组": (2, 3), "2号楼组": (0, 2)}
    assert (cov["total"]["visited"], cov["total"]["total"]) == (2, 5)
    cov = client.get("/api/coverage/", {"campaign": five.campaign.pk, "unit": five.street.pk}).json()
    assert {r["unit_name"]: (r["visited"], r["total"]) for r in cov["rows"]} == {
        "汾西路居民区": (2, 5),
        "阳曲路居民区": (0, 4),
    }
    stats = client.get("/api/stats/", {"campaign": five.campaign.pk, "org_unit": five.street.pk}).json()
    assert (stats["households_visited"], stats["households_homes"]) == (2, 9)
    children = {c["name"]: (c["level_name"], c["households_visited"], c["households_homes"]) for c in stats["children"]}
    assert children == {"汾西路居民区": ("居民区", 2, 5), "阳曲路居民区": ("居民区", 0, 4)}
    deep = client.get("/api/stats/", {"campaign": five.campaign.pk, "org_unit": five.block_area.pk}).json()
    assert {c["name"]: (c["level_name"], c["households_homes"]) for c in deep["children"]} == {
        "1号楼组": ("楼组", 3),
        "2号楼组": ("楼组", 2),
    }
    # The block leader's own view: their 楼组 only.
    mine = api(five.block_leader).get("/api/coverage/", {"campaign": five.campaign.pk}).json()
    assert (mine["total"]["visited"], mine["total"]["total"]) == (2, 3)


def test_three_levels_coverage_and_stats(api, three):
    VisitFactory(campaign=three.campaign, household=three.hty[0], visitor=three.group_cadre)
    client = api(three.town_leader)
    cov = client.get("/api/coverage/", {"campaign": three.campaign.pk, "unit": three.town.pk}).json()
    assert {r["unit_name"]: (r["visited"], r["total"]) for r in cov["rows"]} == {"桃园村": (1, 3), "杏花村": (0, 2)}
    stats = client.get("/api/stats/", {"campaign": three.campaign.pk, "org_unit": three.town.pk}).json()
    assert stats["org_unit"]["level_name"] == "镇"
    assert {c["name"]: (c["level_name"], c["households_homes"]) for c in stats["children"]} == {
        "桃园村": ("村", 3),
        "杏花村": ("村", 2),
    }
    assert api(three.ty_office).get(
        "/api/stats/", {"campaign": three.campaign.pk, "org_unit": three.town.pk}
    ).status_code in (
        400,
        404,
    )


# --- scores for towns as well as communities ---------------------------------------------------------
def test_a_block_case_counts_against_its_community_and_its_street(api, five):
    body = {"campaign": five.campaign.pk, "unit": five.b1.pk, "kind": "fake_visit", "evidence": "抽查楼组走访记录造假"}
    assert api(five.inspector).post("/api/violations/", body, format="json").status_code == 201
    street_case = {**body, "unit": five.street.pk, "evidence": "街镇未按时汇总"}
    assert api(five.inspector).post("/api/violations/", street_case, format="json").status_code == 201
    assert set(Violation.objects.values_list("unit__name", flat=True)) == {"汾西路居民区", "临汾路街道"}
    scores = api(five.leader).get("/api/scores/", {"campaign": five.campaign.pk, "org_unit": five.district.pk}).json()
    table = {s["name"]: (s["level_name"], s["confirmed"], s["score"]) for s in scores["results"]}
    assert table == {
        "临汾路街道": ("街镇", 2, 998),
        "汾西路居民区": ("居民区", 1, 999),
        "阳曲路居民区": ("居民区", 0, 1000),
    }


# --- level names in pages and the API ---------------------------------------------------------------
def test_level_names_show_in_the_api(api, three, five):
    units = {u["name"]: u["level_display"] for u in api(three.town_leader).get("/api/org-units/").json()["results"]}
    assert units == {"柳河镇": "镇", "桃园村": "村", "杏花村": "村", "桃园村一组": "村民小组", "杏花村一组": "村民小组"}
    names = api(three.town_leader).get(f"/api/org-units/{three.ty1.pk}/level-names/").json()
    assert {n["level"]: n["name"] for n in names}["grid"] == "村民小组"
    names = api(five.leader).get(f"/api/org-units/{five.b1.pk}/level-names/").json()
    assert {n["level"]: n["name"] for n in names}["grid"] == "块区"
    assert api(five.leader).get(f"/api/org-units/{three.ty1.pk}/level-names/").status_code == 404


def test_level_names_show_in_pages(client, three, five):
    client.force_login(three.town_leader)
    page = client.get("/visits/coverage/", {"campaign": three.campaign.pk, "unit": three.taoyuan.pk}).content.decode()
    assert "<th>村民小组</th>" in page and "桃园村一组" in page
    client.force_login(five.leader)
    page = client.get("/visits/coverage/", {"campaign": five.campaign.pk, "unit": five.block_area.pk}).content.decode()
    assert "<th>楼组</th>" in page and "1号楼组" in page
    dashboard = client.get("/reports/", {"campaign": five.campaign.pk, "org_unit": five.street.pk}).content.decode()
    assert "汾西路居民区" in dashboard and "居民区" in dashboard.split("汾西路居民区", 1)[1][:200]


def test_org_tree_admin_names_each_level_as_its_branch_does(client, three, five):
    verified(client, five.admin)
    page = client.get("/admin/campaigns/orgunit/").content.decode()
    assert "块区" in page and "楼组" in page and "居民区" in page
    assert "柳河镇" not in page  # another tree: outside the administrator's subtree
    client.logout()
    admin = member(UserFactory(username="lh_admin", full_name="镇管理员", is_staff=True), three.town, Role.ADMIN)
    verified(client, admin)
    page = client.get("/admin/campaigns/orgunit/").content.decode()
    assert "村民小组" in page and "块区" not in page


def test_the_tree_refuses_a_sixth_level_and_a_kind_out_of_order(client, five):
    verified(client, five.admin)
    add = "/admin/campaigns/orgunit/add/"
    sixth = {"code": "P5-X", "name": "楼组之下", "level": "block", "parent": five.b1.pk, "is_active": "on"}
    response = client.post(add, sixth)
    assert response.status_code == 200 and "更低的层级" in response.content.decode()
    wrong = {**sixth, "level": "community", "parent": five.block_area.pk}
    assert "更低的层级" in client.post(add, wrong).content.decode()
    fine = {**sixth, "level": "grid", "parent": five.yangqu.pk, "name": "阳曲路第二块区"}
    assert client.post(add, fine).status_code == 302


def test_the_household_pages_name_the_unit_by_its_level(client, five, three):
    client.force_login(five.fenxi_office)
    roster = client.get("/visits/households/").content.decode()
    assert "1号楼组 <small" in roster and ">楼组</small>" in roster
    client.force_login(three.ty_office)
    detail = client.get(f"/visits/households/{three.hty[0].pk}/").content.decode()
    assert "桃园村一组（村民小组）" in detail
