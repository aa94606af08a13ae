"""Remaining working days come from SQL and agree with the calendar, across holidays and make-up days."""

from datetime import timedelta

from campaigns import calendar
from campaigns.models import CalendarDay, CalendarYear
from grievances import selectors
from grievances.models import Grievance

from .factories import GrievanceFactory, local


def test_sql_remaining_days_match_the_calendar_around_national_day_and_spring_festival(
    cast, tree, campaign, time_machine
):
    starts = [local(2026, 1, 26) + timedelta(days=i) for i in range(0, 40, 3)]
    starts += [local(2026, 9, 14) + timedelta(days=i) for i in range(0, 40, 3)]
    for start in starts:
        GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=start)
    for today in (local(2026, 2, 13, 10), local(2026, 2, 20, 10), local(2026, 9, 30, 10), local(2026, 10, 10, 10)):
        time_machine.move_to(today)
        rows = selectors.annotate_deadlines(Grievance.objects.all())
        for g in rows:
            assert g.remaining_days == calendar.remaining_working_days(g.due_at), (today, g.due_at)
            assert g.plan_remaining_days == calendar.remaining_working_days(g.plan_due_at), (today, g.plan_due_at)


def test_on_spot_entries_have_no_plan_remaining_days(cast, tree, campaign):
    GrievanceFactory(actor=cast.cadre, unit=tree.grid_a1, campaign=campaign, tier="on_spot")
    g = selectors.annotate_deadlines(Grievance.objects.all()).get()
    assert g.plan_remaining_days is None and g.remaining_days == 0


def test_sql_remaining_days_match_the_calendar_into_a_year_without_schedule(cast, tree, campaign, time_machine):
    # Whatever the installed package knows, 2027 has no known schedule here: Monday–Friday.
    CalendarDay.objects.filter(date__year=2027).delete()
    CalendarYear.objects.filter(year=2027).delete()
    time_machine.move_to(local(2027, 1, 25, 10))  # entries backdated by the office
    starts = [local(2026, 12, 7) + timedelta(days=i) for i in range(0, 30, 2)]
    for start in starts:
        GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=start)
    assert Grievance.objects.filter(deadline_provisional=True).exists()
    for today in (local(2026, 12, 18, 10), local(2026, 12, 31, 10), local(2027, 1, 1, 10), local(2027, 1, 20, 10)):
        time_machine.move_to(today)
        for g in selectors.annotate_deadlines(Grievance.objects.all()):
            assert g.remaining_days == calendar.remaining_working_days(g.due_at), (today, g.due_at)
            assert g.plan_remaining_days == calendar.remaining_working_days(g.plan_due_at), (today, g.plan_due_at)
