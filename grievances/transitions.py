"""What each row of the transition table (workflow.py) refuses and what it does.

A guard looks at the entry and returns the Chinese reason the transition cannot run on it now, or
None; `workflow.check()` asks it after the row's statuses and kinds and before who may.

An effect writes what the transition changes besides the status, on the entry
`services.transition()` has locked, checked and will save; it may refuse the input
(InvalidInput) and fills the history row's `data` (and, for a follow-up, its note).
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import models
from django.utils import timezone

from campaigns import calendar
from campaigns.access import path_prefixes
from campaigns.api_base import MAX_ID
from campaigns.choices import HOUSEHOLD_LEVELS
from campaigns.errors import DomainError, InvalidInput
from campaigns.models import Level, OrgUnit, Role, User
from notifications.models import NotificationKind
from notifications.services import notify

from .deadlines import deadlines_for, paused_days, sign_for_due
from .models import (
    FINAL_STATUSES,
    Attachment,
    ExtensionState,
    Grievance,
    GrievanceEvent,
    HandlingRules,
    PauseState,
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


def not_signed_for(g: Grievance) -> str | None:
    if g.signed_for_at is not None:
        return "该条目已签收"
    if g.returned_at is not None:
        return "已退单，等待活动办裁定"
    return None


def may_return(g: Grievance) -> str | None:
    """A unit returns an entry it believes is not theirs, before signing and within the sign-for time."""
    refusal = not_signed_for(g)
    if refusal:
        return "已签收的条目不能退单" if g.signed_for_at is not None else refusal
    if g.sign_for_due_at is not None and timezone.now() > g.sign_for_due_at:
        due = timezone.localtime(g.sign_for_due_at, calendar.SHANGHAI)
        return f"签收时限（{due:%Y-%m-%d %H:%M}）已过，不能退单，请按期办理"
    return None


def return_awaiting_ruling(g: Grievance) -> str | None:
    if g.returned_at is None:
        return "没有待裁定的退单"
    return None


def may_pause(g: Grievance) -> str | None:
    if g.urgent:
        return "急难险重事项不能中止计时"
    if g.pause_state == PauseState.REQUESTED:
        return "已有待审批的中止申请"
    if g.pause_state == PauseState.ACTIVE:
        return "该条目已在中止计时中"
    return None


def pause_awaiting_decision(g: Grievance) -> str | None:
    if g.pause_state != PauseState.REQUESTED:
        return "没有待审批的中止申请"
    return None


def pause_running(g: Grievance) -> str | None:
    if g.pause_state != PauseState.ACTIVE:
        return "该条目未在中止计时中"
    return None


def not_urgent(g: Grievance) -> str | None:
    if g.urgent:
        return "该条目已标记为急难险重"
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
    dispatch(ctx)
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
    if g.pause_state == PauseState.ACTIVE:
        end_pause(g, calendar.local_date(ctx.now))


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
    g.paused_working_days, g.pause_state, g.pause_planned_days = 0, PauseState.NONE, 0
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
    dispatch(ctx)


def transfer(ctx: Context) -> None:
    g = ctx.grievance
    unit = _handling_unit(ctx.actor, g, ctx.fields["handling_unit"], functional_only=True)
    ctx.data = {"from_unit": g.handling_unit_id, "to_unit": unit.pk}
    g.handling_unit = unit
    dispatch(ctx)


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


def dispatch(ctx: Context) -> None:
    """A (re)routed entry: the new handling unit signs for it within the sign-for time. The
    resolution clock keeps running from where it started: routing never restarts it."""
    g = ctx.grievance
    g.dispatched_at, g.dispatched_by = ctx.now, ctx.actor
    g.sign_for_due_at = sign_for_due(g, ctx.now)
    g.signed_for_at = None


def sign_for(ctx: Context) -> None:
    g = ctx.grievance
    g.signed_for_at = ctx.now
    in_time = g.sign_for_due_at is None or ctx.now <= g.sign_for_due_at
    ctx.data = {"in_time": in_time}


def return_entry(ctx: Context) -> None:
    """退单: the unit gives the entry back with its reason; the dispatching office rules on it.
    Beyond the campaign's allowed count, the level above is told to coordinate."""
    g = ctx.grievance
    rules = HandlingRules.for_campaign(g.campaign)
    g.returned_at = ctx.now
    g.return_reason = ctx.note
    g.return_count += 1
    escalated = g.return_count > rules.max_returns
    ctx.data = {"unit": g.handling_unit_id, "count": g.return_count, "escalated": escalated}
    who = [g.dispatched_by, *_unit_staff(_territorial_office_unit(g).pk, (Role.OFFICE,))]
    title = f"【退单】问题 #{g.pk} 被{(g.handling_unit or g.unit).name}退回，请裁定"
    if escalated:
        above = _dispatching_unit(g).parent
        who += list(_unit_staff(above.pk, (Role.OFFICE, Role.LEADER))) if above else []
        title = f"【退单报上级】问题 #{g.pk} 已退单{g.return_count}次，请上级协调裁定"
    _tell(g, who, NotificationKind.HANDLING, title, ctx.note)


def arbitrate(ctx: Context) -> None:
    """终审: re-route to another unit (a fresh sign-for time there), or send back to the same unit
    with the ruling. The clock is not moved: the time lost counts against the unit that should
    have taken the entry."""
    g = ctx.grievance
    returned_by = g.handling_unit_id
    lost = calendar.working_days_between(g.dispatched_at or g.returned_at, ctx.now).working_days
    target = ctx.fields.get("handling_unit")
    unit = _handling_unit(ctx.actor, g, target) if target else None
    g.returned_at = None
    if unit is not None and unit.pk != returned_by:
        g.handling_unit = unit
        dispatch(ctx)
        ruling = "reroute"
    else:
        g.signed_for_at = ctx.now  # ruled theirs: the unit holds it from now on, without another return
        ruling = "send_back"
    ctx.data.update({"ruling": ruling, "from_unit": returned_by, "to_unit": g.handling_unit_id, "lost_days": lost})
    title = f"【退单裁定】问题 #{g.pk}：" + ("改派贵单位办理" if ruling == "reroute" else "退单不成立，请贵单位办理")
    _tell(g, _unit_staff(g.handling_unit_id, HANDLER_STAFF), NotificationKind.HANDLING, title, ctx.note)


def request_pause(ctx: Context) -> None:
    g = ctx.grievance
    until = _date(ctx.fields["until"], "until")
    if until <= calendar.local_date(ctx.now):
        raise InvalidInput("中止截止日期须晚于今天", fields={"until": ["中止截止日期须晚于今天"]})
    g.pause_state, g.pause_reason, g.pause_until = PauseState.REQUESTED, ctx.note, until
    for f in _files(ctx.fields.get("evidence")):
        Attachment.objects.create(grievance=g, file=f, name=getattr(f, "name", "")[:200], uploaded_by=ctx.actor)
    ctx.data = {"until": until.isoformat()}
    who = [g.dispatched_by, *_unit_staff(_territorial_office_unit(g).pk, (Role.OFFICE,))]
    _tell(g, who, NotificationKind.HANDLING, f"【中止申请】问题 #{g.pk} 申请中止计时至 {until:%Y-%m-%d}", ctx.note)


def approve_pause(ctx: Context) -> None:
    """The deadline moves by the working days strictly after today up to and including `until`."""
    g = ctx.grievance
    today = calendar.local_date(ctx.now)
    if g.pause_until <= today:
        raise InvalidTransition("中止截止日期已过，请重新申请")
    days = paused_days(today, g.pause_until)
    g.pause_state, g.paused_from, g.pause_planned_days = PauseState.ACTIVE, today, days
    g.paused_working_days += days
    g.plan_due_at, g.due_at, g.deadline_provisional = deadlines_for(g)
    ctx.data = {"days": days, "until": g.pause_until.isoformat(), "due_at": g.due_at.isoformat()}
    title = f"【中止批准】问题 #{g.pk} 中止计时至 {g.pause_until:%Y-%m-%d}，办结期限顺延{days}个工作日"
    _tell(g, _unit_staff(g.handling_unit_id, HANDLER_STAFF), NotificationKind.HANDLING, title, ctx.note)


def reject_pause(ctx: Context) -> None:
    g = ctx.grievance
    g.pause_state, g.pause_until = PauseState.NONE, None
    _tell(
        g,
        _unit_staff(g.handling_unit_id, HANDLER_STAFF),
        NotificationKind.HANDLING,
        f"【中止未批准】问题 #{g.pk}",
        ctx.note,
    )


def resume(ctx: Context) -> None:
    """Resumed before `until`: only the working days up to and including today stay off the clock."""
    g = ctx.grievance
    days = end_pause(g, calendar.local_date(ctx.now))
    ctx.data = {"days": days, "due_at": g.due_at.isoformat()}


def end_pause(g: Grievance, day: date) -> int:
    """End the entry's running pause on `day` (at `until` at the latest); the deadline keeps the
    working days actually paused. Returns them."""
    days = paused_days(g.paused_from, min(day, g.pause_until))
    g.paused_working_days = g.paused_working_days - g.pause_planned_days + days
    g.pause_state, g.pause_planned_days = PauseState.NONE, 0
    g.plan_due_at, g.due_at, g.deadline_provisional = deadlines_for(g)
    return days


def interim_reply(ctx: Context) -> None:
    """及时告知 (seed 003): the person is told how far the work is and why it takes longer; the
    entry stays open and its deadline unchanged."""
    ctx.data = {"told_at": ctx.now.isoformat()}


def mark_urgent(ctx: Context) -> None:
    """急难险重: due in the campaign's hours from when the clock started; both levels are told."""
    g = ctx.grievance
    g.urgent = True
    g.plan_due_at, g.due_at, g.deadline_provisional = deadlines_for(g)
    if g.handling_unit_id and g.signed_for_at is None and g.dispatched_at:
        g.sign_for_due_at = sign_for_due(g, g.dispatched_at)
    ctx.data = {"due_at": g.due_at.isoformat()}
    tell_urgent(g)


def tell_urgent(g: Grievance) -> None:
    """Both levels at once: the responsible unit's staff and the office and leaders above it."""
    unit = g.handling_unit or _territorial_office_unit(g)
    who = list(_unit_staff(unit.pk, HANDLER_STAFF))
    if unit.parent_id:
        who += list(_unit_staff(unit.parent_id, (Role.OFFICE, Role.LEADER)))
    due = timezone.localtime(g.due_at, calendar.SHANGHAI)
    _tell(g, who, NotificationKind.URGENT, f"【急难险重】问题 #{g.pk} 须于 {due:%m-%d %H:%M} 前办结", g.content[:60])


# --- what the effects resolve and store ------------------------------------------------------
# A unit's own staff for what is routed to it.
HANDLER_STAFF = (Role.HANDLER, Role.OFFICE, Role.CADRE)


def _territorial_office_unit(g: Grievance) -> OrgUnit:
    """The unit whose office works the entry: its community for a grid's entry, else its unit."""
    if g.unit.level in HOUSEHOLD_LEVELS:
        return g.unit.nearest(Level.COMMUNITY) or g.unit.parent or g.unit
    return g.unit


def _dispatching_unit(g: Grievance) -> OrgUnit:
    """The unit whose office routed the entry: the dispatcher's nearest office over its unit."""
    if g.dispatched_by_id:
        unit = (
            OrgUnit.objects.filter(
                memberships__user_id=g.dispatched_by_id,
                memberships__role__in=(Role.OFFICE, Role.ADMIN),
                path__in=path_prefixes(g.unit.path),
            )
            .order_by("-depth")
            .first()
        )
        if unit is not None:
            return unit
    return _territorial_office_unit(g)


def _unit_staff(unit_id, roles):
    if not unit_id:
        return User.objects.none()
    return User.objects.filter(memberships__unit_id=unit_id, memberships__role__in=roles, is_active=True).distinct()


def _tell(g: Grievance, recipients, kind: str, title: str, body: str = "") -> None:
    notify(recipients=list(recipients), kind=kind, title=title, body=body, grievance=g, url=f"/grievances/{g.pk}/")


def _date(value, key: str) -> date:
    if isinstance(value, datetime):
        return calendar.local_date(value)
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput("日期格式应为 YYYY-MM-DD", fields={key: ["日期格式应为 YYYY-MM-DD"]}) from None


def _files(files):
    if files is not None and not isinstance(files, list | tuple):
        files = [files]
    return files or []


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
