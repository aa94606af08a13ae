"""回访 timing under a campaign's receive-and-answer rules: the look-back of an answered entry is
due the next working day after the answer, and a missed look-back is itself overdue."""

import time_machine

from campaigns.calendar import local_date
from grievances.models import HandlingRules

from .factories import FollowUpFactory, GrievanceFactory, at


def test_the_lookback_is_due_the_next_working_day_after_the_answer(tree, cast, campaign, api):
    HandlingRules.objects.create(campaign=campaign, followup_working_days=1)
    with time_machine.travel(at("2026-11-20", 15), tick=False):  # answered on a Friday
        g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, status="resolved")
        task = FollowUpFactory(grievance=g)
    assert local_date(task.due_at).isoformat() == "2026-11-23"  # Monday
    with time_machine.travel(at("2026-11-24"), tick=False):
        rows = api(cast.office).get("/api/followups/").json()
        rows = rows.get("results", rows)
        assert [r["overdue"] for r in rows if r["id"] == task.pk] == [True]


def test_without_the_rule_the_lookback_phase_decides(tree, cast, campaign):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, status="resolved")
    task = FollowUpFactory(grievance=g)
    assert local_date(task.due_at) > local_date(at("2026-11-19"))
    assert not task.overdue
