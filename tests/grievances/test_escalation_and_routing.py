"""Escalation to the parent unit and transfer to a functional unit keep the clock."""

import pytest

from campaigns.errors import InvalidInput
from grievances.models import GrievanceEvent

from .factories import GrievanceFactory, local, run


def test_escalation_passes_the_entry_up_and_keeps_the_deadline(cast, tree, campaign, api):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=local(2026, 9, 28))
    g = run(cast.office, g, "assign", handling_unit=tree.grid_a1)
    due, plan = g.due_at, g.plan_due_at
    r = api(cast.office).post(
        f"/api/grievances/{g.pk}/transitions/", {"name": "escalate", "note": "网格无法解决"}, format="json"
    )
    assert r.status_code == 200
    assert r.json()["handling_unit"] == tree.community_a.pk
    g = run(cast.office, g, "escalate", note="社区协调不了")
    assert g.handling_unit == tree.street_a
    assert (g.due_at, g.plan_due_at, g.status) == (due, plan, "assigned")
    event = GrievanceEvent.objects.filter(grievance=g, action="escalate").latest("id")
    assert event.data == {"from_unit": tree.community_a.pk, "to_unit": tree.street_a.pk}
    assert event.note == "社区协调不了"


def test_escalation_requires_a_reason(cast, tree, campaign, api):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    run(cast.office, g, "assign", handling_unit=tree.community_a)
    r = api(cast.office).post(f"/api/grievances/{g.pk}/transitions/", {"name": "escalate"}, format="json")
    assert r.status_code == 400 and "note" in r.json()["errors"]


def test_transfer_goes_across_to_a_functional_unit_only_and_keeps_the_deadline(cast, tree, campaign):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    run(cast.office, g, "assign", handling_unit=tree.community_a)
    with pytest.raises(InvalidInput):
        run(cast.office, g, "transfer", handling_unit=tree.street_a.pk, note="转街道")
    due = g.due_at
    g = run(cast.office, g, "transfer", handling_unit=tree.department.pk, note="属教育职责")
    assert (g.handling_unit, g.due_at) == (tree.department, due)


def test_the_handling_unit_sees_what_was_routed_to_it_and_the_level_that_resolved_is_recorded(
    cast, tree, campaign, api
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    other = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, content="另一件事")
    assert api(cast.handler).get("/api/grievances/").json()["count"] == 0
    run(cast.office, g, "assign", handling_unit=tree.department)
    listed = api(cast.handler).get("/api/grievances/?routed=1").json()["results"]
    assert [r["id"] for r in listed] == [g.pk]
    g = run(cast.handler, g, "resolve", result="已协调学位", evidence=SimpleUploadedFile("证明.pdf", b"%PDF"))
    assert g.resolved_level == "department"
    assert api(cast.handler).get(f"/api/grievances/{other.pk}/").status_code == 404


def test_assignment_to_a_unit_outside_the_office_subtree_is_refused(cast, tree, campaign):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    with pytest.raises(InvalidInput):
        run(cast.office, g, "assign", handling_unit=tree.community_c.pk)
