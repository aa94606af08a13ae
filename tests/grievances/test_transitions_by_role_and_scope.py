"""Every transition, allowed and refused by role and by scope, through the API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grievances.models import Grievance, GrievanceEvent

from .factories import GrievanceFactory, run


def _evidence():
    return SimpleUploadedFile("现场照片.jpg", b"\xff\xd8\xff\xe0fake-jpeg", content_type="image/jpeg")


# name -> (setup steps run by admin, fields posted, allowed actor, [(refused actor, status)])
CASES = {
    "review": ([], {}, "office", [("cadre", 403), ("inspector", 403), ("office_b", 404), ("outsider", 404)]),
    "merge": ([], {"into": "OTHER"}, "office", [("cadre", 403), ("office_b", 404)]),
    "assign": ([], {"handling_unit": "department"}, "office", [("cadre", 403), ("leader", 403), ("handler", 404)]),
    "propose_plan": (
        [("assign", {"handling_unit": "department"})],
        {"proposed_solution": "协调教育局解决学位"},
        "handler",
        [("office", 403), ("cadre", 403), ("office_b", 404)],
    ),
    "resolve": (
        [("assign", {"handling_unit": "department"})],
        {"result": "已修复路灯", "evidence": "FILE"},
        "handler",
        [("cadre", 403), ("office", 403)],
    ),
    "solve_on_spot": ([], {"result": "当场讲解政策"}, "cadre", [("inspector", 403), ("leader", 403), ("cadre_c", 404)]),
    "explain": (
        [("assign", {"handling_unit": "department"})],
        {"result": "政策不允许，已当面解释"},
        "handler",
        [("cadre", 403)],
    ),
    "follow_up": (
        [("assign", {"handling_unit": "department"}), ("resolve", {"result": "已解决", "evidence": "FILE"})],
        {"satisfaction": "satisfied", "notes": "电话回访，群众满意"},
        "cadre",
        [("handler", 403), ("inspector", 403)],
    ),
    "close": (
        [
            ("assign", {"handling_unit": "department"}),
            ("resolve", {"result": "已解决", "evidence": "FILE"}),
            ("follow_up", {"satisfaction": "basically_satisfied"}),
        ],
        {},
        "office",
        [("cadre", 403), ("handler", 403)],
    ),
    "reopen": (
        [
            ("assign", {"handling_unit": "department"}),
            ("resolve", {"result": "已解决", "evidence": "FILE"}),
            ("follow_up", {"satisfaction": "not_satisfied"}),
        ],
        {"note": "群众不满意，重新办理"},
        "office",
        [("handler", 403), ("cadre", 403)],
    ),
    "adopt": (
        [("assign", {"handling_unit": "department"})],
        {"result": "纳入明年民生实事"},
        "handler",
        [("cadre", 403)],
    ),
    "reject_suggestion": (
        [("assign", {"handling_unit": "department"})],
        {"note": "不符合规划"},
        "handler",
        [("inspector", 403)],
    ),
    "withdraw": ([], {"note": "群众主动撤回"}, "office", [("cadre", 403), ("office_b", 404)]),
    "escalate": (
        [("assign", {"handling_unit": "department"})],
        {"note": "本部门无法协调"},
        "handler",
        [("cadre", 403)],
    ),
    "transfer": (
        [("assign", {"handling_unit": "community_a"})],
        {"handling_unit": "department", "note": "属教育局职责"},
        "office",
        [("cadre", 403), ("inspector", 403)],
    ),
    "request_extension": (
        [("assign", {"handling_unit": "department"})],
        {"note": "需协调多个部门", "days": 10},
        "handler",
        [("office", 403), ("cadre", 403)],
    ),
    "approve_extension": (
        [("assign", {"handling_unit": "department"}), ("request_extension", {"note": "需协调", "days": 5})],
        {},
        "leader",
        [("handler", 403), ("office", 403)],
    ),
    "reject_extension": (
        [("assign", {"handling_unit": "department"}), ("request_extension", {"note": "需协调", "days": 5})],
        {"note": "理由不充分"},
        "leader",
        [("handler", 403)],
    ),
    "set_tier": ([], {"tier": "major"}, "office", [("cadre", 403), ("handler", 404)]),
    "set_case_owner": ([], {"case_owner": "LEADER"}, "leader", [("cadre", 403), ("office_b", 404)]),
}
SUGGESTIONS = {"adopt", "reject_suggestion"}


def _resolve(value, cast, tree, other):
    if value == "FILE":
        return _evidence()
    if value == "OTHER":
        return other.pk
    if value == "LEADER":
        return cast.leader.pk
    if value in ("department", "community_a"):
        return getattr(tree, value).pk
    return value


def _prepare(name, cast, tree, campaign):
    steps, fields, allowed, refused = CASES[name]
    kind = "suggestion" if name in SUGGESTIONS else "problem"
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, kind=kind)
    other = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, content="另一条：路灯也坏了")
    for step, step_fields in steps:
        run(cast.admin, g, step, **{k: _resolve(v, cast, tree, other) for k, v in step_fields.items()})
    return g, other


@pytest.mark.parametrize("name", list(CASES))
def test_transition_is_allowed_to_its_role_in_scope_and_refused_to_others(name, cast, tree, campaign, api):
    steps, fields, allowed, refused = CASES[name]
    g, other = _prepare(name, cast, tree, campaign)
    before = Grievance.objects.get(pk=g.pk)
    for who, code in refused:
        body = {"name": name, **{k: _resolve(v, cast, tree, other) for k, v in fields.items()}}
        r = api(getattr(cast, who)).post(f"/api/grievances/{g.pk}/transitions/", body, format="multipart")
        assert r.status_code == code, (who, r.json())
        assert r.json()["code"] in ("not_allowed", "not_found")
        after = Grievance.objects.get(pk=g.pk)
        assert (after.status, after.version, after.handling_unit_id) == (
            before.status,
            before.version,
            before.handling_unit_id,
        )
    actor = getattr(cast, allowed)
    listed = api(actor).get(f"/api/grievances/{g.pk}/transitions/").json()
    assert name in [t["name"] for t in listed]
    body = {"name": name, "version": before.version, **{k: _resolve(v, cast, tree, other) for k, v in fields.items()}}
    r = api(actor).post(f"/api/grievances/{g.pk}/transitions/", body, format="multipart")
    assert r.status_code == 200, r.json()
    assert r.json()["version"] == before.version + 1
    event = GrievanceEvent.objects.filter(grievance=g).latest("id")
    assert (event.action, event.actor) == (name, actor)


def test_lifecycle_statuses_follow_the_table(cast, tree, campaign):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    assert run(cast.office, g, "review").status == "reviewed"
    assert run(cast.office, g, "assign", handling_unit=tree.community_a).status == "assigned"
    assert run(cast.office, g, "propose_plan", proposed_solution="更换灯泡").status == "planned"
    g = run(cast.office, g, "resolve", result="已更换", evidence=[_evidence()])
    assert (g.status, g.resolved_level) == ("resolved", "community")
    assert run(cast.cadre, g, "follow_up", satisfaction="satisfied").status == "followed_up"
    g = run(cast.office, g, "close")
    assert g.status == "closed" and g.closed_at is not None
    actions = list(g.events.values_list("action", flat=True))
    assert actions == ["register", "review", "assign", "propose_plan", "resolve", "follow_up", "close"]


def test_solve_on_spot_closes_at_once_but_needs_the_result(cast, tree, campaign, api):
    g = GrievanceFactory(actor=cast.cadre, unit=tree.grid_a1, campaign=campaign, tier="on_spot")
    assert g.plan_due_at is None
    r = api(cast.cadre).post(f"/api/grievances/{g.pk}/transitions/", {"name": "solve_on_spot"}, format="json")
    assert r.status_code == 400 and "result" in r.json()["errors"]
    r = api(cast.cadre).post(
        f"/api/grievances/{g.pk}/transitions/", {"name": "solve_on_spot", "result": "当场答复"}, format="json"
    )
    assert r.json()["status"] == "closed"
    assert Grievance.objects.get(pk=g.pk).resolved_level == "grid"


def test_transitions_not_from_the_current_status_or_kind_are_refused_with_409(cast, tree, campaign, api):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    r = api(cast.office).post(f"/api/grievances/{g.pk}/transitions/", {"name": "close"}, format="json")
    assert (r.status_code, r.json()["code"]) == (409, "invalid_transition")
    s = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, kind="suggestion")
    run(cast.office, s, "assign", handling_unit=tree.department)
    r = api(cast.handler).post(
        f"/api/grievances/{s.pk}/transitions/", {"name": "resolve", "result": "x"}, format="json"
    )
    assert r.status_code == 409


def test_resolve_without_evidence_is_refused_and_changes_nothing(cast, tree, campaign, api):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    run(cast.office, g, "assign", handling_unit=tree.department)
    r = api(cast.handler).post(
        f"/api/grievances/{g.pk}/transitions/", {"name": "resolve", "result": "已处理"}, format="json"
    )
    assert r.status_code == 400 and "evidence" in r.json()["errors"]
    assert Grievance.objects.get(pk=g.pk).status == "assigned"


def test_close_is_refused_when_the_person_is_not_satisfied(cast, tree, campaign):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    run(cast.office, g, "assign", handling_unit=tree.community_a)
    run(cast.office, g, "explain", result="政策不允许")
    run(cast.cadre, g, "follow_up", satisfaction="not_satisfied")
    from grievances.services import InvalidTransition

    with pytest.raises(InvalidTransition):
        run(cast.office, g, "close")


def test_status_cannot_be_set_through_patch(cast, tree, campaign, api):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    r = api(cast.office).patch(f"/api/grievances/{g.pk}/", {"status": "closed", "version": 1}, format="json")
    assert r.status_code == 400
    assert r.json()["errors"] == {"status": ["该字段不能在此修改"]}
    assert Grievance.objects.get(pk=g.pk).status == "registered"
