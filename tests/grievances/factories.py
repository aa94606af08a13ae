"""Data for ledger tests: entries are made through the services, as the product makes them.

`entry()` registers in the seeded taxonomy; `lighting_entry()` (keyword arguments, a road-lighting
category of its own) with `due_on()`, `set_status()`, `visit()` and `assign()` sets up the
deadline sweep's and the look-back's cases directly.
"""

from datetime import date, datetime, time

from campaigns.calendar import SHANGHAI, end_of_day
from grievances import services
from grievances.models import Grievance, GrievanceCategory
from visits.models import Assignment, Household, Visit


def category(code="street_lights"):
    # Browser tests flush the database (transactional): the seeded taxonomy may need re-seeding.
    if not GrievanceCategory.objects.filter(code=code).exists():
        services.seed_categories()
    return GrievanceCategory.objects.get(code=code)


def household(grid, name="张秀兰", hardship=False, **kw):
    return Household.objects.create(
        grid=grid,
        head_name=name,
        address=kw.pop("address", f"幸福路{Household.objects.count() + 1}号"),
        is_hardship=hardship,
        **kw,
    )


def local(y, m, d, h=9, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=SHANGHAI)


def entry(actor, unit, campaign, content="3号楼前的路灯坏了半个多月，晚上出门黑漆漆的。", **kw):
    kw.setdefault("category", category(kw.pop("category_code", "street_lights")))
    return services.register_grievance(actor=actor, content=content, unit=unit, campaign=campaign, **kw)


def run(actor, g, name, **fields):
    return services.transition(actor=actor, grievance=g, name=name, **fields)


def other_district():
    """A second district beside the fixed cast's, with its own street, grid, department, people
    and campaign: what must stay out of reach of everyone in 测试区."""
    from types import SimpleNamespace

    from campaigns.models import Level, Role
    from tests.factories import OrgUnitFactory, UserFactory, make_campaign, member

    o = SimpleNamespace()
    o.district = OrgUnitFactory(code="T02", name="邻区", level=Level.DISTRICT)
    o.street = OrgUnitFactory(code="T02-S01", name="南湖街道", level=Level.STREET, parent=o.district)
    o.community = OrgUnitFactory(code="T02-S01-C01", name="南湖社区", level=Level.COMMUNITY, parent=o.street)
    o.grid = OrgUnitFactory(code="T02-S01-C01-G01", name="南湖社区一网格", level=Level.GRID, parent=o.community)
    o.department = OrgUnitFactory(code="T02-EDU", name="邻区教育局", level=Level.DEPARTMENT, parent=o.district)
    o.leader = member(UserFactory(username="t2_leader", full_name="冯区长"), o.district, Role.LEADER)
    o.office = member(UserFactory(username="t2_office", full_name="陈主任"), o.street, Role.OFFICE)
    o.handler = member(UserFactory(username="t2_handler", full_name="褚科员"), o.department, Role.HANDLER)
    o.campaign = make_campaign(o.district, name="邻区2026年大走访")
    return o


def at(day, hour=9, minute=0):
    """An aware Asia/Shanghai datetime on `day` (a date or 'YYYY-MM-DD')."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def lighting_category():
    parent, _ = GrievanceCategory.objects.get_or_create(code="housing_env", defaults={"name": "住有宜居"})
    child, _ = GrievanceCategory.objects.get_or_create(code="road", defaults={"name": "道路照明", "parent": parent})
    return child


_seq = iter(range(1, 10**6))


def household_with_phone(grid, name="张秀兰", **kw):
    n = next(_seq)
    return Household.objects.create(grid=grid, head_name=name, address=f"幸福路{n}号", phone=f"1370000{n:04d}", **kw)


def lighting_entry(
    *, actor, unit=None, household_=None, campaign=None, registered_at=None, content="楼道灯坏了，晚上出行不便", **kw
):
    return services.register_grievance(
        actor=actor,
        content=content,
        category=lighting_category(),
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
