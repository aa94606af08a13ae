"""Reminders, due-day warnings and supervision notices land on the right working days."""

from django.core.management import call_command

from grievances.models import NoticeLog
from grievances.sweep import sweep_deadlines
from notifications.models import Notification

from .factories import at, due_on, lighting_entry


def kinds(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def sweep(day, hour=9):
    call_command("sweep_deadlines", "--now", at(day, hour).isoformat())


def test_plan_deadline_notices_skip_national_day_holiday(tree, cast, campaign, api):
    # Registered Thu 24 Sep 2026: 5 working days skip the Mid-autumn/National Day holiday → Fri 9 Oct.
    g = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=at("2026-09-24"))
    g.handling_unit, g.case_owner = tree.department, cast.leader
    g.save(update_fields=["handling_unit", "case_owner"])
    assert g.plan_due_at.date().isoformat() == "2026-10-09"

    sweep("2026-09-29")  # Sep 30, Oct 8, Oct 9 remain: three working days, no reminder yet
    assert kinds(cast.handler) == []
    sweep("2026-09-30")  # two working days before (the holiday week does not count)
    assert kinds(cast.handler) == ["reminder"]
    sweep("2026-10-05")  # during the holiday nothing new
    sweep("2026-10-09")  # the due day
    assert kinds(cast.handler) == ["reminder", "warning"]
    assert kinds(cast.leader) == []
    sweep("2026-10-10")  # Saturday make-up workday, the day after: overdue → 督办 to the unit and the case owner
    assert kinds(cast.handler) == ["reminder", "supervision", "warning"]
    assert kinds(cast.leader) == ["supervision"]

    # Overdue by 5 working days (Oct 10, 12, 13, 14, 15) → on the upper level's supervision list.
    sweep("2026-10-14")
    assert api(cast.leader).get("/api/supervision-list/").json()["count"] == 0
    sweep("2026-10-15")
    listed = api(cast.leader).get("/api/supervision-list/").json()
    assert [row["grievance"] for row in listed["results"]] == [g.pk]
    assert listed["results"][0]["deadline"] == "plan"
    assert api(cast.office_b).get("/api/supervision-list/").json()["count"] == 0  # another street: not theirs


def test_reminder_falls_on_a_make_up_sunday(tree, cast, campaign):
    # Due Tue 22 Sep 2026. Sun 20 Sep is a make-up workday: two working days before is that Sunday.
    g = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=at("2026-09-01"))
    due_on(g, "2026-09-22")
    sweep("2026-09-19")
    assert kinds(cast.cadre) == []
    sweep("2026-09-20")
    assert kinds(cast.cadre) == ["reminder"]


def test_territorial_entry_notifies_community_staff_and_street_office_when_overdue(tree, cast, campaign):
    g = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=at("2026-09-01"))
    due_on(g, "2026-10-09")
    sweep("2026-10-09")
    assert kinds(cast.cadre) == ["warning"]
    assert kinds(cast.office) == []
    run = sweep_deadlines(now=at("2026-10-12"))
    assert run.counts["supervision"] == 1
    # Overdue, and a working day after the deadline day (Sat 10 Oct is a make-up workday): 催办 too.
    assert kinds(cast.cadre) == ["supervision", "urge", "warning"]
    assert kinds(cast.office) == ["supervision"]  # the parent unit's office
    assert kinds(cast.office_b) == []
    notice = Notification.objects.get(recipient=cast.office)
    assert notice.grievance_id == g.pk and "督办" in notice.title


def test_answered_and_closed_entries_get_no_notices(tree, cast, campaign):
    from grievances.models import Status

    from .factories import set_status

    done = due_on(
        lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=at("2026-09-01")),
        "2026-10-09",
    )
    set_status(done, Status.RESOLVED)
    closed = due_on(
        lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=at("2026-09-01")),
        "2026-10-09",
    )
    set_status(closed, Status.CLOSED)
    sweep("2026-10-20")
    assert NoticeLog.objects.count() == 0
    assert Notification.objects.count() == 0
