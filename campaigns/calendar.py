"""The official working-day calendar: the only place deadlines are computed.

Rules (DOMAIN.md, Grievance ledger; seeds/002): deadlines count WORKING days in Asia/Shanghai,
knowing statutory holidays and make-up workdays (调休). The registration day itself is not
counted, and a deadline falls at 23:59:59 of the Nth working day. A year without a loaded
schedule counts Monday–Friday and the result is marked provisional; loading the schedule later
sends `schedule_changed` so feature apps recompute their open deadlines.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import (
    Case,
    Expression,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least, Mod
from django.dispatch import Signal
from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)

# Sent with `years` (a set of ints) after days of those years were loaded or edited.
schedule_changed = Signal()


@dataclass(frozen=True)
class Due:
    due: datetime  # aware, Asia/Shanghai, 23:59:59 of the last working day
    provisional: bool


@dataclass(frozen=True)
class Span:
    working_days: int
    provisional: bool


def local_date(value):
    """The Asia/Shanghai calendar date of a datetime (aware or naive-as-local) or a date."""
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            return value.date()
        return value.astimezone(SHANGHAI).date()
    return value


def end_of_day(day):
    return datetime.combine(day, END_OF_DAY, tzinfo=SHANGHAI)


class _Days:
    """Exceptions and loaded years for a date range, fetched in two queries."""

    def __init__(self, first, last):
        from .models import CalendarDay, CalendarYear

        self.exceptions = dict(
            CalendarDay.objects.filter(date__gte=first, date__lte=last).values_list("date", "is_workday")
        )
        self.loaded_years = set(
            CalendarYear.objects.filter(year__gte=first.year, year__lte=last.year).values_list("year", flat=True)
        )

    def is_workday(self, day):
        if day in self.exceptions:
            return self.exceptions[day]
        return day.weekday() < 5

    def provisional(self, first, last):
        return any(y not in self.loaded_years for y in range(first.year, last.year + 1))


def add_working_days(start, n):
    """The deadline N working days after `start` (a datetime or date): 23:59:59 of that day.

    n == 0 means the same local day (即知即办: on the spot).
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    first = local_date(start)
    # Long holidays add at most ~10 days per month; 2n + 30 calendar days is always enough.
    days = _Days(first, first + timedelta(days=2 * n + 30))
    day, counted = first, 0
    while counted < n:
        day += timedelta(days=1)
        if days.is_workday(day):
            counted += 1
    return Due(due=end_of_day(day), provisional=days.provisional(first, day))


def add_working_days_many(pairs):
    """{(start, n): Due} for many (start date, n) pairs, with the calendar read once."""
    pairs = {(local_date(start), n) for start, n in pairs}
    if not pairs:
        return {}
    if any(n < 0 for _s, n in pairs):
        raise ValueError("n must be >= 0")
    first = min(s for s, _n in pairs)
    days = _Days(first, max(s + timedelta(days=2 * n + 30) for s, n in pairs))
    dues = {}
    for start, n in pairs:
        day, counted = start, 0
        while counted < n:
            day += timedelta(days=1)
            if days.is_workday(day):
                counted += 1
        dues[(start, n)] = Due(due=end_of_day(day), provisional=days.provisional(start, day))
    return dues


def subtract_working_days(start, n):
    """The latest date L such that `start` is at least N working days after it
    (working_days_between(L, start) >= n); with n == 0 that is `start` itself.

    Used to ask "overdue by N working days or more?" with one date comparison.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    last = local_date(start)
    days = _Days(last - timedelta(days=2 * n + 30), last)
    day, counted = last, 0
    while counted < n:
        if days.is_workday(day):
            counted += 1
        day -= timedelta(days=1)
    return day


def working_days_between(a, b):
    """Working days d with a < d <= b (negative when b is before a)."""
    a, b = local_date(a), local_date(b)
    if b < a:
        span = working_days_between(b, a)
        return Span(-span.working_days, span.provisional)
    days = _Days(a, b)
    count = sum(1 for i in range(1, (b - a).days + 1) if days.is_workday(a + timedelta(days=i)))
    return Span(count, days.provisional(a, b))


# --- the same count in SQL ------------------------------------------------------------------
# A Monday long ago: weekday(_EPOCH + n) == n % 7, so the weekdays up to a day are arithmetic on
# its number. Dates before it are never counted.
_EPOCH = date(2000, 1, 3)


class _DayNumber(Func):
    """Days from _EPOCH to a date expression, as an integer (PostgreSQL: date - date)."""

    output_field = IntegerField()
    template = "(%(expressions)s - DATE '2000-01-03')"

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="CAST(julianday(%(expressions)s) - julianday('2000-01-03') AS INTEGER)"
        )


def working_days_between_expr(a: date | str, b: date | str) -> Expression:
    """SQL twin of `working_days_between(a, b).working_days`: working days d with a < d <= b,
    negative when b is before a, NULL when either is NULL.

    `a` and `b` are dates or names of date fields (or annotations) of the query it annotates.
    Weekdays are counted on day numbers and corrected by the `CalendarDay` exceptions in between
    (make-up workdays +1, weekday holidays -1), read by one correlated subquery: no Python loop.
    As in Python, the exceptions count in every year, and a year without a known schedule has
    none, so it counts Monday–Friday.
    """
    nulls = [When(**{f"{x}__isnull": True}, then=Value(None)) for x in (a, b) if isinstance(x, str)]
    count = ExpressionWrapper(
        _weekdays_through(b) - _weekdays_through(a) + _exceptions_between(a, b), output_field=IntegerField()
    )
    return Case(*nulls, default=count, output_field=IntegerField()) if nulls else count


def _weekdays_through(day):
    """Weekdays in [_EPOCH, day]: five per full week plus the partial week (folded for a date)."""
    if not isinstance(day, str):
        n = (local_date(day) - _EPOCH).days + 1
        return Value(5 * (n // 7) + min(n % 7, 5))
    n = ExpressionWrapper(_DayNumber(F(day)) + Value(1), output_field=IntegerField())
    return ExpressionWrapper(Value(5) * (n / Value(7)) + Least(Mod(n, Value(7)), Value(5)), output_field=IntegerField())


def _exceptions_between(a, b):
    """The signed sum of calendar exceptions in (a, b], or minus those in (b, a]."""
    from .models import CalendarDay

    a, b = (OuterRef(x) if isinstance(x, str) else local_date(x) for x in (a, b))
    sign = Case(
        When(is_workday=True, date__week_day__in=[1, 7], then=Value(1)),
        When(is_workday=False, date__week_day__in=[2, 3, 4, 5, 6], then=Value(-1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    ahead = Q(date__gt=a, date__lte=b)
    behind = Q(date__gt=b, date__lte=a)
    signed = Case(When(ahead, then=sign), When(behind, then=-sign), default=Value(0), output_field=IntegerField())
    total = (
        CalendarDay.objects.filter(ahead | behind)
        .order_by()
        .annotate(signed=signed)
        .values(total=Func(F("signed"), function="SUM", output_field=IntegerField()))
    )
    return Coalesce(Subquery(total[:1]), Value(0))


def is_working_day(day):
    day = local_date(day)
    return _Days(day, day).is_workday(day)


def remaining_working_days(due, now=None):
    """Working days from today until the deadline's day (0 on the due day, negative once overdue)."""
    now = now or timezone.now()
    return working_days_between(local_date(now), local_date(due)).working_days


@transaction.atomic
def load_official_calendar(years=None):
    """Load the holidays and make-up workdays that `chinesecalendar` knows. Idempotent.

    Days an admin entered for a year are replaced when the official schedule for that year arrives.
    Returns the set of years whose days changed.
    """
    import chinese_calendar

    from .models import CalendarDay, CalendarYear

    holidays = dict(chinese_calendar.holidays)
    workdays = dict(chinese_calendar.workdays)
    known_years = {d.year for d in holidays} | {d.year for d in workdays}
    if years is not None:
        known_years &= set(years)
    changed = set()
    for year in sorted(known_years):
        wanted = {}
        for d, name in holidays.items():
            # Only weekday holidays change the Monday–Friday default; weekend ones are kept
            # too so admins see the whole holiday period.
            if d.year == year:
                wanted[d] = (False, _holiday_name(name))
        for d, name in workdays.items():
            if d.year == year:
                wanted[d] = (True, f"{_holiday_name(name)}调休上班")
        existing = {c.date: c for c in CalendarDay.objects.filter(date__year=year)}
        if {d: (c.is_workday, c.name, c.source) for d, c in existing.items()} == {
            d: (w, n, "official") for d, (w, n) in wanted.items()
        } and CalendarYear.objects.filter(year=year, source="official").exists():
            continue
        CalendarDay.objects.filter(date__year=year).delete()
        CalendarDay.objects.bulk_create(
            [CalendarDay(date=d, is_workday=w, name=n, source="official") for d, (w, n) in sorted(wanted.items())]
        )
        CalendarYear.objects.update_or_create(year=year, defaults={"source": "official", "loaded_at": timezone.now()})
        changed.add(year)
    if changed:
        transaction.on_commit(lambda: schedule_changed.send(sender=CalendarDay, years=changed))
    return changed


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _holiday_name(value):
    if value is None:
        return ""
    english = getattr(value, "value", value)
    if isinstance(english, tuple):
        english = english[0]
    return _HOLIDAY_NAMES.get(str(english), str(english))
