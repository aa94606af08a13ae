"""Demo ledger for `seed_demo`: about 156 entries like seeds/000, built through the services,
then one overdue entry, the answered entries' look-back tasks and one deadline sweep.

Every entry goes through `register_grievance()` and `transition()`, so each has its timeline and
audit trail. Entries carry a stable `external_ref` (DEMO-001...), so running twice adds nothing.
The sweep runs here, before the reports' demo runs its detectors over the ledger, so that the
inbox shows notices at once; the beat keeps sweeping every 15 minutes after that.
"""

import io
from datetime import time, timedelta
from functools import cache

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from campaigns import calendar
from campaigns.choices import Role, VisitMode
from campaigns.datafiles import read_toml
from campaigns.demo import district_data
from campaigns.models import Membership, User

from . import services, taxonomy
from .choices import Satisfaction
from .followups import LOOKBACK_STATUSES, ensure_followup_for, record_followup
from .models import FollowUp, FollowUpStatus, Grievance, GrievanceCategory
from .sweep import sweep_deadlines

TOTAL = 156
# What the handling unit writes when the demo has no story of its own for the entry's category.
PLAN = "制定整改方案，明确责任人和完成时限"
RESULT = "已按方案整改完毕，现场验收合格"
# The life an entry has lived so far, cycled over the ledger (every status appears).
PROBLEM_PATHS = [
    "closed",
    "assigned",
    "planned",
    "resolved",
    "registered",
    "followed_up",
    "closed",
    "assigned",
    "reviewed",
    "on_spot",
    "explained",
    "planned",
    "closed",
    "assigned",
    "merged",
    "resolved",
    "withdrawn",
    "extended",
    "escalated",
    "followed_up",
    "on_spot",
    "reopened",
    "closed",
    "assigned",
]
SUGGESTION_PATHS = ["adopted", "not_adopted", "reviewed", "assigned", "adopted", "registered"]


@cache
def ledger_data():
    """The demo texts and the demo district's 归口 routing (data/demo_ledger.toml)."""
    return read_toml(__file__, "demo_ledger.toml")


def _actors(ctx):
    office = User.objects.filter(username="bgs-d01").first() or ctx.users["admin"]
    handlers = {
        m.unit_id: m.user
        for m in Membership.objects.filter(role=Role.HANDLER, unit__in=ctx.departments).select_related("user")
    }
    return office, handlers


def _routing(ctx):
    """The demo district's 归口 departments by category code: a child follows its top-level
    category unless the demo names an exception (None: routed by territory, 属地管理)."""
    departments = {d.code: d for d in ctx.departments}
    by_top = ledger_data()["department_by_category"]
    by_child = ledger_data()["department_by_subcategory"]
    routing = {}
    for top in taxonomy.categories():
        routing[top.code] = departments.get(by_top.get(top.code))
        for child in top.children:
            code = by_child[child.code] if child.code in by_child else by_top.get(top.code)
            routing[child.code] = departments.get(code)
    return routing


def _texts():
    """The demo texts, grouped so that the four groups of seeds/000 all appear."""
    return ledger_data()["grievances"]


def seed(ctx):
    if not ctx.campaign or not ctx.grids:
        return
    _seed_entries(ctx)
    seed_handling(ctx)
    seed_notices(ctx)
    seed_board(ctx)
    seed_petitions(ctx)


def _seed_entries(ctx):
    done = set(
        Grievance.objects.filter(campaign=ctx.campaign, external_ref__startswith="DEMO-").values_list(
            "external_ref", flat=True
        )
    )
    if len(done) >= TOTAL:
        ctx.log.append(f"问题台账：已有 {len(done)} 条演示条目，未重复生成")
        return
    services.seed_categories(routing=_routing(ctx))
    categories = {c.code: c for c in GrievanceCategory.objects.select_related("default_department")}
    office, handlers = _actors(ctx)
    leader = ctx.users["leader"]
    from visits.models import Household

    households = {}
    for h in Household.objects.filter(grid__in=ctx.household_units).order_by("id")[:2000]:
        households.setdefault(h.grid_id, []).append(h)
    texts = _texts()
    now = timezone.now()
    created = 0
    previous = None
    p = s = 0
    for i in range(TOTAL):
        ref = f"DEMO-{i + 1:03d}"
        item = texts[i % len(texts)]
        kind = item["kind"]
        if kind == "suggestion":
            path = SUGGESTION_PATHS[s % len(SUGGESTION_PATHS)]
            s += 1
        else:
            path = PROBLEM_PATHS[p % len(PROBLEM_PATHS)]
            p += 1
        grid = ctx.household_units[(i * 7) % len(ctx.household_units)]
        if path == "merged" and previous is not None:
            grid, item = (
                previous.unit,
                {"text": previous.content, "category": previous.category.code, "kind": "problem"},
            )
        if ref in done:
            previous = Grievance.objects.filter(external_ref=ref, campaign=ctx.campaign).first()
            continue
        pool = households.get(grid.pk) or []
        household = pool[i % len(pool)] if pool and i % 3 else None
        days_ago = 2 + (i * 11) % 52
        day = calendar.local_date(now - timedelta(days=days_ago))
        registered_at = timezone.make_aware(
            timezone.datetime.combine(day, time(9 + i % 8, (i * 13) % 60)), calendar.SHANGHAI
        )
        registered_at = min(registered_at, now)
        tier = "on_spot" if path == "on_spot" else ("major" if i % 9 == 0 else "critical" if i % 31 == 0 else "general")
        category = categories[item["category"]]
        g = services.register_grievance(
            actor=office,
            content=item["text"],
            category=category,
            kind=kind,
            source=["visit", "visit", "hotline", "suggestion_box", "letter", "12345"][i % 6],
            tier=tier,
            household=household,
            unit=grid,
            campaign=ctx.campaign,
            reporter_name=""
            if household
            else district_data()["person_names"][(i * 5) % len(district_data()["person_names"])],
            registered_at=registered_at,
            external_ref=ref,
        )
        _live(g, path, office=office, handlers=handlers, leader=leader, previous=previous, i=i)
        created += 1
        previous = g
    ctx.log.append(f"问题台账：新增 {created} 条演示条目（共 {TOTAL} 条）")


def _live(g, path, *, office, handlers, leader, previous, i):
    """Move one entry along its path, as the office, the handling unit and the leader would."""
    run = lambda actor, name, **f: services.transition(actor=actor, grievance=g, name=name, **f)  # noqa: E731
    if path == "registered" or _settled_at_intake(run, path, office=office, previous=previous):
        return
    run(office, "review", note="经核实，情况属实")
    if path == "reviewed":
        return
    actor = _route(g, run, path, office=office, handlers=handlers, leader=leader, i=i)
    if _settled_by_handler(run, path, actor=actor, leader=leader):
        return
    case = ledger_data()["cases"].get(g.category.code, {})
    run(actor, "propose_plan", proposed_solution=case.get("plan", PLAN))
    if path == "planned":
        return
    _answer(g, run, path, actor=actor, result=case.get("result", RESULT))
    if path == "resolved" or path == "explained":
        return
    _look_back(g, run, path, office=office, i=i, notes=case.get("lookback", ""))


def _settled_at_intake(run, path, *, office, previous):
    """Merge, solve on the spot or withdraw before any review; False when the path goes on."""
    if path == "merged" and previous is not None and previous.status not in ("closed", "merged", "withdrawn"):
        run(office, "merge", into=previous.pk, note="同一问题重复反映，合并办理")
    elif path == "on_spot":
        run(office, "solve_on_spot", result="走访时当场答复并协调解决")
    elif path == "withdrawn":
        run(office, "withdraw", note="群众表示问题已自行解决，申请撤回")
    else:
        return False
    return True


def _route(g, run, path, *, office, handlers, leader, i):
    """Route the entry to its department or the unit above, the leader owning some cases; returns
    who acts for the handling unit."""
    dept = g.category.default_department or (g.category.parent.default_department if g.category.parent_id else None)
    target = dept if dept is not None and i % 2 == 0 else g.unit.parent
    owner = leader.pk if i % 26 == 3 or path == "escalated" else None
    run(office, "assign", handling_unit=target.pk, **({"case_owner": owner} if owner else {}))
    return handlers.get(target.pk, office)


def _settled_by_handler(run, path, *, actor, leader):
    """Decide a suggestion, stay assigned, get an extension or escalate; False when a plan follows."""
    if path == "adopted":
        run(actor, "adopt", result="建议已采纳，纳入今年民生实事项目")
    elif path == "not_adopted":
        run(actor, "reject_suggestion", note="经研究，暂不具备实施条件，已向群众说明")
    elif path == "extended":
        run(actor, "request_extension", note="涉及多个部门，需协调资金", days=10)
        run(leader, "approve_extension", note="同意延期")
    elif path == "escalated":
        run(actor, "escalate", note="本级无法协调，提请上级统筹")
    elif path != "assigned":
        return False
    return True


def _answer(g, run, path, *, actor, result):
    """Answer a planned problem: an explanation, or a resolution with its evidence."""
    if path == "explained":
        run(actor, "explain", result="经核查不符合政策规定，已当面解释说明")
    else:
        evidence = ContentFile(_evidence_pdf(), name=f"佐证-{g.pk}.pdf")
        run(actor, "resolve", result=result, evidence=[evidence])


def _evidence_pdf() -> bytes:
    """A one-page PDF standing in for the photos and acceptance record of a resolution: uploads
    are checked by content, so the demo's evidence is a real PDF."""
    buf = io.BytesIO()
    Image.new("RGB", (420, 297), "white").save(buf, "PDF")
    return buf.getvalue()


# The look-back's ways of reaching the resident, most of them by phone, and what they said.
LOOKBACK_MODES = [VisitMode.PHONE, VisitMode.PHONE, VisitMode.IN_PERSON, VisitMode.WECHAT]
LOOKBACK_NOTES = {
    Satisfaction.SATISFIED: "群众表示问题已解决，对办理结果满意",
    Satisfaction.BASICALLY_SATISFIED: "群众表示问题基本解决，希望今后多来看看",
    Satisfaction.NOT_SATISFIED: "群众反映问题没有根本解决，对办理结果不满意",
}


def _look_back(g, run, path, *, office, i, notes):
    """The look-back (回头看), recorded as its task: satisfied closes the entry, not satisfied
    reopens it (`record_followup`). On the path "followed_up" the answer is in, and the office
    has still to close the entry, or to reopen it on a 不满意."""
    sat, basically, not_sat = Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED, Satisfaction.NOT_SATISFIED
    if path == "reopened":
        satisfaction = not_sat
    elif path == "followed_up":
        satisfaction = [sat, not_sat, basically, sat, not_sat, basically, sat][i % 7]
    else:
        satisfaction = basically if i % 7 in (2, 5) else sat
    fu = ensure_followup_for(grievance_id=g.pk)
    mode = LOOKBACK_MODES[i % len(LOOKBACK_MODES)]
    notes = (notes if satisfaction != Satisfaction.NOT_SATISFIED else "") or LOOKBACK_NOTES[satisfaction]
    solved = satisfaction != Satisfaction.NOT_SATISFIED
    if path != "followed_up":
        record_followup(
            actor=fu.assignee or office, followup=fu, mode=mode, solved=solved, satisfaction=satisfaction, notes=notes
        )
        return
    run(office, "follow_up", satisfaction=satisfaction, notes=notes)
    # The demo's own bookkeeping: the task recorded without the close that record_followup does.
    FollowUp.objects.filter(pk=fu.pk).update(
        status=FollowUpStatus.DONE,
        mode=mode,
        solved=solved,
        satisfaction=satisfaction,
        notes=notes,
        recorded_at=timezone.now(),
        recorded_by=office,
    )


# --- receive-and-answer (接诉即办): sign-for, return and ruling, pause, urgent ----------------
HANDLING_DEMO = [
    ("DEMO-H01", "unsigned", "小区东门的窨井盖破损，夜里有人踩空摔伤。（演示：超时未签收）"),
    ("DEMO-H02", "returned", "学校门口早晚接送车辆乱停，孩子过马路很危险。（演示：退单后裁定）"),
    ("DEMO-H03", "paused", "相邻住户违建遮挡采光，已起诉至法院等待判决。（演示：中止计时）"),
    ("DEMO-H04", "urgent", "老旧楼房外墙瓷砖大面积松动，随时可能坠落。（演示：急难险重）"),
]


def seed_handling(ctx):
    """One entry in each receive-and-answer state the issue's demo names; the 通报 comes from the
    overdue entry's sweep below. Idempotent by `external_ref`."""
    office, handlers = _actors(ctx)
    done = set(
        Grievance.objects.filter(campaign=ctx.campaign, external_ref__startswith="DEMO-H").values_list(
            "external_ref", flat=True
        )
    )
    departments = [d for d in ctx.departments if d.pk in handlers]
    if not departments:
        return
    dept = departments[0]
    handler = handlers[dept.pk]
    category = _overdue_category()
    made = 0
    for i, (ref, state, text) in enumerate(HANDLING_DEMO):
        if ref in done:
            continue
        grid = ctx.household_units[(i * 5 + 3) % len(ctx.household_units)]
        g = services.register_grievance(
            actor=office,
            content=text,
            category=category,
            source="12345" if i % 2 else "hotline",
            unit=grid,
            campaign=ctx.campaign,
            external_ref=ref,
            urgent=state == "urgent",
        )
        _handle(g, state, office=office, handler=handler, dept=dept)
        made += 1
    if made:
        ctx.log.append(f"接诉即办：新增 {made} 条演示条目（未签收、退单裁定、中止计时、急难险重）")


def _handle(g, state, *, office, handler, dept):
    run = lambda actor, name, **f: services.transition(actor=actor, grievance=g, name=name, **f)  # noqa: E731
    run(office, "assign", handling_unit=dept.pk)
    if state == "unsigned":
        # Routed three working days ago (the demo's history): past its one working day to sign.
        dispatched = calendar.end_of_day(calendar.subtract_working_days(calendar.local_date(timezone.now()), 3))
        Grievance.objects.filter(pk=g.pk).update(
            dispatched_at=dispatched - timedelta(hours=8), sign_for_due_at=calendar.add_working_days(dispatched, 1).due
        )
    elif state == "returned":
        run(handler, "return", note="车辆停放属交警部门管理，非本单位职责")
        run(office, "arbitrate", note="校园周边安全属教育部门牵头，退单不成立，请协调交警办理")
    elif state == "paused":
        run(handler, "sign_for")
        until = calendar.local_date(calendar.add_working_days(timezone.now(), 10).due)
        run(handler, "request_pause", note="已进入诉讼程序，待法院判决后处理", until=until)
        run(office, "approve_pause", note="同意中止，判决后恢复计时")
    elif state == "urgent":
        run(handler, "sign_for", note="已派人现场拉设警戒线")


# --- an overdue entry, look-back tasks and a first sweep -------------------------------------
OVERDUE_TEXT = "3号楼前的路灯坏了半个多月，晚上出门黑漆漆的，老人都不敢下楼。（演示：已超期）"


def _overdue_category():
    wanted = ledger_data()["grievances"][0]["category"]
    category = GrievanceCategory.objects.filter(code=wanted).first()
    if category is None:
        top = taxonomy.categories()[0]
        parent, _ = GrievanceCategory.objects.get_or_create(code=top.code, defaults={"name": top.name})
        child = top.children[0]
        category, _ = GrievanceCategory.objects.get_or_create(
            code=child.code, defaults={"name": child.name, "parent": parent}
        )
    return category


def seed_notices(ctx):
    """One overdue entry in the cadre's community (the first street's office gets its 督办 notice),
    look-back tasks for the answered entries, and one deadline sweep. Idempotent: the entry is
    found by its text, and the sweep never sends a notice twice."""
    from visits.models import Household

    cadre = ctx.users["cadre"]
    community = cadre.memberships.first().unit
    grid = next((g for g in ctx.grids if g.parent_id == community.pk), ctx.grids[0])
    if not Grievance.objects.filter(campaign=ctx.campaign, content=OVERDUE_TEXT).exists():
        household = Household.objects.filter(grid=grid).order_by("id").first()
        # Registered 40 days ago: both the plan (5) and the resolution (15 working days) deadlines passed.
        # Collected offline and entered afterwards: only office staff may backdate.
        services.register_grievance(
            actor=ctx.users["office"],
            content=OVERDUE_TEXT,
            category=_overdue_category(),
            household=household,
            unit=None if household else grid,
            campaign=ctx.campaign,
            registered_at=timezone.now() - timedelta(days=40),
        )
        ctx.log.append("回头看/督办：已登记 1 条超期演示问题")
    answered = Grievance.objects.filter(campaign=ctx.campaign, status__in=LOOKBACK_STATUSES).exclude(
        pk__in=FollowUp.objects.values("grievance_id")
    )
    for pk in answered.values_list("pk", flat=True):
        ensure_followup_for(grievance_id=pk)
    run = sweep_deadlines()
    ctx.log.append(
        f"期限扫描：提醒 {run.counts['reminder']}，预警 {run.counts['warning']}，督办 {run.counts['supervision']}，"
        f"催办 {run.counts['urge']}，通报 {run.counts['bulletin']}，超时未签收 {run.counts['unsigned']}，"
        f"站内消息 {run.counts['notifications']}"
    )


# --- the public board (公开栏) ---------------------------------------------------------------

BOARD_ENTRIES = 12


def seed_board(ctx):
    """Publish the busiest community's entries on its board, answered ones with approved texts."""
    from . import board
    from .choices import ANSWERED_STATUSES, UNCOLLECTED_STATUSES
    from .models import Publication

    if Publication.objects.filter(grievance__campaign=ctx.campaign).exists():
        ctx.log.append("公开栏：已有公开条目，未重复生成")
        return
    office, _handlers = _actors(ctx)
    entries = (
        Grievance.objects.filter(campaign=ctx.campaign, external_ref__startswith="DEMO-", unit__level="grid")
        .exclude(status__in=UNCOLLECTED_STATUSES)
        .select_related("unit", "category")
    )
    by_community = {}
    for g in entries.order_by("-registered_at", "-id"):
        by_community.setdefault(g.unit.parent_id, []).append(g)
    if not by_community:
        return
    chosen = max(by_community.values(), key=len)[:BOARD_ENTRIES]
    for g in chosen:
        answered = g.status in ANSWERED_STATUSES
        p = board.publish(
            actor=office,
            grievance=g,
            summary=f"群众反映{g.category.name}方面的问题",
            outcome=("已按期办结，经回访群众认可" if g.status in board.DONE_STATUSES else "已向群众解释说明")
            if answered
            else "",
        )
        if answered:
            board.approve_text(actor=office, publication=p)
    community = chosen[0].unit.parent
    ctx.log.append(f"公开栏：{community.name}公开 {len(chosen)} 条，页面 /public/{community.code}/")


# The petition cycle of seed 001 in the first street: the street leader's weekly reception day with
# its register, an appointment booked with a petitioner, a case taken down, and entries watched
# as 积案 and 越级 (both open, so the supervision list shows them) and one settled (息访).
RECEPTION_VISITORS = [
    ("赵大爷", "反映楼道灯长期不亮，夜间出行不便", "已登记交办，限期修复"),
    ("孙阿姨", "咨询城乡居民医疗保险缴费政策", "当场答复，发放政策明白纸"),
    ("周师傅", "反映宅基地边界纠纷多年未解决", "列为积案，由街道党工委书记包案"),
]


def seed_petitions(ctx):
    from . import petitions
    from .choices import ANSWERED_STATUSES
    from .models import Reception, ReceptionKind

    street = ctx.streets[0] if getattr(ctx, "streets", None) else None
    leader = User.objects.filter(username=f"ld-{street.code.lower()}").first() if street else None
    if leader is None:
        return
    if Reception.objects.filter(unit__path__startswith=street.path).exists():
        ctx.log.append("信访接待：已有接访记录，未重复生成")
        return
    entries = Grievance.objects.filter(
        campaign=ctx.campaign, external_ref__startswith="DEMO-", unit__path__startswith=street.path
    ).order_by("registered_at", "id")
    open_entries = list(entries.open().filter(kind="problem")[:3])
    settled = entries.filter(status__in=ANSWERED_STATUSES).first()
    if len(open_entries) < 2:
        return
    backlog, skipped = open_entries[0], open_entries[1]
    office = User.objects.filter(username="office").first() or leader
    today = timezone.localdate()
    # The weekly reception day: this week's Wednesday, or last week's before Wednesday.
    wednesday = today - timedelta(days=(today.weekday() - 2) % 7)
    day = petitions.create_reception(
        actor=office,
        unit=street,
        leader=leader,
        date=wednesday,
        place=f"{street.name}信访接待室",
        note="每周三领导接访日",
    )
    links = [open_entries[-1] if len(open_entries) > 2 else None, None, backlog]
    for (name, matter, outcome), g in zip(RECEPTION_VISITORS, links, strict=True):
        petitions.add_visitor(actor=office, reception=day, name=name, matter=matter, grievance=g, outcome=outcome)
    booked = petitions.create_reception(
        actor=leader,
        kind=ReceptionKind.APPOINTMENT,
        unit=street,
        leader=leader,
        date=today + timedelta(days=2),
        place=f"{street.name}党群服务中心",
        note="疑难信访问题，按领导分工主动约访",
    )
    petitions.add_visitor(
        actor=leader, reception=booked, name="钱先生", matter=skipped.content[:200], grievance=skipped
    )
    down = petitions.create_reception(
        actor=leader,
        kind=ReceptionKind.VISIT_DOWN,
        unit=backlog.unit,
        leader=leader,
        date=today - timedelta(days=1),
        place=backlog.unit.name,
        note="包案领导带案下访，实地了解情况",
    )
    petitions.add_visitor(
        actor=leader,
        reception=down,
        name="周师傅",
        matter=backlog.content[:200],
        grievance=backlog,
        outcome="现场丈量边界，约定下周召开协调会",
    )
    petitions.flag_petition(actor=leader, grievance=backlog, is_backlog=True)
    petitions.flag_petition(actor=leader, grievance=skipped, skipped_level=True)
    if settled is not None:
        petitions.flag_petition(actor=leader, grievance=settled, settled=True)
    ctx.log.append(
        f"信访接待：{street.name}接访日（{wednesday:%m-%d}，登记 {len(RECEPTION_VISITORS)} 人）、约访、带案下访各 1 次，"
        f"积案 #{backlog.pk}、越级 #{skipped.pk}" + (f"、息访 #{settled.pk}" if settled else "")
    )
