"""Every row of the transition table acts as it says: a guarded row refuses, through the API and
with its own message, an entry whose state rules it out, even for someone who may run it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from grievances.models import Grievance
from grievances.workflow import TRANSITIONS

from .factories import entry, run


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
}


def _value(value, tree):
    if value == "FILE":
        return _evidence()
    if value in ("department", "district"):
        return getattr(tree, value).pk
    return value


def test_every_guarded_row_has_a_refusal_case():
    assert {t.name for t in TRANSITIONS if t.guard is not None} == set(REFUSED_BY_STATE)


@pytest.mark.parametrize("name", list(REFUSED_BY_STATE))
def test_a_guarded_row_refuses_the_entrys_state_with_its_message(name, cast, tree, campaign, api):
    steps, fields, who, message = REFUSED_BY_STATE[name]
    g = entry(cast.office, tree.grid_a1, campaign)
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
