"""The deadlines of a ledger entry: its campaign's tier days counted on the working-day calendar.

DOMAIN.md (Grievance ledger; seeds/002): a solution plan within 5 working days, the answer within
15, 30 or 60 by tier, on-the-spot matters the same day; an approved extension adds working days to
the answer. Registration, the transitions that move a deadline and the recomputation after a
holiday schedule changed all ask `deadlines_for`, so the rule is written once.
"""

from datetime import date, datetime
from typing import NamedTuple

from campaigns import calendar

from .models import Grievance, Tier


class Deadlines(NamedTuple):
    plan_due_at: datetime | None  # None: answered on the spot, no plan is owed
    due_at: datetime
    provisional: bool  # the count runs through a year whose holiday schedule is not known yet


def deadlines_for(entry: Grievance, *, start: datetime | date | None = None) -> Deadlines:
    """Plan and answer deadlines of `entry` by its tier and approved extension, counted from `start`
    (default: where its clock started, registration or the last reopen)."""
    start = start or entry.clock_started_at or entry.registered_at
    if entry.tier == Tier.ON_SPOT:
        due = calendar.add_working_days(start, entry.extension_days)
        return Deadlines(None, due.due, due.provisional)
    plan = calendar.add_working_days(start, entry.campaign.tier_days("plan"))
    due = calendar.add_working_days(start, entry.campaign.tier_days(entry.tier) + entry.extension_days)
    return Deadlines(plan.due, due.due, plan.provisional or due.provisional)
