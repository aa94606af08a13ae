"""Bulk helpers for report tests: rows straight through the ORM, no other app's services."""

import itertools
from datetime import timedelta

from django.utils import timezone

from grievances.models import Grievance, GrievanceCategory, GrievanceEvent
from visits.models import Household, Visit

_seq = itertools.count(1)


def category(code="rp-housing", name="住房保障", parent=None):
    cat, _ = GrievanceCategory.objects.get_or_create(code=code, defaults={"name": name, "parent": parent})
    return cat


def households(grid, n, *, kind="household", categories=()):
    rows = []
    for _ in range(n):
        i = next(_seq)
        rows.append(
            Household(grid=grid, key=f"t:{grid.code}:{i}", head_name=f"户主{i}", address=f"幸福路{i}号", kind=kind)
        )
    made = Household.objects.bulk_create(rows)
    for h in made:
        if categories:
            h.categories.set(categories)
    return made


def visit(campaign, household, visitor, *, at=None, minutes=40, followup=False):
    return Visit.objects.create(
        campaign=campaign,
        household=household,
        visitor=visitor,
        visited_at=at or timezone.now() - timedelta(days=1),
        duration_minutes=minutes,
        is_followup=followup,
    )


def grievance(campaign, unit, actor, *, kind="problem", status="registered", cat=None, events=(), **kw):
    kw.setdefault("registered_at", timezone.now() - timedelta(days=3))
    kw.setdefault("content", "楼道灯坏了，晚上出行不便")
    g = Grievance.objects.create(
        campaign=campaign, unit=unit, kind=kind, category=cat or category(), registered_by=actor, **kw
    )
    # `status` is not editable through forms; tests set the state the workflow would have reached.
    Grievance.objects.filter(pk=g.pk).update(status=status)
    g.status = status
    for from_status, to_status in events:
        GrievanceEvent.objects.create(
            grievance=g, actor=actor, action="t", from_status=from_status, to_status=to_status
        )
    return g
