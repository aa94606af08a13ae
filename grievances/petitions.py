"""The petition cycle of seed 001 (信访): leaders' reception days (接访) with their register,
appointments (约访), cases taken down (带案下访); the ledger's petition marks (积案, 越级, 息访)
and their counts per unit.

Every write goes through the access rules of `Reception`, `ReceptionVisitor` and the entry's
"flag_petition"; the rows are registered with auditlog, so each change is in the audit trail.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from auditlog.context import set_actor
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from campaigns.access import can
from campaigns.choices import Role
from campaigns.errors import InvalidInput, NotAllowed
from campaigns.models import OrgUnit, User, child_path

from .models import Grievance, Reception, ReceptionKind, ReceptionVisitor

if TYPE_CHECKING:
    from campaigns.models import Campaign

RECEPTION_FIELDS = ("kind", "unit", "leader", "date", "place", "note")
VISITOR_FIELDS = ("name", "matter", "grievance", "outcome")


def leaders_over(unit: OrgUnit) -> QuerySet[User]:
    """The leaders who may hold a reception in `unit`: a leader of the unit or of a unit above it."""
    return User.objects.with_role_over(unit, (Role.LEADER,)).distinct().order_by("id")


def _check_reception(actor: User, *, unit: OrgUnit, leader: User) -> None:
    if not Reception.objects.units_for(actor, "manage").filter(pk=unit.pk).exists():
        raise NotAllowed("只有本单位的领导和办公室工作人员可以登记接访")
    if not leaders_over(unit).filter(pk=leader.pk).exists():
        raise InvalidInput(
            "接访领导须为该单位或上级单位的领导", fields={"leader": ["接访领导须为该单位或上级单位的领导"]}
        )


def create_reception(
    *,
    actor: User,
    unit: OrgUnit,
    leader: User | None = None,
    date: date,
    kind: str = ReceptionKind.RECEPTION,
    place: str = "",
    note: str = "",
) -> Reception:
    """Record a reception day, an appointment or a visit down; the leader defaults to the actor."""
    leader = leader or actor
    _check_reception(actor, unit=unit, leader=leader)
    with set_actor(actor), transaction.atomic():
        return Reception.objects.create(
            kind=kind, unit=unit, leader=leader, date=date, place=place, note=note, created_by=actor
        )


def update_reception(*, actor: User, reception: Reception, **fields) -> Reception:
    if not can(actor, "manage", reception):
        raise NotAllowed("您没有修改此接访记录的权限")
    changes = {k: v for k, v in fields.items() if k in RECEPTION_FIELDS}
    unit = changes.get("unit", reception.unit)
    leader = changes.get("leader", reception.leader)
    if "unit" in changes or "leader" in changes:
        _check_reception(actor, unit=unit, leader=leader)
    if changes.get("kind", reception.kind) == ReceptionKind.VISIT_DOWN and (
        reception.visitors.filter(grievance__isnull=True).exists()
    ):
        raise InvalidInput(
            "带案下访的每条登记都须关联台账条目", fields={"kind": ["带案下访的每条登记都须关联台账条目"]}
        )
    with set_actor(actor), transaction.atomic():
        for key, value in changes.items():
            setattr(reception, key, value)
        reception.save()
    return reception


def _check_visitor(actor: User, reception: Reception, grievance: Grievance | None) -> None:
    if grievance is not None and not Grievance.objects.visible_to(actor).filter(pk=grievance.pk).exists():
        raise InvalidInput(
            "所选对象不存在或不在您的管辖范围内", fields={"grievance": ["所选对象不存在或不在您的管辖范围内"]}
        )
    if grievance is None and reception.kind == ReceptionKind.VISIT_DOWN:
        raise InvalidInput("带案下访须关联台账条目", fields={"grievance": ["带案下访须关联台账条目"]})


def add_visitor(
    *,
    actor: User,
    reception: Reception,
    name: str,
    matter: str,
    grievance: Grievance | None = None,
    outcome: str = "",
) -> ReceptionVisitor:
    """Add a line to the register: who came (or was booked, or whose case was taken down)."""
    if not can(actor, "manage", reception):
        raise NotAllowed("您没有登记此接访的权限")
    _check_visitor(actor, reception, grievance)
    with set_actor(actor), transaction.atomic():
        return ReceptionVisitor.objects.create(
            reception=reception, name=name, matter=matter, grievance=grievance, outcome=outcome
        )


def update_visitor(*, actor: User, visitor: ReceptionVisitor, **fields) -> ReceptionVisitor:
    if not can(actor, "manage", visitor):
        raise NotAllowed("您没有修改此登记的权限")
    changes = {k: v for k, v in fields.items() if k in VISITOR_FIELDS}
    if "grievance" in changes:
        _check_visitor(actor, visitor.reception, changes["grievance"])
    with set_actor(actor), transaction.atomic():
        for key, value in changes.items():
            setattr(visitor, key, value)
        visitor.save()
    return visitor


def flag_petition(
    *,
    actor: User,
    grievance: Grievance,
    is_backlog: bool | None = None,
    skipped_level: bool | None = None,
    settled: bool | None = None,
) -> Grievance:
    """Mark the entry a long-standing (积案) or level-skipping (越级) petition case, or settled
    (息访: the petitioner stopped petitioning), or take a mark off. `None` leaves a mark as it is."""
    with set_actor(actor), transaction.atomic():
        g = (
            Grievance.objects.actionable_by(actor, "flag_petition")
            .select_for_update(of=("self",))
            .filter(pk=grievance.pk)
            .first()
        )
        if g is None:
            raise NotAllowed("只有领导、包案领导和办公室工作人员可以标记信访积案、越级和息访")
        changed = []
        if is_backlog is not None and g.is_backlog != is_backlog:
            g.is_backlog = is_backlog
            changed.append("is_backlog")
        if skipped_level is not None and g.skipped_level != skipped_level:
            g.skipped_level = skipped_level
            changed.append("skipped_level")
        if settled is not None and (g.petition_settled_at is not None) != settled:
            g.petition_settled_at = timezone.now() if settled else None
            changed.append("petition_settled_at")
        if changed:
            g.save(update_fields=[*changed, "updated_at"])
        return g


# --- counts ------------------------------------------------------------------------------------

COUNT_KEYS = ("receptions", "appointments", "visits_down", "visitors", "settled", "backlog", "skipped_level")
FLAGGED = {"backlog": Q(is_backlog=True), "skipped_level": Q(skipped_level=True)}


def flagged(qs: QuerySet[Grievance], flag: str | None) -> QuerySet[Grievance]:
    """Entries watched as 积案 or 越级 (`flag` one of FLAGGED), or either when `flag` is empty."""
    if flag:
        return qs.filter(FLAGGED[flag])
    return qs.filter(FLAGGED["backlog"] | FLAGGED["skipped_level"])


def petition_cases(user: User, flag: str | None = None) -> QuerySet[Grievance]:
    """Open entries watched as 积案 or 越级 for the supervision pages: those of units, or routed to
    units, where the user holds a role of the supervision list's rule (office, leaders, inspectors)."""
    from campaigns.access import scope
    from campaigns.models import READERS

    s = scope(user)
    watched = s.subtree_q("unit", READERS) | s.subtree_q("handling_unit", READERS)
    qs = Grievance.objects.visible_to(user).filter(watched).open()
    return flagged(qs, flag).select_related("unit", "handling_unit", "case_owner").order_by("registered_at", "id")


def counted_unit(user: User) -> OrgUnit | None:
    """The unit whose petition counts the page shows: the caller's highest unit where they keep
    petition records (the tree's root for a superuser)."""
    from campaigns.access import scope

    from .models import PETITION_ROLES

    s = scope(user)
    units = OrgUnit.objects.territorial()
    if not s.is_superuser:
        units = units.filter(pk__in=s.unit_ids(PETITION_ROLES))
    return units.order_by("depth", "path").first()


RECEPTION_KEYS = {
    ReceptionKind.RECEPTION: "receptions",
    ReceptionKind.APPOINTMENT: "appointments",
    ReceptionKind.VISIT_DOWN: "visits_down",
}


def _reception_rows(unit: OrgUnit, start: date | None, end: date | None):
    """(child path, key, count) of the receptions under `unit` by their date."""
    receptions = Reception.objects.filter(unit__path__startswith=unit.path).order_by()
    if start:
        receptions = receptions.filter(date__gte=start)
    if end:
        receptions = receptions.filter(date__lte=end)
    receptions = receptions.annotate(child=child_path(unit.path, "unit__path"))
    for r in receptions.values("child", "kind").annotate(n=Count("pk", distinct=True)):
        yield r["child"], RECEPTION_KEYS[r["kind"]], r["n"]
    for r in receptions.values("child").annotate(n=Count("visitors")):
        yield r["child"], "visitors", r["n"]


def _entry_rows(campaign: Campaign | None, unit: OrgUnit, start: date | None, end: date | None):
    """(child path, key, count) of the campaign's entries under `unit` settled in the dates, and
    watched as 积案 and as 越级."""
    tz = timezone.get_current_timezone()
    settled = Q(petition_settled_at__isnull=False)
    if start:
        settled &= Q(petition_settled_at__gte=datetime.combine(start, time.min, tzinfo=tz))
    if end:
        settled &= Q(petition_settled_at__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz))
    aggregates = {
        "settled": Count("pk", filter=settled),
        "backlog": Count("pk", filter=FLAGGED["backlog"]),
        "skipped_level": Count("pk", filter=FLAGGED["skipped_level"]),
    }
    # Only entries carrying one of the marks can count (the partial index of grievances/0022).
    marked = Q(petition_settled_at__isnull=False) | FLAGGED["backlog"] | FLAGGED["skipped_level"]
    entries = Grievance.objects.filter(marked, unit__path__startswith=unit.path, merged_into__isnull=True)
    if campaign is not None:
        entries = entries.filter(campaign=campaign)
    entries = entries.order_by().annotate(child=child_path(unit.path, "unit__path"))
    for r in entries.values("child").annotate(**aggregates):
        for key in aggregates:
            if r[key]:
                yield r["child"], key, r[key]


def petition_counts(*, campaign: Campaign, unit: OrgUnit, start: date | None = None, end: date | None = None) -> dict:
    """The petition cycle of a campaign under `unit`, per territorial child ("本级" for the unit's
    own): reception days, appointments, visits down and people registered (by the reception's
    date), and the campaign's entries settled (息访, by the day it was marked), watched as 积案 and
    as 越级. `totals` adds the rows up. Three grouped SELECTs."""
    children = list(OrgUnit.objects.filter(parent=unit).territorial().values_list("path", "pk", "name"))
    child_of_path = {p: pk for p, pk, _n in children}
    rows: dict[int | None, dict] = {}
    for path, key, n in (*_reception_rows(unit, start, end), *_entry_rows(campaign, unit, start, end)):
        rows.setdefault(child_of_path.get(path), dict.fromkeys(COUNT_KEYS, 0))[key] += n
    by_unit = [{"unit": pk, "name": name, **rows[pk]} for _p, pk, name in children if pk in rows]
    if None in rows:
        by_unit.append({"unit": unit.pk, "name": "本级", **rows[None]})
    totals = {key: sum(r[key] for r in by_unit) for key in COUNT_KEYS}
    return {"by_unit": by_unit, "totals": totals}
