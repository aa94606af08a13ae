"""Every row of the transition table acts as it says, through the API: what its effect writes
shows on the entry and its history, and a guarded row refuses, with its own message, an entry
whose state rules it out, even for someone who may run it."""

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from campaigns.calendar import working_days_between
from grievances.models import Grievance, GrievanceEvent
from grievances.workflow import BY_NAME, TRANSITIONS

from .factories import GrievanceFactory, run


def _evidence():
    return SimpleUploadedFile("现场照片.jpg", b"\xff\xd8\xff\xe0fake-jpeg", content_type="image/jpeg")


ASSIGNED = [("assign", {"handling_unit": "department"})]

# name -> (setup steps run by admin, fields posted, who posts, the refusal they read)
REFUSED_BY_STATE = {
    "request_extension": (
        [*ASSIGNED, ("request_extension", {"note": "需协调", "days": 5}), ("approve_extension", {})],
        {"note": "再延一次", "days": 5},
        "handler",
        "每个问题只能申请一次延期",
    ),
    "approve_extension": (ASSIGNED, {}, "leader", "没有待审批的延期申请"),
    "reject_extension": (ASSIGNED, {"note": "理由不充分"}, "leader", "没有待审批的延期申请"),
    "close": (
        [
            *ASSIGNED,
            ("resolve", {"result": "已解决", "evidence": "FILE"}),
            ("follow_up", {"satisfaction": "not_satisfied"}),
        ],
        {},
        "office",
        "群众不满意，不能销号，请重新办理",
    ),
    "escalate": (
        [("assign", {"handling_unit": "district"})],
        {"note": "区里也协调不了"},
        "admin",
        "已是最高一级，无法继续上报",
    ),
    "sign_for": ([*ASSIGNED, ("sign_for", {})], {}, "handler", "该条目已签收"),
    "return": ([*ASSIGNED, ("sign_for", {})], {"note": "不属本单位职责"}, "handler", "已签收的条目不能退单"),
    "arbitrate": (ASSIGNED, {"note": "属教育局职责"}, "office", "没有待裁定的退单"),
    "request_pause": (
        [*ASSIGNED, ("request_pause", {"note": "等待司法鉴定", "until": "2026-12-01"})],
        {"note": "再次申请", "until": "2026-12-02"},
        "handler",
        "已有待审批的中止申请",
    ),
    "approve_pause": (ASSIGNED, {}, "office", "没有待审批的中止申请"),
    "reject_pause": (ASSIGNED, {"note": "理由不充分"}, "office", "没有待审批的中止申请"),
    "resume": (ASSIGNED, {}, "handler", "该条目未在中止计时中"),
    "mark_urgent": ([("mark_urgent", {})], {}, "office", "该条目已标记为急难险重"),
}


def _value(value, tree, cast=None, other=None):
    if value == "FILE":
        return _evidence()
    if value in ("department", "district", "community_a"):
        return getattr(tree, value).pk
    if value == "LEADER":
        return cast.leader.pk
    if value == "OTHER":
        return other.pk
    return value


RESOLVED = [*ASSIGNED, ("resolve", {"result": "已解决", "evidence": "FILE"})]
RETURNED = [*ASSIGNED, ("return", {"note": "不属本单位职责"})]
PAUSE_REQUESTED = [*ASSIGNED, ("request_pause", {"note": "等待法院判决", "until": "2026-11-25"})]
TO_COMMUNITY = [("assign", {"handling_unit": "community_a"})]
REQUESTED = [*ASSIGNED, ("request_extension", {"note": "需协调", "days": 5})]

# name -> (setup steps run by admin, fields posted, who posts, what shows afterwards)
EFFECTS = {
    "review": ([], {}, "office", lambda s: s.g.status == "reviewed"),
    "merge": (
        [],
        {"into": "OTHER", "note": "同一路灯"},
        "office",
        lambda s: (
            (s.g.status, s.g.merged_into_id, s.event.data) == ("merged", s.other.pk, {"into": s.other.pk})
            and s.other.reporters.count() == 2
            and s.other.events.filter(action="merge_in", note="同一路灯", data={"source": s.g.pk}).exists()
        ),
    ),
    "assign": (
        [],
        {"handling_unit": "department", "case_owner": "LEADER"},
        "office",
        lambda s: (
            (s.g.handling_unit, s.g.case_owner) == (s.tree.department, s.cast.leader)
            and s.event.data == {"from_unit": None, "to_unit": s.tree.department.pk, "case_owner": s.cast.leader.pk}
        ),
    ),
    "propose_plan": (
        ASSIGNED,
        {"proposed_solution": "协调教育局解决学位"},
        "handler",
        lambda s: s.g.proposed_solution == "协调教育局解决学位" and s.g.plan_submitted_at is not None,
    ),
    "resolve": (
        ASSIGNED,
        {"result": "已修复路灯", "evidence": "FILE"},
        "handler",
        lambda s: (
            (s.g.status, s.g.result, s.g.resolved_level) == ("resolved", "已修复路灯", "department")
            and s.g.resolved_at is not None
            and s.g.attachments.filter(is_evidence=True).count() == 1
        ),
    ),
    "solve_on_spot": (
        [],
        {"result": "当场讲解政策"},
        "cadre",
        lambda s: (
            (s.g.status, s.g.result, s.g.resolved_level) == ("closed", "当场讲解政策", "grid")
            and None not in (s.g.resolved_at, s.g.closed_at, s.g.plan_submitted_at)
        ),
    ),
    "explain": (
        ASSIGNED,
        {"result": "政策不允许，已当面解释"},
        "handler",
        lambda s: (
            (s.g.status, s.g.result, s.g.resolved_level) == ("explained", "政策不允许，已当面解释", "department")
            and s.g.resolved_at is not None
        ),
    ),
    "follow_up": (
        RESOLVED,
        {"satisfaction": "basically_satisfied", "notes": "电话回访，群众基本满意"},
        "cadre",
        lambda s: (
            s.g.satisfaction == "basically_satisfied"
            and (s.event.note, s.event.data) == ("电话回访，群众基本满意", {"satisfaction": "basically_satisfied"})
        ),
    ),
    "close": (
        [*RESOLVED, ("follow_up", {"satisfaction": "satisfied"})],
        {},
        "office",
        lambda s: s.g.status == "closed" and s.g.closed_at is not None,
    ),
    "reopen": (
        [*RESOLVED, ("follow_up", {"satisfaction": "not_satisfied"})],
        {"note": "群众不满意，重新办理"},
        "office",
        lambda s: (
            (s.g.status, s.g.reopened_count, s.g.satisfaction, s.g.resolved_level) == ("assigned", 1, "", "")
            and s.g.resolved_at is None
            and s.g.clock_started_at > s.before.clock_started_at
            and s.event.data.keys() == {"due_at"}
            and datetime.fromisoformat(s.event.data["due_at"]) == s.g.due_at
        ),
    ),
    "adopt": (
        ASSIGNED,
        {"result": "纳入明年民生实事"},
        "handler",
        lambda s: (
            (s.g.status, s.g.result, s.g.resolved_level) == ("adopted", "纳入明年民生实事", "department")
            and None not in (s.g.resolved_at, s.g.closed_at)
        ),
    ),
    "reject_suggestion": (
        ASSIGNED,
        {"note": "不符合规划"},
        "handler",
        lambda s: (s.g.status, s.g.result) == ("not_adopted", "不符合规划") and s.g.closed_at is not None,
    ),
    "withdraw": ([], {"note": "群众主动撤回"}, "office", lambda s: s.g.status == "withdrawn"),
    "escalate": (
        TO_COMMUNITY,
        {"note": "社区协调不了"},
        "office",
        lambda s: (
            s.g.handling_unit == s.tree.street_a
            and s.event.data == {"from_unit": s.tree.community_a.pk, "to_unit": s.tree.street_a.pk}
            and s.g.due_at == s.before.due_at
        ),
    ),
    "transfer": (
        TO_COMMUNITY,
        {"handling_unit": "department", "note": "属教育局职责"},
        "office",
        lambda s: (
            s.g.handling_unit == s.tree.department
            and s.event.data == {"from_unit": s.tree.community_a.pk, "to_unit": s.tree.department.pk}
        ),
    ),
    "request_extension": (
        ASSIGNED,
        {"note": "需协调多个部门", "days": 10},
        "handler",
        lambda s: (
            (s.g.extension_state, s.g.extension_requested_days, s.g.extension_reason)
            == ("requested", 10, "需协调多个部门")
            and s.g.due_at == s.before.due_at
        ),
    ),
    "approve_extension": (
        REQUESTED,
        {},
        "leader",
        lambda s: (
            (s.g.extension_state, s.g.extension_days) == ("approved", 5)
            and s.g.due_at > s.before.due_at
            and s.event.data["days"] == 5
            and datetime.fromisoformat(s.event.data["due_at"]) == s.g.due_at
        ),
    ),
    "reject_extension": (
        REQUESTED,
        {"note": "理由不充分"},
        "leader",
        lambda s: (s.g.extension_state, s.g.extension_days, s.g.due_at) == ("rejected", 0, s.before.due_at),
    ),
    "set_tier": (
        [],
        {"tier": "major"},
        "office",
        lambda s: (
            s.g.tier == "major"
            and s.g.due_at > s.before.due_at
            and s.event.data == {"from_tier": "general", "to_tier": "major"}
        ),
    ),
    "sign_for": (
        ASSIGNED,
        {},
        "handler",
        lambda s: s.g.signed_for_at is not None and s.event.data == {"in_time": True} and s.g.due_at == s.before.due_at,
    ),
    "return": (
        ASSIGNED,
        {"note": "属住建部门职责"},
        "handler",
        lambda s: (
            (s.g.return_count, s.g.return_reason, s.g.handling_unit) == (1, "属住建部门职责", s.tree.department)
            and s.g.returned_at is not None
            and s.event.data == {"unit": s.tree.department.pk, "count": 1, "escalated": False}
        ),
    ),
    "arbitrate": (
        RETURNED,
        {"note": "属社区职责，改派", "handling_unit": "community_a"},
        "office",
        lambda s: (
            (s.g.handling_unit, s.g.returned_at, s.g.signed_for_at) == (s.tree.community_a, None, None)
            and s.g.dispatched_at > s.before.dispatched_at
            and s.g.due_at == s.before.due_at
            and s.event.data["ruling"] == "reroute"
        ),
    ),
    "request_pause": (
        ASSIGNED,
        {"note": "等待第三方鉴定", "until": "2026-11-30"},
        "handler",
        lambda s: (
            (s.g.pause_state, s.g.pause_reason, str(s.g.pause_until)) == ("requested", "等待第三方鉴定", "2026-11-30")
            and s.g.due_at == s.before.due_at
        ),
    ),
    "approve_pause": (
        PAUSE_REQUESTED,
        {},
        "office",
        # Thu 19 – Wed 25 Nov: five working days after the approval day (Wed 18 Nov).
        lambda s: (
            (s.g.pause_state, s.g.paused_working_days, s.event.data["days"]) == ("active", 5, 5)
            and working_days_between(s.before.due_at, s.g.due_at).working_days == 5
            and datetime.fromisoformat(s.event.data["due_at"]) == s.g.due_at
        ),
    ),
    "reject_pause": (
        PAUSE_REQUESTED,
        {"note": "可先行办理"},
        "office",
        lambda s: (s.g.pause_state, s.g.paused_working_days, s.g.due_at) == ("none", 0, s.before.due_at),
    ),
    "resume": (
        [*PAUSE_REQUESTED, ("approve_pause", {})],
        {},
        "handler",
        # Resumed on the approval day itself: nothing was paused, the deadline comes back.
        lambda s: (
            (s.g.pause_state, s.g.paused_working_days, s.event.data["days"]) == ("none", 0, 0)
            and s.g.due_at < s.before.due_at
        ),
    ),
    "interim_reply": (
        ASSIGNED,
        {"note": "已联系供电公司，预计下周更换线路"},
        "handler",
        lambda s: (
            (s.g.status, s.g.due_at, s.event.note) == ("assigned", s.before.due_at, "已联系供电公司，预计下周更换线路")
            and "told_at" in s.event.data
        ),
    ),
    "mark_urgent": (
        [],
        {},
        "office",
        lambda s: s.g.urgent and s.g.plan_due_at is None and s.g.due_at == s.g.registered_at + timedelta(hours=24),
    ),
    "set_case_owner": (
        [],
        {"case_owner": "LEADER"},
        "leader",
        lambda s: s.g.case_owner == s.cast.leader and s.event.data == {"case_owner": s.cast.leader.pk},
    ),
}
SUGGESTIONS = {"adopt", "reject_suggestion"}


def test_every_row_has_an_effect_case():
    assert set(EFFECTS) == set(BY_NAME)


@pytest.mark.parametrize("name", list(EFFECTS))
def test_a_row_does_what_it_says_through_the_api(name, cast, tree, campaign, api):
    steps, fields, who, shows = EFFECTS[name]
    kind = "suggestion" if name in SUGGESTIONS else "problem"
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, kind=kind)
    other = GrievanceFactory(
        actor=cast.office, unit=tree.grid_a1, campaign=campaign, content="另一条：3号楼前路灯也不亮"
    )
    for step, step_fields in steps:
        run(cast.admin, g, step, **{k: _value(v, tree, cast, other) for k, v in step_fields.items()})
    before = Grievance.objects.get(pk=g.pk)
    body = {"name": name, "version": before.version, **{k: _value(v, tree, cast, other) for k, v in fields.items()}}
    r = api(getattr(cast, who)).post(f"/api/grievances/{g.pk}/transitions/", body, format="multipart")
    assert r.status_code == 200, r.json()
    event = GrievanceEvent.objects.filter(grievance=g).latest("id")
    assert (event.action, event.from_status, event.to_status) == (name, before.status, r.json()["status"])
    state = SimpleNamespace(
        g=Grievance.objects.get(pk=g.pk), before=before, event=event, other=Grievance.objects.get(pk=other.pk)
    )
    state.cast, state.tree = cast, tree
    assert shows(state)


def test_every_guarded_row_has_a_refusal_case():
    assert {t.name for t in TRANSITIONS if t.guard is not None} == set(REFUSED_BY_STATE)


@pytest.mark.parametrize("name", list(REFUSED_BY_STATE))
def test_a_guarded_row_refuses_the_entrys_state_with_its_message(name, cast, tree, campaign, api):
    steps, fields, who, message = REFUSED_BY_STATE[name]
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    for step, step_fields in steps:
        run(cast.admin, g, step, **{k: _value(v, tree) for k, v in step_fields.items()})
    before = Grievance.objects.get(pk=g.pk)
    client = api(getattr(cast, who))
    url = f"/api/grievances/{g.pk}/transitions/"
    assert name not in [o["name"] for o in client.get(url).json()]
    r = client.post(url, {"name": name, **{k: _value(v, tree) for k, v in fields.items()}}, format="multipart")
    assert (r.status_code, r.json()["code"], r.json()["detail"]) == (409, "invalid_transition", message)
    after = Grievance.objects.get(pk=g.pk)
    assert (after.status, after.version, after.handling_unit_id, after.extension_state) == (
        before.status,
        before.version,
        before.handling_unit_id,
        before.extension_state,
    )
