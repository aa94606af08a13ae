"""Writes of the ledger. `register_grievance()` is the one way an entry is created and
`transition()` the one way its status changes (STYLE.md: one state machine)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from auditlog.context import set_actor
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from campaigns import calendar
from campaigns.access import can
from campaigns.errors import Conflict, InvalidInput, NotAllowed
from campaigns.lib import uploads
from campaigns.lib.idempotency import create_once
from campaigns.models import Campaign, Level, OrgUnit, User
from campaigns.validators import phone_error

from . import workflow
from .deadlines import deadlines_for
from .models import (
    FINAL_STATUSES,
    Grievance,
    GrievanceCategory,
    GrievanceEvent,
    Kind,
    Reporter,
    Source,
    Status,
    Tier,
)
from .signals import post_transition, transition_recorded
from .transitions import Context, InvalidTransition, end_pause, row_id, tell_urgent

# A ledger entry is a person's request in their words, not a document: longer text goes in an
# attachment. Checked here so the API, pages, inline visit entries and imports all agree.
CONTENT_MAX = 2000
# Clock skew between a phone and the server is not backdating.
BACKDATE_GRACE = timedelta(minutes=10)

if TYPE_CHECKING:  # the ledger points at visits by name only at run time
    from visits.models import Household, Visit


def _clean_content(content: str | None) -> str:
    if not content or not content.strip():
        raise InvalidInput("请填写反映内容", fields={"content": ["请填写反映内容"]})
    if len(content.strip()) > CONTENT_MAX:
        message = f"反映内容不能超过{CONTENT_MAX}字，详细材料请作为附件上传"
        raise InvalidInput(message, fields={"content": [message]})
    return content.strip()


def _check_choices(**values: str) -> None:
    """Choice fields given by a caller that bypassed a form (visits, imports, tasks)."""
    choices = {"kind": (Kind, "类型"), "source": (Source, "来源"), "tier": (Tier, "问题层级")}
    errors = {}
    for key, value in values.items():
        enum, label = choices[key]
        if value not in enum.values:
            errors[key] = [f"{label}取值无效"]
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], fields=errors)


def _may_register(actor: User, unit: OrgUnit, household: Household | None) -> bool:
    """A unit the actor may register in, a household assigned to them to visit (a paired
    department's cadre visits households outside their own unit), or a household in a village of
    the actor's liaison network (problems raised at its standing visits)."""
    from visits.models import Household, standing_village_q

    if OrgUnit.objects.actionable_by(actor, "register").filter(pk=unit.pk).exists():
        return True
    if household is None:
        return False
    mine = Household.objects.visible_to(actor).filter(pk=household.pk)
    return mine.filter(Q(assignments__visitor=actor) | standing_village_q(actor, "grid__parent_id")).exists()


def _check_campaign(actor: User | None, campaign: Campaign, unit: OrgUnit) -> None:
    """The campaign must be one the actor sees, and its territory must contain the entry's unit."""
    if actor is not None and not Campaign.objects.visible_to(actor).filter(pk=campaign.pk).exists():
        message = "所选活动不存在或不在您的管辖范围内"
        raise InvalidInput(message, fields={"campaign": [message]})
    if not unit.path.startswith(campaign.territory.path):
        message = "所选活动的区域不包含该问题的所属单位"
        raise InvalidInput(message, fields={"campaign": [message]})


def register_grievance(*, actor: User | None, client_id: uuid.UUID | None = None, **fields: Any) -> Grievance:
    """Open a ledger entry (see `_register`). With `client_id`, a repeat of the same key answers the
    first entry (its `replayed` is True) and writes nothing; the key of someone else's entry is a 409."""
    return create_once(
        Grievance.objects.all(),
        client_id,
        actor,
        lambda: _register(actor=actor, client_id=client_id, **fields),
        owner="registered_by",
    )


@transaction.atomic
def _register(
    *,
    client_id: uuid.UUID | None = None,
    actor: User | None,
    content: str,
    category: GrievanceCategory | None,
    kind: str = "problem",
    source: str = "visit",
    tier: str = Tier.GENERAL,
    household: Household | None = None,
    visit: Visit | None = None,
    unit: OrgUnit | None = None,
    campaign: Campaign | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    proposed_solution: str = "",
    registered_at: datetime | None = None,
    external_ref: str = "",
    urgent: bool = False,
) -> Grievance:
    """Open a ledger entry; deadlines come from the working-day calendar and the campaign's tiers."""
    content = _clean_content(content)
    reporter_phone = _clean_phone(reporter_phone)
    _check_choices(kind=kind, source=source, tier=tier)
    if category is None:
        raise InvalidInput("请选择问题类别", fields={"category": ["请选择问题类别"]})
    unit = _registration_unit(actor, household, unit)
    standing = campaign is None and visit is not None and visit.campaign_id is None
    campaign = campaign or (visit.campaign if visit is not None else None)
    if campaign is None:
        # A standing visit (no campaign) or no visit: the newest campaign over the unit keeps the entry.
        campaign = Campaign.objects.current_for_unit(unit)
    if campaign is None:
        raise InvalidInput("该单位没有进行中的走访活动", code="no_campaign")
    # The liaison network may hold no role: the ledger of its standing visits is chosen here.
    _check_campaign(None if standing else actor, campaign, unit)
    registered_at = _registration_time(actor, unit, registered_at)
    if household is not None and not reporter_name:
        reporter_name = household.head_name
    grievance = Grievance(
        clock_started_at=registered_at,
        campaign=campaign,
        household=household,
        visit=visit,
        unit=unit,
        kind=kind,
        category=category,
        source=source,
        tier=tier,
        content=content,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        proposed_solution=proposed_solution,
        registered_at=registered_at,
        registered_by=actor,
        urgent=bool(urgent),
        client_id=client_id,
    )
    grievance.plan_due_at, grievance.due_at, grievance.deadline_provisional = deadlines_for(grievance)
    grievance.save(force_insert=True)
    Reporter.objects.create(grievance=grievance, name=reporter_name, phone=reporter_phone, household=household)
    GrievanceEvent.objects.create(
        grievance=grievance, actor=actor, action="register", to_status=Status.REGISTERED, note="登记"
    )
    if external_ref:
        Grievance.objects.filter(pk=grievance.pk).update(external_ref=external_ref)
        grievance.external_ref = external_ref
    if grievance.urgent:
        tell_urgent(grievance)
    return grievance


def _registration_unit(actor: User | None, household: Household | None, unit: OrgUnit | None) -> OrgUnit:
    """Where the entry belongs: the household's grid, else the given territorial unit."""
    unit = household.grid if household is not None else unit
    if unit is None:
        raise InvalidInput("请指定所属单位或农户", fields={"unit": ["请指定所属单位或农户"]})
    if unit.level == Level.DEPARTMENT:
        # Functional units receive entries by subject; an entry belongs to a place (属地).
        message = "问题不能登记在区直部门，请选择所属社区或网格"
        raise InvalidInput(message, fields={"unit": [message]})
    if actor is not None and not _may_register(actor, unit, household):
        field = "household" if household is not None else "unit"
        raise InvalidInput("您不能在该单位登记问题", fields={field: ["所选对象不存在或不在您的管辖范围内"]})
    return unit


def _registration_time(actor: User | None, unit: OrgUnit, registered_at: datetime | None) -> datetime:
    """Now, or an earlier moment for an entry collected offline; never a later one."""
    now = timezone.now()
    if registered_at is not None and registered_at < now - BACKDATE_GRACE:
        # Entries collected offline may be backdated, by office staff only.
        if actor is not None and not OrgUnit.objects.actionable_by(actor, "backdate").filter(pk=unit.pk).exists():
            raise NotAllowed("只有办公室工作人员可以补录以前的登记时间")
    if registered_at is not None and registered_at > now + BACKDATE_GRACE:
        raise InvalidInput("登记时间不能晚于当前时间", fields={"registered_at": ["登记时间不能晚于当前时间"]})
    return registered_at or now


def _require(t: workflow.Transition, fields: dict[str, Any]) -> None:
    # A field the transition does not take is refused, not ignored: a handling unit or a case owner
    # sent along with a review must not look accepted.
    extra = sorted(set(fields) - set(t.required) - set(t.optional))
    if extra:
        raise InvalidInput(f"“{t.label}”不需要这些内容", fields={key: [f"“{t.label}”不需要此项"] for key in extra})
    evidence = fields.get("evidence")
    for f in evidence if isinstance(evidence, list | tuple) else [evidence] if evidence else []:
        uploads.check_file(f, "evidence", field="evidence", label="佐证材料")
    errors = {}
    for key in t.required:
        value = fields.get(key)
        if key == "evidence":
            continue  # checked against stored attachments too, in the effect
        if value is None or (isinstance(value, str) and not value.strip()) or value == []:
            errors[key] = ["此项为必填项"]
    if errors:
        raise InvalidInput(f"“{t.label}”缺少必填内容", fields=errors)


def transition(
    *,
    actor: User | None,
    grievance: Grievance | int,
    name: str,
    version: int | str | None = None,
    note: str = "",
    **fields,
) -> Grievance:
    """Run transition `name` on the entry: checks, effect, status, version, history, audit, signal.

    Locks the row: two offices may act on the same entry at once. A `version` older than the
    entry's is refused (Conflict, 409) and nothing changes. Who may run it is the transition
    table's answer (`workflow.check`); ids among `fields` resolve through the actor's scope.
    """
    t = workflow.BY_NAME.get(name)
    if t is None:
        raise InvalidInput("未知的办理操作", fields={"name": ["未知的办理操作"]})
    if note:
        fields["note"] = note
    pk = grievance.pk if isinstance(grievance, Grievance) else grievance
    with set_actor(actor), transaction.atomic():
        g = (
            Grievance.objects.select_for_update(of=("self",))
            .select_related("unit", "handling_unit", "campaign")
            .get(pk=pk)
        )
        if version not in (None, "") and _version(version) != g.version:
            raise Conflict()
        _authorise(actor, g, name)
        _require(t, fields)
        ctx = Context(actor=actor, grievance=g, fields=fields, now=timezone.now())
        from_status = g.status
        if t.effect is not None:
            t.effect(ctx)
        if t.target is not None:
            g.status = t.target
        g.version += 1
        g.save()
        _record(ctx, name, from_status)
    return g


def _authorise(actor: User | None, g: Grievance, name: str) -> None:
    verdict = workflow.check(actor, g, name)
    if not verdict.allowed:
        if verdict.reason == "scope":
            raise NotAllowed(verdict.message)
        raise InvalidTransition(verdict.message)


def _record(ctx: Context, name: str, from_status: str) -> None:
    """The history row and the `transition_recorded` signal now, in the transition's transaction;
    the `post_transition` signal once it commits."""
    g, actor, to_status = ctx.grievance, ctx.actor, ctx.grievance.status
    GrievanceEvent.objects.create(
        grievance=g,
        actor=actor,
        action=name,
        from_status=from_status,
        to_status=to_status,
        note=ctx.note,
        data=ctx.data,
    )
    transition_recorded.send(
        sender=Grievance, grievance=g, name=name, actor=actor, from_status=from_status, to_status=to_status
    )
    transaction.on_commit(
        lambda: post_transition.send(
            sender=Grievance, grievance=g, name=name, actor=actor, from_status=from_status, to_status=to_status
        )
    )


# Fields an edit may change, and the rule beyond "edit" that a change of each needs. Everything
# else (status, deadlines, handling unit, case owner, version, who registered it) changes only
# through a transition or is the system's own bookkeeping.
EDITABLE_FIELDS = {
    "content": "edit",
    "category": "edit",
    "reporter_name": "edit",
    "reporter_phone": "edit",
    "proposed_solution": "edit",
    "source": "edit",
    "is_typical": "mark_typical",
    "kind": "set_kind",
}
_RULE_MESSAGES = {
    "mark_typical": "只有活动办工作人员可以标记典型案例",
    "set_kind": "只有活动办工作人员可以调整问题类型",
}


def _version(value: object) -> int:
    """The optimistic-lock input: the version the caller last read."""
    pk = row_id(value) if not isinstance(value, bool) else None
    if pk is None and str(value).strip() != "0":
        raise InvalidInput("版本号无效", fields={"version": ["版本号无效"]})
    return pk or 0


def _locked_for_edit(actor: User, grievance: Grievance, version: object) -> Grievance:
    """The entry, row-locked, if `actor` may edit it at the `version` they read."""
    if version is None:
        raise InvalidInput("请提供版本号", fields={"version": ["请提供版本号"]})
    version = _version(version)
    g = (
        Grievance.objects.actionable_by(actor, "edit")
        .select_for_update(of=("self",))
        .select_related("unit")
        .filter(pk=grievance.pk)
        .first()
    )
    if g is None:
        raise NotAllowed()
    if version != g.version:
        raise Conflict()
    if g.status in FINAL_STATUSES:
        raise InvalidTransition("已办结的条目不能修改")
    return g


def _clean_phone(value: object) -> str:
    """A reporter's phone, if given, by the same rule as a household's."""
    phone = str(value or "").strip()
    if phone and (msg := phone_error(phone)):
        raise InvalidInput(msg, code="bad_phone", fields={"reporter_phone": [msg]})
    return phone


def _clean_edit(key: str, value: object) -> object:
    """One edited field's value, checked: only editable fields, valid choices, a category."""
    if key not in EDITABLE_FIELDS:
        raise InvalidInput("该字段不能修改", fields={key: ["该字段不能修改"]})
    if key == "content":
        return _clean_content(value)
    if key == "reporter_phone":
        return _clean_phone(value)
    if key in ("kind", "source"):
        _check_choices(**{key: value})
    elif key == "category" and value is None:
        raise InvalidInput("请选择问题类别", fields={"category": ["请选择问题类别"]})
    return value


def update_grievance(*, actor: User, grievance: Grievance, version: object, **changes: object) -> Grievance:
    """Edit the entry's text fields (never status). A stale `version` is refused and changes nothing."""
    with set_actor(actor), transaction.atomic():
        g = _locked_for_edit(actor, grievance, version)
        changed = {}
        for key, raw in changes.items():
            value = _clean_edit(key, raw)
            old = getattr(g, key)
            if old == value:
                continue
            rule = EDITABLE_FIELDS[key]
            if rule != "edit" and not can(actor, rule, g):
                raise NotAllowed(_RULE_MESSAGES[rule])
            changed[key] = [str(old), str(value)]
            setattr(g, key, value)
        if changed:
            g.version += 1
            g.save()
            GrievanceEvent.objects.create(
                grievance=g,
                actor=actor,
                action="edit",
                from_status=g.status,
                to_status=g.status,
                note="修改信息",
                data={"fields": sorted(changed)},
            )
    return g


def merge_duplicates(
    *,
    actor: User,
    survivor: Grievance,
    sources: Iterable[Grievance | int | str],
    version: int | str | None = None,
    note: str = "",
) -> Grievance:
    """Merge `sources` into `survivor`: each becomes `merged`, its reporters and history follow."""
    with transaction.atomic():
        mergeable = Grievance.objects.actionable_by(actor, "merge")
        current = mergeable.select_for_update(of=("self",)).filter(pk=survivor.pk).first()
        if current is None:
            raise NotAllowed("只有活动办工作人员可以合并重复条目")
        if version not in (None, "") and _version(version) != current.version:
            raise Conflict()
        ids = [row_id(s) for s in sources]
        if not ids:
            raise InvalidInput("请选择要合并的条目", fields={"sources": ["请选择要合并的条目"]})
        found = set(mergeable.filter(pk__in=[i for i in ids if i]).values_list("pk", flat=True))
        missing = [s for s, i in zip(sources, ids, strict=True) if i not in found]
        if missing:
            message = "要合并的条目不存在或不在您的管辖范围内"
            raise InvalidInput(message, fields={"sources": [f"{message}：{missing}"]})
        for pk in ids:
            transition(actor=actor, grievance=pk, name="merge", into=survivor.pk, note=note)
    return Grievance.objects.get(pk=survivor.pk)


def bulk_transition(*, actor: User, ids: Iterable[int | str], name: str, **fields) -> int:
    """Run one bulk action (review, assign, set tier) on many entries, all or nothing."""
    if name not in workflow.BULK:
        raise InvalidInput("不支持的批量操作", fields={"name": ["不支持的批量操作"]})
    with transaction.atomic():
        for value in ids:
            pk = row_id(value)
            g = Grievance.objects.visible_to(actor).filter(pk=pk).first() if pk else None
            if g is None:
                raise InvalidInput(f"条目 #{value} 不存在", fields={"ids": [f"条目 #{value} 不存在"]})
            transition(actor=actor, grievance=g, name=name, **fields)
    return len(ids)


def recompute_deadlines(*, years: Iterable[int]) -> int:
    """After the holiday schedule of `years` changed: recompute open entries' deadlines.

    Set-based: one UPDATE per distinct (clock day, tier, extension, campaign) among the affected
    entries, so a district's ledger costs a handful of statements, not one per entry.
    """
    if not years:
        return 0
    years = set(years)
    # Urgent entries count hours, not working days: no holiday schedule moves them.
    qs = Grievance.objects.running().filter(urgent=False)
    qs = qs.filter(Q(clock_started_at__year__in=years) | Q(due_at__year__in=years) | Q(registered_at__year__in=years))
    qs = qs.annotate(clock_day=TruncDate("clock_started_at", tzinfo=calendar.SHANGHAI))
    combos = qs.values_list("clock_day", "tier", "extension_days", "paused_working_days", "campaign_id").distinct()
    campaigns = {}
    updated = 0
    for day, tier, extra, paused, campaign_id in combos:
        if day is None:
            continue
        campaign = campaigns.get(campaign_id) or Campaign.objects.get(pk=campaign_id)
        campaigns[campaign_id] = campaign
        # What the deadline depends on, shared by every entry of the group.
        alike = Grievance(campaign=campaign, tier=tier, extension_days=extra, paused_working_days=paused)
        d = deadlines_for(alike, start=day)
        same = {"extension_days": extra, "paused_working_days": paused}
        updated += qs.filter(clock_day=day, tier=tier, campaign_id=campaign_id, **same).update(
            plan_due_at=d.plan_due_at, due_at=d.due_at, deadline_provisional=d.provisional
        )
    if updated:
        from .selectors import bump_generation

        transaction.on_commit(bump_generation)
    return updated


def resume_expired_pauses(*, now: datetime | None = None) -> int:
    """Pauses whose `until` has passed resume by themselves (the deadline sweep runs this): the
    pause and its resume are both on the timeline. Row-locked and status-checked: safe to run
    twice or on two workers at once. Returns how many resumed."""
    from .models import PauseState

    now = now or timezone.now()
    today = calendar.local_date(now)
    ids = list(
        Grievance.objects.filter(pause_state=PauseState.ACTIVE, pause_until__lt=today).values_list("pk", flat=True)
    )
    resumed = 0
    for pk in ids:
        with transaction.atomic():
            g = (
                Grievance.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related("campaign")
                .filter(pk=pk, pause_state=PauseState.ACTIVE, pause_until__lt=today)
                .first()
            )
            if g is None:
                continue
            days = end_pause(g, g.pause_until)
            g.version += 1
            g.save()
            GrievanceEvent.objects.create(
                grievance=g,
                action="resume",
                from_status=g.status,
                to_status=g.status,
                note=f"中止期满（{g.pause_until:%Y-%m-%d}），自动恢复计时",
                data={"days": days, "due_at": g.due_at.isoformat(), "auto": True},
            )
            resumed += 1
    return resumed


def seed_categories(*, routing: dict[str, OrgUnit] | None = None) -> None:
    """Create the default taxonomy (grievances/data/categories.toml) where missing; optionally set
    归口 departments.

    `routing` maps category codes to department OrgUnits (the demo's); a category that already
    has a department keeps it.
    """
    from .models import GrievanceCategory
    from .taxonomy import categories

    routing = routing or {}
    existing = {c.code: c for c in GrievanceCategory.objects.all()}
    for i, top in enumerate(categories()):
        parent = existing.get(top.code) or GrievanceCategory.objects.create(
            code=top.code, name=top.name, order=(i + 1) * 100
        )
        wanted = routing.get(top.code)
        if wanted is not None and parent.default_department_id is None:
            GrievanceCategory.objects.filter(pk=parent.pk).update(default_department=wanted)
        for j, child in enumerate(top.children):
            c = existing.get(child.code) or GrievanceCategory.objects.create(
                code=child.code, name=child.name, parent=parent, order=(i + 1) * 100 + j + 1
            )
            wanted = routing.get(child.code)
            if wanted is not None and c.default_department_id is None:
                GrievanceCategory.objects.filter(pk=c.pk).update(default_department=wanted)


def reveal_reporter_phone(*, actor: User, grievance: Grievance, reason: str, text: str = "") -> dict[str, Any]:
    """The whole phone of the entry's reporter (and of everyone who raised it, after merges), for a
    reason, to call back; audited like a household's reveal and counted against the same hourly limit."""
    from audit.models import Event
    from audit.services import record
    from visits.services import guard_reveal

    if not can(actor, "reveal_phone", grievance):
        raise NotAllowed()
    guard_reveal(actor=actor, obj=grievance, unit=grievance.unit)
    record(
        Event.REVEAL,
        actor=actor,
        obj=grievance,
        data={"reason": reason, "text": text[:200], "field": "reporter_phone"},
    )
    reporters = [{"name": r.name, "phone": r.phone} for r in grievance.reporters.order_by("id") if r.phone]
    return {
        "reporter_name": grievance.reporter_name,
        "reporter_phone": grievance.reporter_phone,
        "reporters": reporters,
    }


@transaction.atomic
def mark_typical(*, actor: User, grievance: Grievance, typical: bool) -> Grievance:
    """Mark a solved entry, closed ones included, as a typical case (典型案例: the seeds' cases are
    solved ones), or take the mark off. Not an edit: a closed entry's text stays as it is."""
    from .choices import SOLVED_STATUSES

    with set_actor(actor):
        g = (
            Grievance.objects.actionable_by(actor, "mark_typical")
            .select_for_update(of=("self",))
            .filter(pk=grievance.pk)
            .first()
        )
        if g is None:
            raise NotAllowed(_RULE_MESSAGES["mark_typical"])
        if typical and g.status not in SOLVED_STATUSES:
            raise InvalidTransition("只有已解决的问题可以标记为典型案例")
        if g.is_typical != typical:
            g.is_typical = typical
            g.save(update_fields=["is_typical", "updated_at"])
        return g
