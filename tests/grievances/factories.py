"""Helpers for ledger tests: entries are made through the services, as the product makes them."""

from datetime import datetime

from campaigns.calendar import SHANGHAI
from grievances import services
from grievances.models import GrievanceCategory
from visits.models import Household


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
