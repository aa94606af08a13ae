"""Data for the background-work tests: ledger entries, households, visits."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from campaigns.calendar import end_of_day
from grievances.models import Grievance, GrievanceCategory, Status
from grievances.services import register_grievance
from visits.models import Assignment, Household, Visit

SH = ZoneInfo("Asia/Shanghai")


def at(day, hour=9, minute=0):
    """An aware Asia/Shanghai datetime on `day` (a date or 'YYYY-MM-DD')."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return datetime.combine(day, time(hour, minute), tzinfo=SH)


def category():
    parent, _ = GrievanceCategory.objects.get_or_create(code="housing_env", defaults={"name": "住有宜居"})
    child, _ = GrievanceCategory.objects.get_or_create(code="road", defaults={"name": "道路照明", "parent": parent})
    return child


_seq = iter(range(1, 10**6))


def household(grid, name="张秀兰", **kw):
    n = next(_seq)
    return Household.objects.create(grid=grid, head_name=name, address=f"幸福路{n}号", phone=f"1370000{n:04d}", **kw)


def entry(
    *, actor, unit=None, household_=None, campaign=None, registered_at=None, content="楼道灯坏了，晚上出行不便", **kw
):
    return register_grievance(
        actor=actor,
        content=content,
        category=category(),
        unit=unit,
        household=household_,
        campaign=campaign,
        registered_at=registered_at,
        **kw,
    )


def due_on(grievance, day, *, plan=False, **fields):
    """Set a deadline directly (tests stand in for the workflow)."""
    value = end_of_day(date.fromisoformat(day) if isinstance(day, str) else day)
    update = {"plan_due_at": value} if plan else {"due_at": value}
    if not plan:
        update.setdefault("plan_submitted_at", value)
    update.update(fields)
    Grievance.objects.filter(pk=grievance.pk).update(**update)
    grievance.refresh_from_db()
    return grievance


def set_status(grievance, status, **fields):
    Grievance.objects.filter(pk=grievance.pk).update(status=status, **fields)
    grievance.refresh_from_db()
    return grievance


def visit(campaign, household_, visitor, when):
    return Visit.objects.create(
        campaign=campaign, household=household_, visitor=visitor, visited_at=when, duration_minutes=40
    )


def assign(campaign, household_, visitor, kind="grid"):
    return Assignment.objects.create(campaign=campaign, household=household_, visitor=visitor, kind=kind)


__all__ = ["Status", "at", "category", "household", "entry", "due_on", "set_status", "visit", "assign"]
