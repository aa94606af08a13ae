"""What each row of the transition table (workflow.py) refuses and what it does.

A guard looks at the entry and returns the Chinese reason the transition cannot run on it now, or
None; `workflow.check()` asks it after the row's statuses and kinds and before who may.

An effect writes what the transition changes besides the status, on the entry
`services.transition()` has locked, checked and will save; it may refuse the input
(InvalidInput) and fills the history row's `data` (and, for a follow-up, its note).
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import models

from campaigns.api_base import MAX_ID
from campaigns.errors import DomainError, InvalidInput
from campaigns.models import Level, OrgUnit, User

from .deadlines import deadlines_for
from .models import (
    FINAL_STATUSES,
    Attachment,
    ExtensionState,
    Grievance,
    GrievanceEvent,
    Reporter,
    Satisfaction,
    Tier,
    case_owners_for,
    handling_units_for,
)


class InvalidTransition(DomainError):
    code = "invalid_transition"
    message = "当前状态不能执行该操作"
    status = 409


@dataclass
class Context:
    """One run of a transition: who acts, on the locked entry, with the checked fields, when."""

    actor: User
    grievance: Grievance
    fields: dict
    now: datetime
    data: dict = field(default_factory=dict)  # the history row's data
    note: str = field(init=False)  # the history row's note

    def __post_init__(self):
        self.note = self.text("note") or ""

    def text(self, key: str):
        value = self.fields.get(key)
        return value.strip() if isinstance(value, str) else value


# --- guards: the reason the entry's state refuses the transition, or None ----------------------
def one_extension_only(g: Grievance) -> str | None:
    if g.extension_state != ExtensionState.NONE:
        return "每个问题只能申请一次延期"
    return None


def extension_awaiting_decision(g: Grievance) -> str | None:
    if g.extension_state != ExtensionState.REQUESTED:
        return "没有待审批的延期申请"
    return None


def person_not_dissatisfied(g: Grievance) -> str | None:
    # DOMAIN.md: dissatisfaction reopens the case; it is never closed over the person's answer.
    if g.satisfaction == Satisfaction.NOT_SATISFIED:
        return "群众不满意，不能销号，请重新办理"
    return None


def level_above_exists(g: Grievance) -> str | None:
    if (g.handling_unit or g.unit).parent_id is None:
        return "已是最高一级，无法继续上报"
    return None


# --- effects: what the transition writes besides the status --------------------------------
def merge(ctx: Context) -> None:
    """The entry joins a survivor: its reporters, and the entries merged into it before, follow."""
    g, survivor = ctx.grievance, _merge_target(ctx)
    g.merged_into = survivor
    Reporter.objects.filter(grievance=g, source_grievance__isnull=True).update(source_grievance=g)
    Reporter.objects.filter(grievance=g).update(grievance=survivor)
    Grievance.objects.filter(merged_into=g).update(merged_into=survivor)
    survivor.version += 1
    survivor.save(update_fields=["version", "updated_at"])
    GrievanceEvent.objects.create(
        grievance=survivor,
        actor=ctx.actor,
        action="merge_in",
        from_status=survivor.status,
        to_status=survivor.status,
        note=ctx.note or f"合并条目 #{g.pk}",
        data={"source": g.pk},
    )
    ctx.data = {"into": survivor.pk}


def _merge_target(ctx: Context) -> Grievance:
    """The survivor, locked: an open entry of the same campaign the actor may merge."""
    into_id = row_id(ctx.fields["into"])
    mergeable = Grievance.objects.actionable_by(ctx.actor, "merge")
    survivor = mergeable.select_for_update(of=("self",)).filter(pk=into_id).first() if into_id else None
    if survivor is None:
        message = "合并目标不存在或不在您的管辖范围内"
        raise InvalidInput(message, fields={"into": [message]})
    if survivor.pk == ctx.grievance.pk:
        raise InvalidInput("不能合并到自身", fields={"into": ["不能合并到自身"]})
    if survivor.status in FINAL_STATUSES:
        raise InvalidTransition("合并目标已办结或已合并，不能再合并")
    if survivor.campaign_id != ctx.grievance.campaign_id:
        raise InvalidInput("只能合并同一活动中的条目", fields={"into": ["只能合并同一活动中的条目"]})
    return survivor


def assign(ctx: Context) -> None:
    g = ctx.grievance
    unit = _handling_unit(ctx.actor, g, ctx.fields["handling_unit"])
    ctx.data = {"from_unit": g.handling_unit_id, "to_unit": unit.pk}
    g.handling_unit = unit
    if ctx.fields.get("case_owner"):
        g.case_owner = _case_owner(g, ctx.fields["case_owner"])
        ctx.data["case_owner"] = g.case_owner_id


def propose_plan(ctx: Context) -> None:
    ctx.grievance.proposed_solution = ctx.text("proposed_solution")
    ctx.grievance.plan_submitted_at = ctx.now


def record_answer(ctx: Context) -> None:
    """The result, its evidence, and the level that answered (DOMAIN.md: counted by that level)."""
    g = ctx.grievance
    g.result = ctx.text("result")
    _save_evidence(ctx.actor, g, ctx.fields.get("evidence"))
    g.resolved_at = ctx.now
    g.resolved_level = _level_of(g.handling_unit or g.unit)


def resolve(ctx: Context) -> None:
    record_answer(ctx)
    # Checked against what is stored, so evidence uploaded before counts too.
    if not ctx.grievance.attachments.filter(is_evidence=True).exists():
        raise InvalidInput("办结须上传办理佐证材料", fields={"evidence": ["请上传佐证材料（照片或文件）"]})


def solve_on_spot(ctx: Context) -> None:
    record_answer(ctx)
    g = ctx.grievance
    g.closed_at = ctx.now
    g.plan_submitted_at = g.plan_submitted_at or ctx.now


def follow_up(ctx: Context) -> None:
    value = ctx.fields["satisfaction"]
    if value not in Satisfaction.values:
        raise InvalidInput("满意度取值无效", fields={"satisfaction": ["请选择满意、基本满意或不满意"]})
    ctx.grievance.satisfaction = value
    ctx.data = {"satisfaction": value}
    if not ctx.fields.get("note"):
        ctx.note = ctx.text("notes") or ""  # the look-back's own notes stand in for the note


def close(ctx: Context) -> None:
    ctx.grievance.closed_at = ctx.now


def reopen(ctx: Context) -> None:
    """A fresh clock from the reopen day (DOMAIN.md: dissatisfaction reopens the case)."""
    g = ctx.grievance
    g.reopened_count += 1
    g.clock_started_at = ctx.now
    g.extension_days, g.extension_state = 0, ExtensionState.NONE
    g.satisfaction, g.resolved_at, g.closed_at, g.resolved_level = "", None, None, ""
    g.plan_submitted_at = None
    g.plan_due_at, g.due_at, g.deadline_provisional = deadlines_for(g)
    ctx.data = {"due_at": g.due_at.isoformat()}
    if g.handling_unit_id is None:
        g.handling_unit = g.unit


def answer_suggestion(ctx: Context) -> None:
    """Adopted or not, a suggestion is answered and done."""
    g = ctx.grievance
    g.result = ctx.text("result") or ctx.text("note") or g.result
    g.resolved_at = g.closed_at = ctx.now
    g.resolved_level = _level_of(g.handling_unit or g.unit)


def escalate(ctx: Context) -> None:
    g = ctx.grievance
    current = g.handling_unit or g.unit
    parent = current.parent
    ctx.data = {"from_unit": current.pk, "to_unit": parent.pk}
    g.handling_unit = parent  # the deadline does not restart


def transfer(ctx: Context) -> None:
    g = ctx.grievance
    unit = _handling_unit(ctx.actor, g, ctx.fields["handling_unit"], functional_only=True)
    ctx.data = {"from_unit": g.handling_unit_id, "to_unit": unit.pk}
    g.handling_unit = unit


def request_extension(ctx: Context) -> None:
    try:
        days = int(ctx.fields["days"])
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= 60:
        raise InvalidInput("延期天数须为1至60个工作日", fields={"days": ["延期天数须为1至60个工作日"]})
    g = ctx.grievance
    g.extension_state = ExtensionState.REQUESTED
    g.extension_reason = ctx.text("note")
    g.extension_requested_days = days
    ctx.data = {"days": days}


def approve_extension(ctx: Context) -> None:
    g = ctx.grievance
    g.extension_state = ExtensionState.APPROVED
    g.extension_days = g.extension_requested_days
    g.plan_due_at, g.due_at, g.deadline_provisional = deadlines_for(g)
    ctx.data = {"days": g.extension_days, "due_at": g.due_at.isoformat()}


def reject_extension(ctx: Context) -> None:
    ctx.grievance.extension_state = ExtensionState.REJECTED


def set_tier(ctx: Context) -> None:
    g, tier = ctx.grievance, ctx.fields["tier"]
    if tier not in Tier.values:
        raise InvalidInput("问题层级无效", fields={"tier": ["问题层级无效"]})
    ctx.data = {"from_tier": g.tier, "to_tier": tier}
    g.tier = tier
    # Recomputed from the original registration (or the reopen day), never from today.
    g.plan_due_at, g.due_at, g.deadline_provisional = deadlines_for(g)


def set_case_owner(ctx: Context) -> None:
    g = ctx.grievance
    g.case_owner = _case_owner(g, ctx.fields["case_owner"])
    ctx.data = {"case_owner": g.case_owner_id}


# --- what the effects resolve and store ------------------------------------------------------
def row_id(value) -> int | None:
    """A row id from a model instance, an int or a digit string; None for anything else."""
    if isinstance(value, models.Model):
        return value.pk
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ID:
        return None
    return int(text)


def _handling_unit(actor: User, g: Grievance, value, *, functional_only: bool = False) -> OrgUnit:
    """The unit an entry is routed to, resolved through `handling_units_for`: within the entry's
    district, a functional unit (归口) or a unit on the entry's own line the actor sees (属地)."""
    pk = row_id(value)
    unit = handling_units_for(actor, g).filter(pk=pk).first() if pk else None
    if unit is None:
        message = "所选责任单位不存在或不在本区可交办的范围内"
        raise InvalidInput(message, fields={"handling_unit": [message]})
    if functional_only and unit.level != Level.DEPARTMENT:
        raise InvalidInput("只能转交给区直职能部门", fields={"handling_unit": ["只能转交给区直职能部门"]})
    return unit


def _case_owner(g: Grievance, value) -> User:
    """The 包案 leader, resolved through `case_owners_for`: a leader over the entry's unit."""
    pk = row_id(value)
    user = case_owners_for(g).filter(pk=pk).first() if pk else None
    if user is None:
        message = "包案领导须为该问题所在单位或其上级单位的领导"
        raise InvalidInput(message, fields={"case_owner": [message]})
    return user


def _save_evidence(actor: User, g: Grievance, files) -> None:
    if files is not None and not isinstance(files, list | tuple):
        files = [files]
    for f in files or []:
        Attachment.objects.create(
            grievance=g, file=f, name=getattr(f, "name", "")[:200], is_evidence=True, uploaded_by=actor
        )


def _level_of(unit: OrgUnit) -> str:
    """The statistics level (DOMAIN.md: report by the level that solved it) of a unit."""
    return unit.level if unit.level in Level.values else ""
