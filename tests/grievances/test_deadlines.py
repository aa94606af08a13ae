"""Deadlines in working days: holidays, make-up workdays, tiers, extension, reopen, backdating."""

from datetime import datetime

import pytest

from campaigns.calendar import SHANGHAI, schedule_changed
from campaigns.errors import NotAllowed
from campaigns.models import CalendarDay
from grievances.models import Grievance
from grievances.services import InvalidTransition

from .factories import GrievanceFactory, category, local, run


def eod(y, m, d):
    return datetime(y, m, d, 23, 59, 59, tzinfo=SHANGHAI)


def test_plan_and_resolution_skip_the_2026_national_day_holiday_and_count_the_makeup_saturday(cast, tree, campaign):
    # Mon 28 Sep 2026: Oct 1-7 off, Sat Oct 10 is a make-up workday.
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=local(2026, 9, 28))
    assert g.plan_due_at == eod(2026, 10, 10)
    assert g.due_at == eod(2026, 10, 23)


def test_deadlines_skip_the_2026_spring_festival_and_count_both_makeup_saturdays(cast, tree, campaign):
    # Fri 13 Feb 2026: Sat 14 Feb works, 15-23 Feb off, Sat 28 Feb works.
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=local(2026, 2, 13))
    assert g.plan_due_at == eod(2026, 2, 27)
    assert g.due_at == eod(2026, 3, 12)


def test_on_spot_entries_have_no_plan_deadline_and_are_due_the_same_day(cast, tree, campaign):
    g = GrievanceFactory(actor=cast.cadre, unit=tree.grid_a1, campaign=campaign, tier="on_spot")
    assert g.plan_due_at is None
    assert g.due_at.astimezone(SHANGHAI).date() == g.registered_at.astimezone(SHANGHAI).date()


def test_tier_change_recomputes_from_the_original_registration(cast, tree, campaign, time_machine):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=local(2026, 9, 28))
    time_machine.move_to(local(2026, 10, 20))
    g = run(cast.office, g, "set_tier", tier="major")
    assert g.due_at == eod(2026, 11, 13)
    g = run(cast.office, g, "set_tier", tier="critical")
    assert g.due_at == eod(2026, 12, 25)
    assert g.plan_due_at == eod(2026, 10, 10)


def test_extension_is_approved_by_the_level_above_at_most_once(cast, tree, campaign):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=local(2026, 9, 28))
    run(cast.office, g, "assign", handling_unit=tree.department)
    g = run(cast.handler, g, "request_extension", note="需多部门会商", days=5)
    assert g.due_at == eod(2026, 10, 23)  # unchanged until approved
    g = run(cast.leader, g, "approve_extension")
    assert (g.extension_state, g.extension_days, g.due_at) == ("approved", 5, eod(2026, 10, 30))
    with pytest.raises(InvalidTransition):
        run(cast.handler, g, "request_extension", note="再延一次", days=5)


def test_extension_cannot_be_approved_by_the_requesting_level(cast, tree, campaign):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=local(2026, 9, 28))
    run(cast.office, g, "assign", handling_unit=tree.community_a)
    run(cast.office, g, "request_extension", note="需协调", days=3)
    # street_a's office is the level above community_a: allowed; the cadre of community_a is not.
    with pytest.raises(NotAllowed):
        run(cast.cadre, g, "approve_extension")
    assert run(cast.office, g, "approve_extension").extension_days == 3


def test_reopen_gives_a_fresh_deadline_counted_from_the_reopen_day(cast, tree, campaign, time_machine):
    from django.core.files.uploadedfile import SimpleUploadedFile

    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=local(2026, 9, 28))
    run(cast.office, g, "assign", handling_unit=tree.community_a)
    run(
        cast.office,
        g,
        "resolve",
        result="已修复",
        evidence=SimpleUploadedFile("a.jpg", b"\xff\xd8\xff\xe0 photo of the repair"),
    )
    run(cast.cadre, g, "follow_up", satisfaction="not_satisfied")
    time_machine.move_to(local(2026, 11, 2, 10))
    g = run(cast.office, g, "reopen", note="群众不满意")
    assert g.status == "assigned" and g.satisfaction == ""
    assert g.plan_due_at == eod(2026, 11, 9)
    assert g.due_at == eod(2026, 11, 23)
    assert g.registered_at == local(2026, 9, 28)


def test_office_staff_may_backdate_but_cadres_may_not(cast, tree, campaign, api):
    body = {"content": "路灯不亮", "category": category().pk, "kind": "problem", "source": "letter", "tier": "general"}
    r = api(cast.cadre).post("/api/grievances/", {**body, "registered_at": "2026-09-28T09:00:00+08:00"}, format="json")
    assert r.status_code == 403
    r = api(cast.office).post("/api/grievances/", {**body, "registered_at": "2026-09-28T09:00:00+08:00"}, format="json")
    assert r.status_code == 201
    data = r.json()
    assert set(data) >= {
        "id",
        "status",
        "tier",
        "registered_at",
        "plan_due_at",
        "due_at",
        "overdue",
        "handling_unit",
        "version",
    }
    assert data["plan_due_at"] == "2026-10-10T23:59:59+08:00"
    assert data["due_at"] == "2026-10-23T23:59:59+08:00"


def test_every_entry_shows_remaining_working_days_and_overdue_for_plan_and_resolution(
    cast, tree, campaign, api, time_machine
):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=local(2026, 9, 28))
    time_machine.move_to(local(2026, 10, 9, 10))  # Fri: plan due Sat 10th (make-up), resolution 23rd
    row = api(cast.office).get(f"/api/grievances/{g.pk}/").json()
    assert (row["plan_remaining_days"], row["plan_overdue"]) == (1, False)
    assert (row["remaining_days"], row["overdue"]) == (11, False)
    time_machine.move_to(local(2026, 10, 26, 10))
    row = api(cast.office).get(f"/api/grievances/{g.pk}/").json()
    assert row["plan_overdue"] is True and row["overdue"] is True
    assert row["remaining_days"] == -1
    listed = api(cast.office).get("/api/grievances/?overdue=1").json()
    assert [r["id"] for r in listed["results"]] == [g.pk]


def test_loading_a_new_holiday_recomputes_open_entries_of_that_year(cast, tree, campaign):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=local(2026, 9, 28))
    done = GrievanceFactory(
        actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=local(2026, 9, 28), tier="on_spot"
    )
    run(cast.cadre, done, "solve_on_spot", result="当场解决")
    before_done = Grievance.objects.get(pk=done.pk).due_at
    CalendarDay.objects.create(date=local(2026, 10, 12).date(), is_workday=False, name="临时放假")
    schedule_changed.send(sender=CalendarDay, years={2026})
    g.refresh_from_db()
    assert g.due_at == eod(2026, 10, 26)
    assert Grievance.objects.get(pk=done.pk).due_at == before_done


def test_due_this_week_lists_running_entries_due_by_sunday(cast, tree, campaign, api, time_machine):
    soon = GrievanceFactory(
        actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=local(2026, 9, 28)
    )  # due Fri 23 Oct
    GrievanceFactory(
        actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=local(2026, 10, 12)
    )  # due 2 Nov
    time_machine.move_to(local(2026, 10, 19, 10))  # Monday of that week
    rows = api(cast.office).get("/api/grievances/?due_this_week=1").json()["results"]
    assert [r["id"] for r in rows] == [soon.pk]


def test_deadlines_follow_the_campaigns_own_tier_rows_everywhere(cast, tree, campaign):
    # This campaign gives a plan 3 working days and a general problem 10.
    campaign.tiers.filter(code="plan").update(working_days=3)
    campaign.tiers.filter(code="general").update(working_days=10)
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=local(2026, 9, 28))
    assert (g.plan_due_at, g.due_at) == (eod(2026, 10, 8), eod(2026, 10, 16))
    campaign.tiers.filter(code="major").update(working_days=20)
    g = run(cast.office, g, "set_tier", tier="major")
    assert g.due_at == eod(2026, 10, 30)
    CalendarDay.objects.create(date=local(2026, 10, 12).date(), is_workday=False, name="临时放假")
    schedule_changed.send(sender=CalendarDay, years={2026})
    g.refresh_from_db()
    assert (g.plan_due_at, g.due_at) == (eod(2026, 10, 8), eod(2026, 11, 2))
