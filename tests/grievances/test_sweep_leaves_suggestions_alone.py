"""A suggestion (建议) is decided, not answered against a deadline: the sweep sends no reminder,
warning, 督办, 催办 or 通报 for it and does not put it on the supervision list, whatever its
deadline fields say; a problem with the same deadlines gets them all."""

from grievances.models import Kind, NoticeLog
from grievances.selectors import supervision_list
from grievances.sweep import sweep_deadlines
from notifications.models import Notification

from .factories import at, due_on, lighting_entry


def _entry(tree, cast, campaign, kind, day):
    g = lighting_entry(
        actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=at("2026-09-01"), kind=kind
    )
    return due_on(g, day, handling_unit=tree.community_a, case_owner=cast.leader)


def test_the_sweep_sends_nothing_for_suggestions(tree, cast, campaign):
    problems = [_entry(tree, cast, campaign, Kind.PROBLEM, day) for day in ("2026-10-09", "2026-10-21")]
    suggestions = [_entry(tree, cast, campaign, Kind.SUGGESTION, day) for day in ("2026-10-09", "2026-10-21")]
    # Plan deadline passed too, no plan in: a problem is supervised for it, a suggestion is not.
    for g in (*problems, *suggestions):
        due_on(g, "2026-09-08", plan=True, plan_submitted_at=None)

    sweep_deadlines(now=at("2026-10-20"))

    assert not NoticeLog.objects.filter(grievance__in=suggestions).exists()
    assert not Notification.objects.filter(grievance__in=suggestions).exists()
    late, soon = problems
    assert sorted(NoticeLog.objects.filter(grievance=late, deadline="due").values_list("kind", flat=True)) == [
        "bulletin",
        "listed",
        "supervision",
        "urge",
    ]
    assert list(NoticeLog.objects.filter(grievance=soon, deadline="due").values_list("kind", flat=True)) == ["reminder"]
    assert set(NoticeLog.objects.filter(deadline="plan").values_list("grievance", flat=True)) == {late.pk, soon.pk}
    listed = set(supervision_list(cast.office, now=at("2026-10-20")).values_list("grievance", flat=True))
    assert listed == {late.pk, soon.pk}
