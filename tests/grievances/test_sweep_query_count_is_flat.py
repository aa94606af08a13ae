"""The deadline sweep is set-based: it runs as many SQL statements for many entries as for few,
at every stage (reminder, warning, 督办, 催办, 通报, listing, 超时未签收), first run and again."""

from grievances.models import DeadlineSettings, NoticeLog
from grievances.sweep import sweep_deadlines
from notifications.models import ChannelSettings, Notification

from .factories import at, due_on, lighting_entry

DAYS = ("2026-10-09", "2026-10-20", "2026-10-21", "2026-11-30")  # overdue 7 days, today, soon, later


def _entries(tree, cast, campaign, copies):
    for _ in range(copies):
        for day in DAYS:
            g = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=at("2026-09-01"))
            # Routed and not signed for in time; the case owner is told of the 督办 and 通报.
            due_on(
                g,
                day,
                handling_unit=tree.community_a,
                case_owner=cast.leader,
                dispatched_by=cast.office,
                sign_for_due_at=at("2026-09-02"),
                status="assigned",
            )


def _statements(now):
    first = sweep_deadlines(now=now)
    again = sweep_deadlines(now=now)
    assert again.counts["notifications"] == 0
    return first, again


def test_the_number_of_statements_does_not_depend_on_the_number_of_entries(tree, cast, campaign):
    DeadlineSettings.load(), ChannelSettings.load()  # created on first use: not part of the count
    now = at("2026-10-20")
    _entries(tree, cast, campaign, 1)
    few, few_again = _statements(now)
    NoticeLog.objects.all().delete()
    Notification.objects.all().delete()
    _entries(tree, cast, campaign, 4)  # five times as many entries
    many, many_again = _statements(now)

    assert many.counts["notifications"] == 5 * few.counts["notifications"] > 0
    for kind in ("reminder", "warning", "supervision", "listed", "urge", "bulletin", "unsigned"):
        assert many.counts[kind] == 5 * few.counts[kind] > 0, kind
    assert many.queries == few.queries
    assert many_again.queries == few_again.queries
