"""The triage pages: bulk actions, the hardship ledger, routed-to-me and 包案 views, registering."""

from grievances.models import Grievance
from tests.visits.factories import HouseholdFactory

from .factories import GrievanceFactory, category, run


def test_office_bulk_assigns_and_sets_tier_with_one_confirmation(cast, tree, campaign, client):
    a = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, content="甲")
    b = GrievanceFactory(actor=cast.office, unit=tree.grid_a2, campaign=campaign, content="乙")
    client.force_login(cast.office)
    r = client.post("/grievances/bulk/", {"ids": [a.pk, b.pk], "name": "assign", "handling_unit": tree.department.pk})
    assert r.status_code == 302
    assert set(Grievance.objects.values_list("status", "handling_unit")) == {("assigned", tree.department.pk)}
    client.post("/grievances/bulk/", {"ids": [a.pk, b.pk], "name": "set_tier", "tier": "major"})
    assert set(Grievance.objects.values_list("tier", flat=True)) == {"major"}
    page = client.get("/grievances/").content.decode()
    assert 'data-confirm="确定对勾选的条目执行批量操作？"' in page


def test_a_bulk_action_refused_for_one_entry_changes_none(cast, tree, campaign, client):
    a = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, content="甲")
    b = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, content="乙")
    run(cast.office, b, "withdraw", note="撤回")
    client.force_login(cast.office)
    client.post("/grievances/bulk/", {"ids": [a.pk, b.pk], "name": "review"})
    assert Grievance.objects.get(pk=a.pk).status == "registered"


def test_hardship_routed_and_case_owner_views_list_their_entries(cast, tree, campaign, client):
    poor = HouseholdFactory(grid=tree.grid_a1, head_name="困难户老王", is_hardship=True)
    hard = GrievanceFactory(
        actor=cast.office, unit=tree.grid_a1, campaign=campaign, content="困难户的诉求", household=poor
    )
    plain = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, content="普通诉求")
    run(cast.office, plain, "assign", handling_unit=tree.department, case_owner=cast.leader.pk)
    client.force_login(cast.office)
    page = client.get("/grievances/hardship/").content.decode()
    assert "困难户的诉求" in page and "普通诉求" not in page
    client.force_login(cast.handler)
    page = client.get("/grievances/routed/").content.decode()
    assert "普通诉求" in page and "困难户的诉求" not in page
    client.force_login(cast.leader)
    page = client.get("/grievances/owned/").content.decode()
    assert "普通诉求" in page and "困难户的诉求" not in page
    assert client.get(f"/grievances/{hard.pk}/").status_code == 200
    client.force_login(cast.office_b)
    assert client.get(f"/grievances/{hard.pk}/").status_code == 404


def test_a_cadre_registers_an_entry_in_the_browser_and_sees_its_deadlines(cast, tree, campaign, client):
    client.force_login(cast.cadre)
    r = client.post(
        "/grievances/new/",
        {
            "content": "楼道灯坏了",
            "category": category().pk,
            "kind": "problem",
            "source": "visit",
            "tier": "general",
            "unit": tree.grid_a1.pk,
        },
    )
    g = Grievance.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/grievances/{g.pk}/"
    page = client.get(r["Location"]).content.decode()
    assert "剩15个工作日" in page and "剩5个工作日" in page
    assert g.unit == tree.grid_a1 and g.registered_by == cast.cadre
