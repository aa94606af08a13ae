"""The grievance state machine: ONE table of transitions (STYLE.md: one state machine).

Each row says which statuses it leaves, which status it reaches (None: status unchanged, e.g.
escalation), who may run it (roles, and over which unit of the entry the role must be held),
which kinds of entry it applies to, and which fields it needs. `services.transition()` is the
only code that runs a row; it assigns `status` and writes the history in one transaction.

Scopes (where the actor's role must cover):
- "unit":     the entry's territorial unit (office staff of the subtree, cadres for their grids);
- "handling": the handling unit the entry is routed to (or its territorial unit before routing);
- "above":    the parent of the handling unit (extension approval by the level above);
- a case owner (包案 leader) may do what the handling unit may, on their own cases, while a
  leader's membership of theirs still covers the entry's unit;
- the assignee of the entry's open look-back task (回头看) may record its outcome: the follow-up,
  then the close it allows when the person is satisfied or the reopen when they are not.
"""

from dataclasses import dataclass, field

from campaigns.access import scope
from campaigns.models import Role

from .choices import RUNNING_STATUSES as RUNNING
from .models import FollowUp, FollowUpStatus, Kind, Satisfaction, Status

S = Status
IN_HAND = (S.ASSIGNED, S.PLANNED)
BOTH = (Kind.PROBLEM, Kind.SUGGESTION)
PROBLEM = (Kind.PROBLEM,)
SUGGESTION = (Kind.SUGGESTION,)

OFFICE = (Role.OFFICE, Role.ADMIN)
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
    assignee_may: bool = False  # the assignee of the entry's open look-back task may run it
    confirm: str = ""


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
    ),
    Transition("close", "销号", (S.FOLLOWED_UP,), S.CLOSED, OFFICE, "unit", optional=("note",), assignee_may=True),
    Transition(
        "reopen",
        "重新办理（群众不满意）",
        (S.RESOLVED, S.EXPLAINED, S.FOLLOWED_UP, S.CLOSED),
        S.ASSIGNED,
        OFFICE,
        "unit",
        required=("note",),
        kinds=PROBLEM,
        assignee_may=True,
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
    ),
    Transition(
        "withdraw", "撤回", RUNNING, S.WITHDRAWN, OFFICE, "unit", required=("note",), confirm="确定撤回该条目？"
    ),
    Transition("escalate", "上报上级单位", (S.REVIEWED, *IN_HAND), None, HANDLING, "handling", required=("note",)),
    Transition(
        "transfer",
        "转交职能部门",
        (S.REVIEWED, *IN_HAND),
        None,
        HANDLING,
        "handling",
        required=("handling_unit", "note"),
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
    ),
    Transition("approve_extension", "批准延期", IN_HAND, None, ABOVE, "above", optional=("note",)),
    Transition("reject_extension", "不批准延期", IN_HAND, None, ABOVE, "above", required=("note",)),
    Transition("set_tier", "调整问题层级", RUNNING, None, OFFICE, "unit", required=("tier",), optional=("note",)),
    Transition(
        "set_case_owner",
        "指定包案领导",
        (*RUNNING, S.RESOLVED, S.EXPLAINED),
        None,
        (Role.OFFICE, Role.LEADER, Role.ADMIN),
        "unit",
        required=("case_owner",),
        optional=("note",),
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


def _covers(actor, unit, roles):
    return unit is not None and scope(actor).covers(unit, roles)


def _owns(actor, g):
    """The entry's 包案 leader, as long as a leader's membership of theirs covers its unit: a
    leader named from another street or district (or who has moved on) acts on nothing."""
    return bool(g.case_owner_id) and g.case_owner_id == actor.pk and _covers(actor, g.unit, (Role.LEADER,))


def _records_lookback(actor, g, name):
    """The assignee of the entry's open look-back task records its outcome: the follow-up, then
    the close it allows or, after dissatisfaction, the reopen."""
    if name == "reopen" and not (g.status == S.FOLLOWED_UP and g.satisfaction == Satisfaction.NOT_SATISFIED):
        return False
    return FollowUp.objects.filter(grievance=g, assignee=actor, status=FollowUpStatus.PENDING).exists()


def check(actor, grievance, name):
    """Whether `actor` may run transition `name` on `grievance` now, and why not."""
    t = BY_NAME.get(name)
    if t is None:
        return Check(False, "unknown", "未知的办理操作")
    g = grievance
    if g.status not in t.sources or g.kind not in t.kinds:
        return Check(False, "state", f"当前状态（{g.get_status_display()}）不能执行“{t.label}”")
    if name == "request_extension" and g.extension_state != "none":
        return Check(False, "state", "每个问题只能申请一次延期")
    if name in ("approve_extension", "reject_extension") and g.extension_state != "requested":
        return Check(False, "state", "没有待审批的延期申请")
    if name == "close" and g.satisfaction == "not_satisfied":
        return Check(False, "state", "群众不满意，不能销号，请重新办理")
    if name == "escalate":
        current = g.handling_unit or g.unit
        if current.parent_id is None:
            return Check(False, "state", "已是最高一级，无法继续上报")
    s = scope(actor)
    if not s.is_authenticated:
        return Check(False, "scope", "请先登录")
    if s.is_superuser:
        return Check(True)
    if t.owner_may and _owns(actor, g):
        return Check(True)
    if t.scope == "unit":
        ok = _covers(actor, g.unit, t.roles)
    elif t.scope == "handling":
        ok = _covers(actor, g.handling_unit or g.unit, t.roles)
        # Office staff over the entry's territory keep their hands on it after routing,
        # except across to a functional unit, which acts on its own.
        if not ok and g.handling_unit_id and g.handling_unit.level != "department":
            ok = _covers(actor, g.unit, OFFICE)
    else:  # "above": the level above the handling unit approves
        handling = g.handling_unit or g.unit
        ok = handling.parent is not None and _covers(actor, handling.parent, t.roles)
    # Last, as it costs a query: the look-back's assignee (a paired department's cadre, say).
    if not ok and t.assignee_may:
        ok = _records_lookback(actor, g, name)
    if not ok:
        return Check(False, "scope", "您没有执行此操作的权限")
    return Check(True)


def allowed(actor, grievance):
    """Transitions the actor may run on the entry now, in table order."""
    return [t for t in TRANSITIONS if check(actor, grievance, t.name).allowed]
