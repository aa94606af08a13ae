"""The working-day calendar: 2026 Spring Festival and National Day, make-up days, year boundary."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db.models import DateField, Value

from campaigns import calendar
from campaigns.models import CalendarDay, CalendarYear

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(y, m, d, h=10, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=SH)


def test_official_calendar_is_loaded_after_migrate():
    assert CalendarYear.objects.filter(year=2026, source="official").exists()
    assert CalendarDay.objects.get(date=date(2026, 10, 1)).is_workday is False
    assert CalendarDay.objects.get(date=date(2026, 10, 10)).is_workday is True


def test_plan_deadline_skips_national_day_holiday_and_counts_make_up_saturday():
    # Registered Wed 30 Sep; 1-7 Oct off; Thu 8, Fri 9, Sat 10 (调休上班), Mon 12, Tue 13.
    due = calendar.add_working_days(at(2026, 9, 30), 5)
    assert due.due == datetime(2026, 10, 13, 23, 59, 59, tzinfo=SH)
    assert due.provisional is False


def test_deadline_skips_spring_festival_and_counts_both_make_up_saturdays():
    # Fri 13 Feb; Sat 14 Feb is a workday; 15-23 Feb off; then 24, 25, 26, 27.
    assert calendar.add_working_days(at(2026, 2, 13), 5).due.date() == date(2026, 2, 27)
    # Thu 26 Feb: Fri 27 and Sat 28 (调休上班).
    assert calendar.add_working_days(at(2026, 2, 26), 2).due.date() == date(2026, 2, 28)


def test_registration_day_is_not_counted_and_deadline_is_end_of_day():
    due = calendar.add_working_days(at(2026, 3, 2, 8, 0), 1)  # Monday
    assert due.due == datetime(2026, 3, 3, 23, 59, 59, tzinfo=SH)


def test_on_spot_deadline_is_the_same_day():
    assert calendar.add_working_days(at(2026, 3, 2), 0).due == datetime(2026, 3, 2, 23, 59, 59, tzinfo=SH)


def test_day_is_taken_in_shanghai_not_utc():
    # 16:30 UTC on Thu 12 Feb is already Fri 13 Feb 00:30 in Shanghai; the next working day
    # is the make-up Saturday 14 Feb.
    start = datetime(2026, 2, 12, 16, 30, tzinfo=ZoneInfo("UTC"))
    assert calendar.add_working_days(start, 1).due.date() == date(2026, 2, 14)


def test_fifteen_and_sixty_working_days_across_national_day():
    # Mon 21 Sep: 22-24 (3); Fri 25 Sep 中秋 off; 28-30 (6); 1-7 Oct off; 8, 9, Sat 10 (9);
    # 12-16 (14); Mon 19 Oct (15).
    assert calendar.add_working_days(at(2026, 9, 21), 15).due.date() == date(2026, 10, 19)
    due = calendar.add_working_days(at(2026, 9, 1), 60)
    assert calendar.working_days_between(date(2026, 9, 1), due.due.date()).working_days == 60


def test_working_days_between_counts_start_exclusive_end_inclusive():
    span = calendar.working_days_between(date(2026, 9, 30), date(2026, 10, 13))
    assert span.working_days == 5 and span.provisional is False
    assert calendar.working_days_between(date(2026, 10, 13), date(2026, 9, 30)).working_days == -5
    assert calendar.working_days_between(date(2026, 10, 1), date(2026, 10, 7)).working_days == 0


def test_year_without_schedule_counts_monday_to_friday_and_is_provisional():
    # Wed 30 Dec 2026: Thu 31, then 2027 (not yet published): Fri 1 Jan counts, Mon 4, Tue 5, Wed 6.
    due = calendar.add_working_days(at(2026, 12, 30), 5)
    assert due.due.date() == date(2027, 1, 6)
    assert due.provisional is True
    assert calendar.working_days_between(date(2026, 12, 30), date(2027, 1, 6)).provisional is True


def _without_2027_schedule():
    # Whatever the installed package knows, 2027 is a year without a known schedule here.
    CalendarDay.objects.filter(date__year=2027).delete()
    CalendarYear.objects.filter(year=2027).delete()


def _sql_counts(a, b):
    """The SQL count of (a, b] with each end given as a date and as a field of the query."""
    return (
        CalendarYear.objects.filter(year=2026)
        .annotate(a=Value(a, output_field=DateField()), b=Value(b, output_field=DateField()))
        .annotate(
            dates=calendar.working_days_between_expr(a, b),
            fields=calendar.working_days_between_expr("a", "b"),
            from_date=calendar.working_days_between_expr(a, "b"),
            to_date=calendar.working_days_between_expr("a", b),
        )
        .values_list("dates", "fields", "from_date", "to_date")
        .get()
    )


def test_sql_count_agrees_with_python_across_national_day_and_a_year_without_schedule():
    _without_2027_schedule()
    days = [
        date(2026, 9, 25),  # Fri, 中秋 off
        date(2026, 9, 30),
        date(2026, 10, 1),  # National Day
        date(2026, 10, 4),  # a Sunday inside the holiday
        date(2026, 10, 8),
        date(2026, 10, 10),  # make-up Saturday
        date(2026, 12, 31),
        date(2027, 1, 1),  # Fri: no schedule yet, so a working day
        date(2027, 1, 2),
        date(2027, 1, 4),
        date(2027, 2, 10),
        date(2027, 2, 15),
    ]
    for a in days:
        for b in days:
            python = calendar.working_days_between(a, b).working_days
            assert _sql_counts(a, b) == (python,) * 4, (a, b)
    assert calendar.working_days_between(date(2026, 12, 31), date(2027, 1, 4)) == calendar.Span(2, True)
    assert _sql_counts(date(2026, 12, 31), date(2027, 1, 4)) == (2, 2, 2, 2)
    assert _sql_counts(date(2026, 9, 30), date(2026, 10, 10)) == (3, 3, 3, 3)  # 8, 9, Sat 10 Oct


def test_sql_count_is_null_when_an_end_is_null():
    row = (
        CalendarYear.objects.filter(year=2026)
        .annotate(b=Value(None, output_field=DateField()))
        .annotate(n=calendar.working_days_between_expr(date(2026, 9, 30), "b"))
        .values_list("n", flat=True)
        .get()
    )
    assert row is None


def test_loading_a_schedule_later_makes_results_final_and_announces_the_change():
    received = []

    def listener(sender, years, **kwargs):
        received.append(years)

    calendar.schedule_changed.connect(listener)
    try:
        CalendarDay.objects.create(date=date(2027, 1, 1), is_workday=False, name="元旦", source="admin")
        CalendarYear.objects.create(year=2027, source="admin")
        due = calendar.add_working_days(at(2026, 12, 30), 5)
        assert due.due.date() == date(2027, 1, 7)
        assert due.provisional is False
        # Reloading the official package is idempotent: nothing changes, nothing announced.
        assert calendar.load_official_calendar() == set()
    finally:
        calendar.schedule_changed.disconnect(listener)
    assert received == []


def test_load_calendar_command_restores_a_deleted_official_year(django_capture_on_commit_callbacks):
    from django.core.management import call_command

    CalendarDay.objects.filter(date__year=2026).delete()
    assert calendar.add_working_days(at(2026, 9, 30), 5).due.date() == date(2026, 10, 7)
    received = []
    calendar.schedule_changed.connect(lambda sender, years, **kw: received.append(years), weak=False)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_calendar", "--year", "2026")
    assert calendar.add_working_days(at(2026, 9, 30), 5).due.date() == date(2026, 10, 13)
    assert {2026} in received


class TestCalendarApi:
    def test_due_endpoint_answers_in_shanghai_time(self, api, cast):
        r = api(cast.cadre).get("/api/calendar/due/", {"start": "2026-09-30T10:00:00+08:00", "days": 5})
        assert r.status_code == 200
        assert r.json() == {"due": "2026-10-13T23:59:59+08:00", "provisional": False}

    def test_working_days_endpoint(self, api, cast):
        r = api(cast.cadre).get("/api/calendar/working-days/", {"start": "2026-09-30", "end": "2026-10-13"})
        assert r.json() == {"working_days": 5, "provisional": False}

    def test_provisional_flag_in_api(self, api, cast):
        r = api(cast.cadre).get("/api/calendar/due/", {"start": "2026-12-30T10:00:00+08:00", "days": 5})
        assert r.json()["provisional"] is True

    @pytest.mark.parametrize(
        "path,params",
        [
            ("/api/calendar/due/", {"start": "not-a-date", "days": 5}),
            ("/api/calendar/due/", {"start": "2026-09-30T10:00:00+08:00", "days": -1}),
            ("/api/calendar/due/", {"start": "2026-09-30T10:00:00+08:00"}),
            ("/api/calendar/working-days/", {"start": "2026-09-30"}),
            ("/api/calendar/working-days/", {"start": "2026-13-01", "end": "2026-10-01"}),
        ],
    )
    def test_bad_parameters_get_400_with_a_chinese_message(self, api, cast, path, params):
        r = api(cast.cadre).get(path, params)
        assert r.status_code == 400
        body = r.json()
        assert body["code"] == "invalid"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"])

    def test_anonymous_gets_401(self, api, db):
        r = api().get("/api/calendar/due/", {"start": "2026-09-30T10:00:00+08:00", "days": 5})
        assert r.status_code == 401
