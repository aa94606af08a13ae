"""Factories of the ledger: entries are registered with `register_grievance()` and reach their
status through `services.transition()`, so each has the history the workflow writes; follow-ups
come from the look-back's own `ensure_followup_for()`.

`lighting_entry()` (a road-lighting category of its own) with `due_on()`, `set_status()`, `visit()`
and `assign()` sets up the deadline sweep's and the look-back's cases directly."""

from contextlib import nullcontext
from datetime import date, datetime, time, timedelta

import factory
import time_machine
from django.core.files.base import ContentFile
from django.utils import timezone

from campaigns.calendar import SHANGHAI, end_of_day
from grievances import followups, services
from grievances.deadlines import deadlines_for
from grievances.models import FollowUp, Grievance, GrievanceCategory, Kind, Status, Tier
from tests.factories import admin_actor
from visits.models import Assignment, Household, Visit

CONTENTS = [
    "3号楼前的路灯坏了半个多月，晚上出门黑漆漆的。",
    "小区门口的下水道经常堵塞，一下雨污水就漫到路面上。",
    "楼道里堆满了杂物，存在消防隐患，希望尽快清理。",
    "老旧小区没有电梯，老人上下楼很困难，希望加装电梯。",
    "菜市场附近早晚车辆乱停，孩子上学路上很危险。",
    "家里老人行动不便，希望社区能提供上门助餐服务。",
]

# The transitions that bring a new entry to each status, in the order an office runs them.
PATHS = {
    Kind.PROBLEM: {
        "registered": [],
        "reviewed": ["review"],
        "assigned": ["assign"],
        "planned": ["assign", "propose_plan"],
        "resolved": ["assign", "resolve"],
        "explained": ["review", "explain"],
        "followed_up": ["assign", "resolve", "follow_up"],
        "closed": ["assign", "resolve", "follow_up", "close"],
        "withdrawn": ["withdraw"],
        "merged": ["merge"],
    },
    Kind.SUGGESTION: {
        "registered": [],
        "reviewed": ["review"],
        "assigned": ["assign"],
        "adopted": ["adopt"],
        "not_adopted": ["reject_suggestion"],
        "withdrawn": ["withdraw"],
        "merged": ["merge"],
    },
}
# The step that answers the person; with `resolved_at`, the walk up to it happens at that time.
ANSWERS = {"resolve", "explain", "solve_on_spot", "adopt", "reject_suggestion"}


def category(code="street_lights"):
    """A category of the seeded taxonomy (transactional tests flush it: seed it again then)."""
    if not GrievanceCategory.objects.filter(code=code).exists():
        services.seed_categories()
    return GrievanceCategory.objects.get(code=code)


class GrievanceCategoryFactory(factory.django.DjangoModelFactory):
    """A category as an administrator configures one in the admin site (the taxonomy is configuration)."""

    class Meta:
        model = GrievanceCategory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"category-{n}")
    name = factory.Sequence(lambda n: f"问题类别{n}")
    parent = None


def _overdue_registration(campaign, tier):
    """The latest day, counting back from today, on which an entry registered is overdue now."""
    now = timezone.now()
    for days in range(1, 366):
        registered_at = now - timedelta(days=days)
        due = deadlines_for(Grievance(campaign=campaign, tier=tier, registered_at=registered_at)).due_at
        if due < now:
            return registered_at
    raise AssertionError("no registration day in the past year is overdue today")


def _evidence():
    return ContentFile(b"\xff\xd8\xff\xe0 photo of the finished work", name="整改后照片.jpg")


def _step_fields(name, g, *, handling_unit, satisfaction, merged_into):
    return {
        "review": {},
        "assign": {"handling_unit": handling_unit or g.unit},
        "propose_plan": {"proposed_solution": "已联系责任单位，制定整改方案，两周内完成。"},
        "resolve": {"result": "已安排维修，现场整改完毕。", "evidence": [_evidence()]},
        "explain": {"result": "已向群众解释相关政策，群众表示理解。"},
        "solve_on_spot": {"result": "走访时当场协调解决。"},
        "follow_up": {"satisfaction": satisfaction},
        "close": {},
        "reopen": {"note": "回访时群众表示问题没有解决，重新办理。"},
        "adopt": {"result": "建议已采纳，纳入下一步工作计划。"},
        "reject_suggestion": {"note": "经研究，暂不具备实施条件。"},
        "withdraw": {"note": "群众表示问题已自行解决，申请撤回。"},
        "merge": {"into": merged_into},
        "escalate": {"note": "本级无法解决，上报上级单位。"},
        "request_extension": {"note": "需协调多个部门，申请延期。", "days": 10},
        "approve_extension": {},
    }[name]


class GrievanceFactory(factory.django.DjangoModelFactory):
    """A ledger entry registered by `actor` (default: an administrator) through `register_grievance()`,
    then walked to `status` by an administrator through `services.transition()`.

    - `path`: the transitions to run instead of the usual one for `status` (a history a test needs,
      e.g. ["assign", "resolve", "follow_up", "reopen"]).
    - `handling_unit`: where "assign" routes it (default: its own unit); `satisfaction`: what
      "follow_up" records; `merged_into`: the survivor of "merge".
    - `resolved_at`: the walk up to the answer (resolve, explain, …) happens then, the rest now.
    - `is_typical`: marked a typical case by the office while the entry is still open.
    - `overdue`: registered just long enough ago that its deadline has passed (working days and
      holidays counted by the calendar, so it holds on any day, frozen clock or not).
    """

    class Meta:
        model = Grievance

    actor = factory.LazyFunction(admin_actor)
    content = factory.Iterator(CONTENTS)
    category = factory.LazyFunction(category)

    @classmethod
    def _create(
        cls,
        model_class,
        *,
        status="registered",
        path=None,
        handling_unit=None,
        satisfaction="satisfied",
        merged_into=None,
        resolved_at=None,
        is_typical=False,
        overdue=False,
        **fields,
    ):
        if overdue and "registered_at" not in fields:
            fields["registered_at"] = _overdue_registration(fields["campaign"], fields.get("tier", Tier.GENERAL))
        g = services.register_grievance(**fields)
        if overdue:
            assert g.due_at < timezone.now(), "an overdue entry must be registered earlier"
        admin = admin_actor()
        if is_typical:
            g = services.update_grievance(actor=admin, grievance=g, version=g.version, is_typical=True)
        steps = PATHS[g.kind][status] if path is None else path
        answered = not any(step in ANSWERS for step in steps)
        for step in steps:
            clock = time_machine.travel(resolved_at, tick=False) if resolved_at and not answered else nullcontext()
            with clock:
                options = dict(handling_unit=handling_unit, satisfaction=satisfaction, merged_into=merged_into)
                g = services.transition(actor=admin, grievance=g, name=step, **_step_fields(step, g, **options))
            answered = answered or step in ANSWERS
        return Grievance.objects.get(pk=g.pk)


class FollowUpFactory(factory.django.DjangoModelFactory):
    """The look-back task of an answered entry, made by `ensure_followup_for()` as the workflow makes
    it after an answer (its assignee: who visited, else an office above the entry's unit)."""

    class Meta:
        model = FollowUp

    @classmethod
    def _create(cls, model_class, *, grievance):
        answered = [*followups.LOOKBACK_STATUSES, Status.CLOSED]
        assert Grievance.objects.get(pk=grievance.pk).status in answered, "a look-back follows an answer"
        return followups.ensure_followup_for(grievance_id=grievance.pk)


def local(y, m, d, h=9, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=SHANGHAI)


def run(actor, g, name, **fields):
    return services.transition(actor=actor, grievance=g, name=name, **fields)


def other_district():
    """A second district beside the fixed cast's, with its own street, grid, department, people
    and campaign: what must stay out of reach of everyone in 测试区."""
    from types import SimpleNamespace

    from campaigns.models import Level, Role
    from tests.factories import OrgUnitFactory, UserFactory, make_campaign, member

    o = SimpleNamespace()
    o.district = OrgUnitFactory(code="T02", name="邻区", level=Level.DISTRICT)
    o.street = OrgUnitFactory(code="T02-S01", name="南湖街道", level=Level.STREET, parent=o.district)
    o.community = OrgUnitFactory(code="T02-S01-C01", name="南湖社区", level=Level.COMMUNITY, parent=o.street)
    o.grid = OrgUnitFactory(code="T02-S01-C01-G01", name="南湖社区一网格", level=Level.GRID, parent=o.community)
    o.department = OrgUnitFactory(code="T02-EDU", name="邻区教育局", level=Level.DEPARTMENT, parent=o.district)
    o.leader = member(UserFactory(username="t2_leader", full_name="冯区长"), o.district, Role.LEADER)
    o.office = member(UserFactory(username="t2_office", full_name="陈主任"), o.street, Role.OFFICE)
    o.handler = member(UserFactory(username="t2_handler", full_name="褚科员"), o.department, Role.HANDLER)
    o.campaign = make_campaign(o.district, name="邻区2026年大走访")
    return o


def at(day, hour=9, minute=0):
    """An aware Asia/Shanghai datetime on `day` (a date or 'YYYY-MM-DD')."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def lighting_category():
    parent, _ = GrievanceCategory.objects.get_or_create(code="housing_env", defaults={"name": "住有宜居"})
    child, _ = GrievanceCategory.objects.get_or_create(code="road", defaults={"name": "道路照明", "parent": parent})
    return child


_seq = iter(range(1, 10**6))


def household_with_phone(grid, name="张秀兰", **kw):
    n = next(_seq)
    return Household.objects.create(grid=grid, head_name=name, address=f"幸福路{n}号", phone=f"1370000{n:04d}", **kw)


def lighting_entry(
    *, actor, unit=None, household_=None, campaign=None, registered_at=None, content="楼道灯坏了，晚上出行不便", **kw
):
    return services.register_grievance(
        actor=actor,
        content=content,
        category=lighting_category(),
        unit=unit,
        household=household_,
        campaign=campaign,
        registered_at=registered_at,
        **kw,
    )


def due_on(grievance, day, *, plan=False, **fields):
    """Set a deadline directly (tests stand in for the workflow)."""
    value = end_of_day(date.fromisoformat(day) if isinstance(day, str) else day)
    update = {"plan_due_at": value} if plan else {"due_at": value}
    if not plan:
        update.setdefault("plan_submitted_at", value)
    update.update(fields)
    Grievance.objects.filter(pk=grievance.pk).update(**update)
    grievance.refresh_from_db()
    return grievance


def set_status(grievance, status, **fields):
    Grievance.objects.filter(pk=grievance.pk).update(status=status, **fields)
    grievance.refresh_from_db()
    return grievance


def visit(campaign, household_, visitor, when):
    return Visit.objects.create(
        campaign=campaign, household=household_, visitor=visitor, visited_at=when, duration_minutes=40
    )


def assign(campaign, household_, visitor, kind="grid"):
    return Assignment.objects.create(campaign=campaign, household=household_, visitor=visitor, kind=kind)
