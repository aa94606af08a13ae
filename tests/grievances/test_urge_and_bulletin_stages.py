"""催办 the working day after a deadline passes, to the unit; 通报 five more working days overdue,
to the level above and on its supervision list. Each once per entry and deadline, however often
the sweep runs."""

from grievances.models import NoticeLog
from grievances.sweep import sweep_deadlines
from notifications.models import Notification

from .factories import at, due_on, lighting_entry


def _overdue_entry(tree, cast, campaign, day="2026-11-02"):
    g = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=at("2026-09-01"))
    return due_on(g, day, handling_unit=tree.community_a)


def _kinds(g):
    return sorted(NoticeLog.objects.filter(grievance=g).values_list("kind", flat=True))


def test_urge_then_bulletin_each_once_when_the_sweep_runs_twice(tree, cast, campaign, client):
    g = _overdue_entry(tree, cast, campaign)  # due Mon 2 Nov
    for _ in range(2):
        sweep_deadlines(now=at("2026-11-02", 22))  # due day: the warning, no 催办 yet
    assert "urge" not in _kinds(g)

    for hour in (9, 14):
        sweep_deadlines(now=at("2026-11-03", hour))  # the working day after
    assert _kinds(g).count("urge") == 1 and "bulletin" not in _kinds(g)
    urge = Notification.objects.filter(kind="urge")
    assert list(urge.values_list("recipient", flat=True)) == [cast.cadre.pk]  # the community's staff
    assert "催办" in urge.get().title

    for hour in (9, 14):
        sweep_deadlines(now=at("2026-11-09", hour))  # 1 + 4 working days after: not yet
    assert "bulletin" not in _kinds(g)
    for hour in (9, 14):
        sweep_deadlines(now=at("2026-11-10", hour))  # 1 + 5 working days after: the 通报
    assert _kinds(g).count("bulletin") == 1 and _kinds(g).count("urge") == 1
    bulletin = Notification.objects.filter(kind="bulletin")
    assert sorted(bulletin.values_list("recipient", flat=True)) == [cast.office.pk]  # the street above
    assert "通报" in bulletin.get().title

    client.force_login(cast.office)
    page = client.get("/grievances/ops/supervision/").content.decode()
    assert f"#{g.pk}" in page and "已通报" in page


def test_a_weekend_does_not_bring_the_urge_forward(tree, cast, campaign):
    g = _overdue_entry(tree, cast, campaign, day="2026-11-13")  # Fri 13 Nov
    sweep_deadlines(now=at("2026-11-14"))
    sweep_deadlines(now=at("2026-11-15"))
    assert "urge" not in _kinds(g)
    sweep_deadlines(now=at("2026-11-16"))  # Monday: the first working day after
    assert "urge" in _kinds(g)


def test_a_new_deadline_is_urged_again(tree, cast, campaign):
    g = _overdue_entry(tree, cast, campaign)
    sweep_deadlines(now=at("2026-11-03"))
    due_on(g, "2026-11-10")  # extended by the workflow
    sweep_deadlines(now=at("2026-11-11"))
    assert _kinds(g).count("urge") == 2
