"""Duplicates are suggested on registration; merging keeps every reporter and every history."""

from grievances.models import Grievance, Reporter
from tests.visits.factories import HouseholdFactory

from .factories import GrievanceFactory, category, run

TEXT = "3号楼前的路灯坏了半个多月，晚上出门黑漆漆的，老人都不敢下楼。"


def test_registration_suggests_entries_of_the_same_household_or_with_similar_text(cast, tree, campaign, api):
    h = HouseholdFactory(grid=tree.grid_a1, head_name="陈桂芳")
    same_house = GrievanceFactory(
        actor=cast.office, unit=tree.grid_a1, campaign=campaign, content="孩子上学没有学位", household=h
    )
    similar = GrievanceFactory(actor=cast.office, unit=tree.grid_a2, campaign=campaign, content=TEXT)
    elsewhere = GrievanceFactory(actor=cast.office_b, unit=tree.grid_c1, campaign=campaign, content=TEXT)
    body = {
        "content": "3号楼前路灯坏了半个多月，晚上出门很黑，老人不敢下楼",
        "category": category().pk,
        "household": h.pk,
    }
    r = api(cast.office).post("/api/grievances/", body, format="json")
    assert r.status_code == 201
    ids = [d["id"] for d in r.json()["duplicates"]]
    assert same_house.pk in ids and similar.pk in ids
    assert elsewhere.pk not in ids


def test_merge_keeps_every_reporter_and_every_history_and_merged_entries_follow_the_survivor(cast, tree, campaign, api):
    survivor = GrievanceFactory(
        actor=cast.office, unit=tree.grid_a1, campaign=campaign, content=TEXT, reporter_name="张三"
    )
    a = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, content=TEXT, reporter_name="李四")
    b = GrievanceFactory(actor=cast.office, unit=tree.grid_a2, campaign=campaign, content=TEXT, reporter_name="王五")
    run(cast.office, a, "review", note="核实属实")
    r = api(cast.office).post(f"/api/grievances/{survivor.pk}/merge/", {"sources": [a.pk]}, format="json")
    assert r.status_code == 200
    # b was already merged into another entry, which is itself merged: it follows to the survivor.
    c = GrievanceFactory(actor=cast.office, unit=tree.grid_a2, campaign=campaign, content=TEXT, reporter_name="赵六")
    run(cast.office, b, "merge", into=c.pk)
    api(cast.office).post(f"/api/grievances/{survivor.pk}/merge/", {"sources": [c.pk]}, format="json")
    for source in (a, b, c):
        source.refresh_from_db()
        assert (source.status, source.merged_into_id) == ("merged", survivor.pk)
    names = set(Reporter.objects.filter(grievance=survivor).values_list("name", flat=True))
    assert names == {"张三", "李四", "王五", "赵六"}
    timeline = api(cast.office).get(f"/api/grievances/{survivor.pk}/timeline/").json()
    by_entry = {(e["grievance"], e["action"]) for e in timeline}
    assert {(a.pk, "register"), (a.pk, "review"), (a.pk, "merge"), (b.pk, "register"), (c.pk, "merge")} <= by_entry
    assert (survivor.pk, "merge_in") in by_entry


def test_merge_into_a_closed_entry_or_across_campaigns_is_refused(cast, tree, campaign, api):
    target = GrievanceFactory(actor=cast.cadre, unit=tree.grid_a1, campaign=campaign, content=TEXT)
    run(cast.cadre, target, "solve_on_spot", result="当场解决")
    source = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, content=TEXT)
    r = api(cast.office).post(f"/api/grievances/{target.pk}/merge/", {"sources": [source.pk]}, format="json")
    assert r.status_code == 409
    assert Grievance.objects.get(pk=source.pk).status == "registered"
