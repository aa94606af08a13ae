"""The deadlines of a ledger entry: its campaign's tier days counted on the working-day calendar.

DOMAIN.md (Grievance ledger; seeds/002): a solution plan within 5 working days, the answer within
15, 30 or 60 by tier, on-the-spot matters the same day; an approved extension adds working days to
the answer, and so do the working days of an approved clock pause (中止): moving a deadline by N
working days is counting N more from the same start. An urgent entry (急难险重) is due a number of
hours after its clock started (the campaign's `HandlingRules`), with no plan deadline. A campaign
may choose seed 003's calendar-day rule instead of the tiers (a week to report up, a month to
answer); those are calendar days by definition, the only deadlines not on the working-day count.
Registration, the transitions that move a deadline and the recomputation after a holiday schedule
changed all ask `deadlines_for`, so the rule is written once; `sign_for_due` is the same for the
sign-for time of a routed entry.
"""

from datetime import date, datetime, timedelta
from typing import NamedTuple

from campaigns import calendar

from .models import Grievance, HandlingRules, Tier


class Deadlines(NamedTuple):
    plan_due_at: datetime | None  # None: answered on the spot or urgent, no plan is owed
    due_at: datetime
    provisional: bool  # the count runs through a year whose holiday schedule is not known yet


def deadlines_for(entry: Grievance, *, start: datetime | date | None = None) -> Deadlines:
    """Plan and answer deadlines of `entry` by its tier, approved extension and paused working
    days, counted from `start` (default: where its clock started, registration or the last reopen)."""
    start = start or entry.clock_started_at or entry.registered_at
    if entry.urgent:
        # Hours, not working days: an urgent matter is handled the first time, weekend or not.
        hours = HandlingRules.for_campaign(entry.campaign).urgent_hours
        return Deadlines(None, start + timedelta(hours=hours), False)
    extra = entry.extension_days + entry.paused_working_days
    if entry.tier == Tier.ON_SPOT:
        due = calendar.add_working_days(start, extra)
        return Deadlines(None, due.due, due.provisional)
    rules = HandlingRules.for_campaign(entry.campaign)
    if rules.calendar_days:
        return _calendar_day_deadlines(start, rules, extra)
    plan = calendar.add_working_days(start, entry.campaign.tier_days("plan"))
    due = calendar.add_working_days(start, entry.campaign.tier_days(entry.tier) + extra)
    return Deadlines(plan.due, due.due, plan.provisional or due.provisional)


def _calendar_day_deadlines(start, rules: HandlingRules, extra: int) -> Deadlines:
    """Seed 003's rule: the plan (reported up) and the answer in calendar days from the start;
    an extension or a pause still adds working days to the answer."""
    first = calendar.local_date(start)
    plan = calendar.end_of_day(first + timedelta(days=rules.report_calendar_days))
    due_day = first + timedelta(days=rules.answer_calendar_days)
    due = calendar.add_working_days(due_day, extra) if extra else calendar.Due(calendar.end_of_day(due_day), False)
    return Deadlines(plan, due.due, due.provisional)


def sign_for_due(entry: Grievance, dispatched_at: datetime) -> datetime:
    """When the handling unit must have signed for an entry routed at `dispatched_at`: the
    campaign's sign-for working days (default 1), or its hours for an urgent entry."""
    rules = HandlingRules.for_campaign(entry.campaign)
    if entry.urgent:
        return dispatched_at + timedelta(hours=rules.urgent_sign_for_hours)
    return calendar.add_working_days(dispatched_at, rules.sign_for_days).due


def paused_days(approved_on: date, until: date) -> int:
    """The working days a pause approved on `approved_on` takes off the clock when it ends on
    `until`: those strictly after the approval day up to and including `until`."""
    if until <= approved_on:
        return 0
    return calendar.working_days_between(approved_on, until).working_days
