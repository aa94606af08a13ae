"""The look-back's assignee records it through the transition table itself: the follow-up, then
the close or reopen its outcome calls for, on the entry whose open task is theirs, and nothing
else. A paired department's cadre, with no role over the entry's unit, is such an assignee."""

from django.core.files.uploadedfile import SimpleUploadedFile

from campaigns.models import Role
from grievances.models import FollowUp, Grievance, Status
from tests.factories import TeamFactory, UserFactory, member
from tests.visits.factories import AssignmentFactory, HouseholdFactory, VisitFactory
from visits.models import AssignmentKind

from .factories import FollowUpFactory, category, run


def _answered(cast, tree, campaign, assignee):
    """An entry `assignee` raised on a visit as a member of the campaign's paired work group,
    resolved by the department: its look-back goes to who visited."""
    TeamFactory(campaign=campaign, unit=tree.department, paired_unit=tree.community_a, members=[assignee])
    home = HouseholdFactory(grid=tree.grid_a1)
    AssignmentFactory(campaign=campaign, household=home, visitor=assignee, kind=AssignmentKind.DEPARTMENT)
    raised = [{"content": "楼前路灯坏了半个多月", "category": category()}]
    visit = VisitFactory(campaign=campaign, household=home, visitor=assignee, grievances=raised)
    g = Grievance.objects.get(visit=visit)
    run(cast.office, g, "assign", handling_unit=tree.department)
    photo = SimpleUploadedFile("现场.jpg", b"\xff\xd8\xff\xe0fake", content_type="image/jpeg")
    run(cast.handler, g, "resolve", result="已修好路灯", evidence=photo)
    fu = FollowUpFactory(grievance=g)
    assert fu.assignee == assignee
    return Grievance.objects.get(pk=g.pk), fu


def _paired_cadre(tree):
    return member(UserFactory(username="t_dept_cadre", full_name="教育局干部"), tree.department, Role.CADRE)


def test_the_assignee_records_a_satisfied_lookback_and_the_entry_closes(cast, tree, campaign, api):
    visitor = _paired_cadre(tree)
    g, fu = _answered(cast, tree, campaign, visitor)
    body = {"mode": "phone", "solved": True, "satisfaction": "satisfied", "notes": "灯已修好"}
    r = api(visitor).post(f"/api/followups/{fu.pk}/record/", body, format="json")
    assert r.status_code == 200, r.json()
    g.refresh_from_db()
    assert (g.status, g.satisfaction) == (Status.CLOSED, "satisfied")
    assert list(g.events.values_list("action", "actor_id"))[-2:] == [("follow_up", visitor.pk), ("close", visitor.pk)]


def test_the_assignee_records_dissatisfaction_and_the_entry_reopens(cast, tree, campaign, api):
    visitor = _paired_cadre(tree)
    g, fu = _answered(cast, tree, campaign, visitor)
    body = {"mode": "in_person", "solved": False, "satisfaction": "not_satisfied", "notes": "灯又坏了"}
    assert api(visitor).post(f"/api/followups/{fu.pk}/record/", body, format="json").status_code == 200
    g.refresh_from_db()
    assert g.status == Status.ASSIGNED and g.reopened_count == 1


def test_the_assignee_may_run_only_the_lookback_steps(cast, tree, campaign, api):
    visitor = _paired_cadre(tree)
    g, fu = _answered(cast, tree, campaign, visitor)
    url = f"/api/grievances/{g.pk}/transitions/"
    assert [o["name"] for o in api(visitor).get(url).json()] == ["follow_up"]
    # Closing needs the follow-up first; reopening needs the person's dissatisfaction.
    assert api(visitor).post(url, {"name": "close"}, format="json").status_code == 409
    r = api(visitor).post(url, {"name": "reopen", "note": "想重新办"}, format="json")
    assert r.status_code == 403
    assert Grievance.objects.get(pk=g.pk).status == Status.RESOLVED


def test_once_the_task_is_recorded_the_assignee_acts_on_the_entry_no_more(cast, tree, campaign, api):
    visitor = _paired_cadre(tree)
    g, fu = _answered(cast, tree, campaign, visitor)
    body = {"mode": "phone", "solved": True, "satisfaction": "basically_satisfied"}
    assert api(visitor).post(f"/api/followups/{fu.pk}/record/", body, format="json").status_code == 200
    r = api(visitor).post(f"/api/grievances/{g.pk}/transitions/", {"name": "reopen", "note": "再办"}, format="json")
    assert r.status_code == 403
    assert Grievance.objects.get(pk=g.pk).status == Status.CLOSED


def test_someone_else_of_the_same_department_cannot_record_it(cast, tree, campaign, api):
    visitor = _paired_cadre(tree)
    stranger = member(UserFactory(username="t_dept_cadre2", full_name="另一干部"), tree.department, Role.CADRE)
    g, fu = _answered(cast, tree, campaign, visitor)
    r = api(stranger).post(
        f"/api/grievances/{g.pk}/transitions/", {"name": "follow_up", "satisfaction": "satisfied"}, format="json"
    )
    # They see the entry (it was routed to their department) but the look-back is not theirs.
    assert r.status_code == 403
    assert Grievance.objects.get(pk=g.pk).status == Status.RESOLVED
    assert FollowUp.objects.get(pk=fu.pk).status == "pending"
