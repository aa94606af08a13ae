"""The grievance state machine: ONE table of transitions (STYLE.md: one state machine).

Each row says which statuses it leaves, which status it reaches (None: status unchanged, e.g.
escalation), who may run it (roles, and over which unit of the entry the role must be held),
which kinds of entry it applies to, which fields it needs, what else in the entry's state
refuses it (its guard) and what it writes besides the status (its effect); guards and effects are
small functions in transitions.py. `services.transition()` is the only code that runs a row; it
runs the effect, assigns `status` and writes the history in one transaction.

Scopes (where the actor's role must cover):
- "unit":     the entry's territorial unit (office staff of the subtree, cadres for their grids);
- "handling": the handling unit the entry is routed to (or its territorial unit before routing);
- "above":    the parent of the handling unit (extension approval by the level above);
- a case owner (包案 leader) may do what the handling unit may, on their own cases, while a
  leader's membership of theirs still covers the entry's unit;
- the assignee of the entry's open look-back task (回头看) may record its outcome: the follow-up,
  then the close it allows when the person is satisfied or the reopen when they are not.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from campaigns.access import scope
from campaigns.models import OrgUnit, Role, User

from . import transitions as do
from .choices import RUNNING_STATUSES as RUNNING
from .models import OFFICE_ROLES, FollowUp, FollowUpStatus, Grievance, Kind, Satisfaction, Status

S = Status
IN_HAND = (S.ASSIGNED, S.PLANNED)
BOTH = (Kind.PROBLEM, Kind.SUGGESTION)
PROBLEM = (Kind.PROBLEM,)
SUGGESTION = (Kind.SUGGESTION,)

OFFICE = OFFICE_ROLES
HANDLING = (Role.HANDLER, Role.OFFICE, Role.ADMIN)
FIELD = (Role.CADRE, Role.OFFICE, Role.HANDLER, Role.ADMIN)
ABOVE = (Role.OFFICE, Role.LEADER, Role.ADMIN)


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple
    target: str | None
    roles: tuple
    scope: str
    required: tuple = ()
    optional: tuple = ()
    kinds: tuple = BOTH
    owner_may: bool = False  # the 包案 leader may run it on their own cases
    # The assignee of the entry's open look-back task may run it (True), or may when this holds.
    assignee_may: bool | Callable[[Grievance], bool] = False
    confirm: str = ""
    guard: Callable[[Grievance], str | None] | None = None  # the state's refusal message, or None
    effect: Callable[[do.Context], None] | None = None  # what it writes besides the status, if anything


def _after_dissatisfaction(g: Grievance) -> bool:
    """The look-back's assignee reopens only what the person they asked was not satisfied with."""
    return g.status == S.FOLLOWED_UP and g.satisfaction == Satisfaction.NOT_SATISFIED


TRANSITIONS = [
    Transition("review", "审核通过", (S.REGISTERED,), S.REVIEWED, OFFICE, "unit", optional=("note",)),
    Transition(
        "merge",
        "合并到其他条目",
        (S.REGISTERED, S.REVIEWED),
        S.MERGED,
        OFFICE,
        "unit",
        required=("into",),
        optional=("note",),
        effect=do.merge,
    ),
    Transition(
        "assign",
        "交办责任单位",
        (S.REGISTERED, S.REVIEWED, S.ASSIGNED),
        S.ASSIGNED,
        OFFICE,
        "unit",
        required=("handling_unit",),
        optional=("case_owner", "note"),
        effect=do.assign,
    ),
    Transition(
        "propose_plan",
        "提交解决方案",
        (S.ASSIGNED,),
        S.PLANNED,
        HANDLING,
        "handling",
        required=("proposed_solution",),
        optional=("note",),
        owner_may=True,
        effect=do.propose_plan,
    ),
    Transition(
        "resolve",
        "办结（结果与佐证）",
        IN_HAND,
        S.RESOLVED,
        HANDLING,
        "handling",
        required=("result", "evidence"),
        optional=("note",),
        kinds=PROBLEM,
        owner_may=True,
        effect=do.resolve,
    ),
    Transition(
        "solve_on_spot",
        "即知即办（当场解决）",
        (S.REGISTERED, S.REVIEWED),
        S.CLOSED,
        FIELD,
        "unit",
        required=("result",),
        optional=("note", "evidence"),
        kinds=PROBLEM,
        effect=do.solve_on_spot,
    ),
    Transition(
        "explain",
        "解释说明（政策不允许）",
        (S.REVIEWED, *IN_HAND),
        S.EXPLAINED,
        HANDLING,
        "handling",
        required=("result",),
        optional=("note",),
        kinds=PROBLEM,
        owner_may=True,
        effect=do.record_answer,
    ),
    Transition(
        "follow_up",
        "回访（满意度）",
        (S.RESOLVED, S.EXPLAINED),
        S.FOLLOWED_UP,
        FIELD,
        "unit",
        required=("satisfaction",),
        optional=("notes", "note"),
        assignee_may=True,
        effect=do.follow_up,
    ),
    Transition(
        "close",
        "销号",
        (S.FOLLOWED_UP,),
        S.CLOSED,
        OFFICE,
        "unit",
        optional=("note",),
        assignee_may=True,
        guard=do.person_not_dissatisfied,
        effect=do.close,
    ),
    Transition(
        "reopen",
        "重新办理（群众不满意）",
        (S.RESOLVED, S.EXPLAINED, S.FOLLOWED_UP, S.CLOSED),
        S.ASSIGNED,
        OFFICE,
        "unit",
        required=("note",),
        kinds=PROBLEM,
        assignee_may=_after_dissatisfaction,
        effect=do.reopen,
    ),
    Transition(
        "adopt",
        "采纳建议",
        RUNNING,
        S.ADOPTED,
        HANDLING,
        "handling",
        optional=("result", "note"),
        kinds=SUGGESTION,
        owner_may=True,
        effect=do.answer_suggestion,
    ),
    Transition(
        "reject_suggestion",
        "不予采纳",
        RUNNING,
        S.NOT_ADOPTED,
        HANDLING,
        "handling",
        required=("note",),
        optional=("result",),
        kinds=SUGGESTION,
        owner_may=True,
        effect=do.answer_suggestion,
    ),
    Transition(
        "withdraw", "撤回", RUNNING, S.WITHDRAWN, OFFICE, "unit", required=("note",), confirm="确定撤回该条目？"
    ),
    Transition(
        "escalate",
        "上报上级单位",
        (S.REVIEWED, *IN_HAND),
        None,
        HANDLING,
        "handling",
        required=("note",),
        guard=do.level_above_exists,
        effect=do.escalate,
    ),
    Transition(
        "transfer",
        "转交职能部门",
        (S.REVIEWED, *IN_HAND),
        None,
        HANDLING,
        "handling",
        required=("handling_unit", "note"),
        effect=do.transfer,
    ),
    Transition(
        "request_extension",
        "申请延期",
        IN_HAND,
        None,
        HANDLING,
        "handling",
        required=("note", "days"),
        owner_may=True,
        guard=do.one_extension_only,
        effect=do.request_extension,
    ),
    Transition(
        "approve_extension",
        "批准延期",
        IN_HAND,
        None,
        ABOVE,
        "above",
        optional=("note",),
        guard=do.extension_awaiting_decision,
        effect=do.approve_extension,
    ),
    Transition(
        "reject_extension",
        "不批准延期",
        IN_HAND,
        None,
        ABOVE,
        "above",
        required=("note",),
        guard=do.extension_awaiting_decision,
        effect=do.reject_extension,
    ),
    Transition(
        "sign_for",
        "签收",
        IN_HAND,
        None,
        HANDLING,
        "handling",
        optional=("note",),
        owner_may=True,
        guard=do.not_signed_for,
        effect=do.sign_for,
    ),
    Transition(
        "return",
        "退单（非本单位职责）",
        (S.ASSIGNED,),
        None,
        HANDLING,
        "handling",
        required=("note",),
        guard=do.may_return,
        effect=do.return_entry,
        confirm="确定退回该条目？退单须在签收时限内，由活动办裁定。",
    ),
    Transition(
        "arbitrate",
        "退单裁定",
        (S.ASSIGNED,),
        None,
        OFFICE,
        "unit",
        required=("note",),
        optional=("handling_unit",),
        guard=do.return_awaiting_ruling,
        effect=do.arbitrate,
    ),
    Transition(
        "request_pause",
        "申请中止计时",
        IN_HAND,
        None,
        HANDLING,
        "handling",
        required=("note", "until"),
        optional=("evidence",),
        owner_may=True,
        guard=do.may_pause,
        effect=do.request_pause,
    ),
    Transition(
        "approve_pause",
        "批准中止计时",
        IN_HAND,
        None,
        OFFICE,
        "unit",
        optional=("note",),
        guard=do.pause_awaiting_decision,
        effect=do.approve_pause,
    ),
    Transition(
        "reject_pause",
        "不批准中止",
        IN_HAND,
        None,
        OFFICE,
        "unit",
        required=("note",),
        guard=do.pause_awaiting_decision,
        effect=do.reject_pause,
    ),
    Transition(
        "resume",
        "恢复计时",
        IN_HAND,
        None,
        HANDLING,
        "handling",
        optional=("note",),
        owner_may=True,
        guard=do.pause_running,
        effect=do.resume,
    ),
    Transition(
        "interim_reply",
        "及时告知（阶段性答复）",
        (S.REVIEWED, *IN_HAND),
        None,
        HANDLING,
        "handling",
        required=("note",),
        owner_may=True,
        effect=do.interim_reply,
    ),
    Transition(
        "mark_urgent",
        "标记急难险重",
        RUNNING,
        None,
        OFFICE,
        "unit",
        optional=("note",),
        kinds=PROBLEM,
        guard=do.not_urgent,
        effect=do.mark_urgent,
        confirm="标记后办结时限按小时计算，并同时通知两级单位。确定？",
    ),
    Transition(
        "set_tier",
        "调整问题层级",
        RUNNING,
        None,
        OFFICE,
        "unit",
        required=("tier",),
        optional=("note",),
        effect=do.set_tier,
    ),
    Transition(
        "set_case_owner",
        "指定包案领导",
        (*RUNNING, S.RESOLVED, S.EXPLAINED),
        None,
        (Role.OFFICE, Role.LEADER, Role.ADMIN),
        "unit",
        required=("case_owner",),
        optional=("note",),
        effect=do.set_case_owner,
    ),
]

BY_NAME = {t.name: t for t in TRANSITIONS}
# What the browser's bulk actions may run on many entries at once.
BULK = ("review", "assign", "set_tier")


@dataclass
class Check:
    allowed: bool
    reason: str = ""  # "state" (not from this status/kind/condition), "scope" (role or subtree)
    message: str = ""
    extra: dict = field(default_factory=dict)


def _covers(actor: User, unit: OrgUnit | None, roles: tuple) -> bool:
    return unit is not None and scope(actor).covers(unit, roles)


def _owns(actor: User, g: Grievance) -> bool:
    """The entry's 包案 leader, as long as a leader's membership of theirs covers its unit: a
    leader named from another street or district (or who has moved on) acts on nothing."""
    return bool(g.case_owner_id) and g.case_owner_id == actor.pk and _covers(actor, g.unit, (Role.LEADER,))


def _records_lookback(actor: User, g: Grievance, t: Transition) -> bool:
    """The assignee of the entry's open look-back task records its outcome: the follow-up, then
    the close it allows or, after dissatisfaction, the reopen."""
    if callable(t.assignee_may) and not t.assignee_may(g):
        return False
    return FollowUp.objects.filter(grievance=g, assignee=actor, status=FollowUpStatus.PENDING).exists()


def check(actor: User, grievance: Grievance, name: str) -> Check:
    """Whether `actor` may run transition `name` on `grievance` now, and why not: the row's
    statuses and kinds, then its guard, then who may."""
    t = BY_NAME.get(name)
    if t is None:
        return Check(False, "unknown", "未知的办理操作")
    g = grievance
    if g.status not in t.sources or g.kind not in t.kinds:
        return Check(False, "state", f"当前状态（{g.get_status_display()}）不能执行“{t.label}”")
    refusal = t.guard(g) if t.guard is not None else None
    if refusal:
        return Check(False, "state", refusal)
    return _access(actor, g, t)


def _access(actor: User, g: Grievance, t: Transition) -> Check:
    s = scope(actor)
    if not s.is_authenticated:
        return Check(False, "scope", "请先登录")
    if s.is_superuser or (t.owner_may and _owns(actor, g)):
        return Check(True)
    ok = _holds_scope(actor, g, t)
    # Last, as it costs a query: the look-back's assignee (a paired department's cadre, say).
    if not ok and t.assignee_may:
        ok = _records_lookback(actor, g, t)
    if not ok:
        return Check(False, "scope", "您没有执行此操作的权限")
    return Check(True)


def _holds_scope(actor: User, g: Grievance, t: Transition) -> bool:
    """The row's roles over the unit its scope names (see the module's docstring)."""
    if t.scope == "unit":
        return _covers(actor, g.unit, t.roles)
    if t.scope == "handling":
        # Office staff over the entry's territory keep their hands on it after routing,
        # except across to a functional unit, which acts on its own.
        ok = _covers(actor, g.handling_unit or g.unit, t.roles)
        if not ok and g.handling_unit_id and g.handling_unit.level != "department":
            ok = _covers(actor, g.unit, OFFICE)
        return ok
    # "above": the level above the handling unit approves
    handling = g.handling_unit or g.unit
    return handling.parent is not None and _covers(actor, handling.parent, t.roles)


def allowed(actor: User, grievance: Grievance) -> list[Transition]:
    """Transitions the actor may run on the entry now, in table order."""
    return [t for t in TRANSITIONS if check(actor, grievance, t.name).allowed]
