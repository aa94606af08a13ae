"""A sweep after a gap (beat down for days) sends only the latest notice that applies."""

from grievances.models import NoticeLog
from grievances.sweep import sweep_deadlines
from notifications.models import Notification

from .factories import at, due_on, lighting_entry


def test_first_sweep_after_a_gap_sends_supervision_not_stale_reminders(tree, cast, campaign):
    late = due_on(
        lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=at("2026-09-01")),
        "2026-10-09",
    )
    soon = due_on(
        lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=at("2026-09-01")),
        "2026-10-21",
    )
    later = due_on(
        lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=at("2026-09-01")),
        "2026-11-30",
    )

    # Nothing ran since September; the first run is on Tue 20 Oct.
    run = sweep_deadlines(now=at("2026-10-20"))

    by_entry = {
        g: sorted(NoticeLog.objects.filter(grievance_id=g).values_list("kind", flat=True))
        for g in (late.pk, soon.pk, later.pk)
    }
    # Overdue 7 working days: no reminder, no warning; the 催办 and the 通报 (1 + 5 working days on).
    assert by_entry[late.pk] == ["bulletin", "listed", "supervision", "urge"]
    assert by_entry[soon.pk] == ["reminder"]  # one working day left
    assert by_entry[later.pk] == []
    assert sorted(Notification.objects.filter(recipient=cast.cadre).values_list("kind", flat=True)) == [
        "reminder",
        "supervision",
        "urge",  # the 通报 goes to the level above, not to the unit's staff
    ]
    assert run.counts["reminder"] == 1 and run.counts["supervision"] == 1 and run.counts["listed"] == 1

    # The next days only add what is new: the warning on the due day, then supervision and, the
    # working day after the deadline day, the 催办.
    sweep_deadlines(now=at("2026-10-21"))
    sweep_deadlines(now=at("2026-10-22"))
    assert sorted(NoticeLog.objects.filter(grievance=soon).values_list("kind", flat=True)) == [
        "reminder",
        "supervision",
        "urge",
        "warning",
    ]


def test_an_extended_deadline_is_watched_again(tree, cast, campaign):
    g = due_on(
        lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=at("2026-09-01")),
        "2026-10-09",
    )
    sweep_deadlines(now=at("2026-10-09"))
    due_on(g, "2026-10-23")  # extended (延期) by the workflow
    sweep_deadlines(now=at("2026-10-23"))
    assert sorted(NoticeLog.objects.filter(grievance=g).values_list("kind", flat=True)) == ["warning", "warning"]
