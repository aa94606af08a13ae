"""Demo data of the visits app for `seed_demo`: households in every grid, focus categories,
hardship households with their plans, assignments by the plan's rules and ~30 % of visits logged.

Everything is keyed on stable values (household keys from ID numbers, visit client_ids derived
from them), written in bulk with ignore_conflicts: running it twice changes nothing.
"""

import random
import uuid
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from PIL import Image, ImageDraw

from campaigns.choices import Phase, Role, VisitMode
from campaigns.demo import district_data
from campaigns.lib.crypto import hmac_of
from campaigns.models import FocusCategory, Membership, TeamMember
from campaigns.services import ensure_focus_categories

from .assignment import propose_assignments
from .choices import AssignmentKind, HouseholdKind
from .models import (
    Assignment,
    HardshipPlan,
    Household,
    Pairing,
    PlanChange,
    PlanChangeKind,
    PlanReview,
    SupportRecord,
    Visit,
    VisitPhoto,
)
from .services import store_photo
from .validators import id_check_digit

NAMESPACE = uuid.UUID("6f1c3c1e-8a43-4f0c-9d1e-6a7a2f5b1c00")
REGIONS = ["370303", "370302", "370305", "370304"]
GIVEN = ["桂英", "建军", "淑华", "国强", "春花", "志刚", "秀兰", "海燕", "德胜", "玉珍", "永红", "树林"]
NOTES = [
    "户主身体硬朗，儿女在外地工作，逢年过节回来。反映楼道灯不亮。",
    "家中老人腿脚不便，希望社区能安排上门体检。",
    "对社区环境整治比较满意，建议增加垃圾分类宣传。",
    "家里孩子上初中，关心课后服务时间。",
    "夫妻二人务工，收入基本稳定，暂无困难。",
    "老党员，积极参加社区志愿服务，建议多组织学习活动。",
]
SCHOOLS = ["小学", "中心幼儿园", "初级中学", "实验小学"]
FOCUS_MIX = ["hardship", "old_party_member", "elderly_alone", "left_behind_child", "petitioner", "party_member"]
PLANS = [
    ("户主患重病长期治疗，家庭因病致贫。", "落实低保和医疗救助，协调家庭医生每月随访。"),
    ("老两口年过八旬，子女均残疾，生活自理困难。", "申请特困供养，安排居家养老上门服务每周两次。"),
    ("家中主要劳动力因工伤致残，孩子正在上学。", "申请临时救助和助学金，推荐公益性岗位。"),
]


def _address(community_spec, rnd, grid_index):
    r = district_data()["address_ranges"]
    if community_spec.get("kind") == "village":
        pattern = district_data()["address_patterns"]["village"][0]
        return pattern.format(
            village=community_spec["name"],
            group=rnd.randint(1, community_spec.get("village_groups", 5)),
            house_number=rnd.randint(*r["house_number"]),
        )
    pattern = rnd.choice(district_data()["address_patterns"]["community"])
    room = rnd.randint(*r["floor"]) * 100 + rnd.randint(*r["door"])
    return pattern.format(
        road=rnd.choice(community_spec["roads"]),
        number=rnd.randint(*r["number"]),
        estate=community_spec["estates"][grid_index % len(community_spec["estates"])],
        building=rnd.randint(*r["building"]),
        unit=rnd.randint(*r["unit"]),
        room=room,
    )


def _grid_specs():
    for street in district_data()["streets"]:
        for community in street["communities"]:
            for i, grid in enumerate(community["grids"]):
                yield community, i, grid


def seed(ctx):
    rnd = random.Random(20240601)
    ensure_focus_categories()
    grids = {g.code: g for g in ctx.grids}
    blocks = {}  # grid code -> its 楼组, which hold the grid's households
    for b in ctx.blocks:
        blocks.setdefault(b.code.rsplit("-", 1)[0], []).append(b)
    specs = [s for s in _grid_specs() if s[2]["code"] in grids]
    weight = sum(s[2]["households"] for s in specs) or 1
    names = district_data()["person_names"]
    households, n = [], 0
    for community, gi, spec in specs:
        count = max(1, round(ctx.households * spec["households"] / weight)) if ctx.households else 0
        for _ in range(count):
            born = date(1940, 1, 1) + timedelta(days=(n * 97) % 24000)
            first17 = f"{REGIONS[n % len(REGIONS)]}{born:%Y%m%d}{n % 1000:03d}"
            id_number = first17 + id_check_digit(first17)
            head = names[(n * 7) % len(names)][0] + GIVEN[n % len(GIVEN)]  # residents, not the demo staff
            kind = (
                HouseholdKind.SHOP
                if n % 41 == 7
                else HouseholdKind.ENTERPRISE
                if n % 97 == 13
                else HouseholdKind.SCHOOL
                if n % 53 == 31
                else HouseholdKind.HOUSEHOLD
            )
            if kind == HouseholdKind.SCHOOL:  # a school is visited too; its head is its name
                head = f"{community['name']}{SCHOOLS[n % len(SCHOOLS)]}"
            households.append(
                Household(
                    grid=(
                        blocks[spec["code"]][n % len(blocks[spec["code"]])]
                        if spec["code"] in blocks
                        else grids[spec["code"]]
                    ),
                    key=f"id:{hmac_of(id_number)}",
                    head_name=head,
                    id_number=id_number,
                    phone=f"1{rnd.choice('3578')}{rnd.randrange(10**9):09d}",
                    address=_address(community, rnd, gi),
                    members_count=rnd.randint(1, 6),
                    kind=kind,
                    is_hardship=n % 29 == 3 and kind != HouseholdKind.SCHOOL,
                )
            )
            n += 1
    Household.objects.bulk_create(households, ignore_conflicts=True, batch_size=500)
    by_key = dict(Household.objects.filter(key__in=[h.key for h in households]).values_list("key", "id"))
    cats = dict(FocusCategory.objects.filter(code__in=FOCUS_MIX).values_list("code", "id"))
    through = Household.categories.through
    links = []
    for i, h in enumerate(households):
        hid = by_key[h.key]
        if h.is_hardship:
            links.append(through(household_id=hid, focuscategory_id=cats["hardship"]))
        elif i % 7 == 0:
            links.append(through(household_id=hid, focuscategory_id=cats[FOCUS_MIX[(i // 7) % len(FOCUS_MIX)]]))
            if i % 21 == 0:
                links.append(through(household_id=hid, focuscategory_id=cats["party_member"]))
    through.objects.bulk_create(links, ignore_conflicts=True, batch_size=1000)
    HardshipPlan.objects.bulk_create(
        [
            HardshipPlan(
                household_id=by_key[h.key],
                situation=PLANS[i % len(PLANS)][0],
                measures=PLANS[i % len(PLANS)][1],
                responsible=names[(i + 3) % len(names)],
            )
            for i, h in enumerate(households)
            if h.is_hardship
        ],
        ignore_conflicts=True,
    )
    reviews = _plan_reviews(ctx, [by_key[h.key] for h in households if h.is_hardship])
    created = propose_assignments(campaign=ctx.campaign)
    paired = _pairings(ctx, [by_key[h.key] for h in households if h.is_hardship])
    visits = _visits(ctx, rnd)
    ctx.log.append(
        f"走访：{len(households)}户农户，新增分配{sum(created.values())}条，新增走访记录{visits}条"
        f"（cadre {Assignment.objects.filter(visitor=ctx.users['cadre'], campaign=ctx.campaign).count()}户，"
        f"cadre2 {Assignment.objects.filter(visitor=ctx.users['cadre2'], campaign=ctx.campaign).count()}户），"
        f"新增结对帮扶{paired}对，一户一策复核日期{reviews}个"
    )


def _plan_reviews(ctx, hardship_ids):
    """Each plan: a review done a month ago (and the plan changed after it), one due in two days
    (the next sweep reminds of it) and one in three months; the history says who did what.
    Plans that have reviews already are left alone."""
    office = ctx.users.get("office")
    now = timezone.now()
    plans = list(HardshipPlan.objects.filter(household_id__in=hardship_ids, reviews__isnull=True).order_by("pk"))
    reviews, changes = [], []
    for i, plan in enumerate(plans):
        past, soon, later = (
            ctx.today - timedelta(days=30),
            ctx.today + timedelta(days=2),
            ctx.today + timedelta(days=90),
        )
        outcome = "措施已落实，低保已发放，家庭医生按月随访。"
        reviews += [
            PlanReview(plan=plan, due_date=past, done_at=now - timedelta(days=29), done_by=office, outcome=outcome),
            PlanReview(plan=plan, due_date=soon),
            PlanReview(plan=plan, due_date=later),
        ]
        fields = {
            "situation": [None, plan.situation],
            "measures": [None, plan.measures],
            "responsible": [None, plan.responsible],
        }
        added = now - timedelta(days=60)
        changes += [
            PlanChange(plan=plan, at=added, actor=office, kind=PlanChangeKind.CREATED, changes=fields),
            *(
                PlanChange(
                    plan=plan,
                    at=added,
                    actor=office,
                    kind=PlanChangeKind.REVIEW_ADDED,
                    changes={"due_date": d.isoformat()},
                )
                for d in (past, soon, later)
            ),
            PlanChange(
                plan=plan,
                at=now - timedelta(days=29),
                actor=office,
                kind=PlanChangeKind.REVIEW_DONE,
                changes={"due_date": past.isoformat(), "outcome": outcome},
            ),
        ]
        if i % 2 == 0:
            measures = plan.measures + "增加每季度一次心理疏导。"
            changes.append(
                PlanChange(
                    plan=plan,
                    at=now - timedelta(days=28),
                    actor=office,
                    kind=PlanChangeKind.UPDATED,
                    changes={"measures": [plan.measures, measures]},
                )
            )
            plan.measures = measures
    HardshipPlan.objects.bulk_update(plans, ["measures"])
    PlanReview.objects.bulk_create(reviews, ignore_conflicts=True)
    PlanChange.objects.bulk_create(changes)
    return len(reviews)


SUPPORTERS = [("branch", "幸福社区第一党支部"), ("enterprise", "鲁中纺织有限公司"), ("cadre", "区教育局 王干部")]


def _pairings(ctx, hardship_ids):
    """Two of three hardship households paired, each with a visit and a second act of support.
    Households paired already are left alone: running it twice adds nothing."""
    done = set(Pairing.objects.filter(household_id__in=hardship_ids).values_list("household_id", flat=True))
    todo = [hid for i, hid in enumerate(hardship_ids) if i % 3 != 2 and hid not in done]
    office = ctx.users["office"]
    start = ctx.today - timedelta(days=120)
    pairings = Pairing.objects.bulk_create(
        [
            Pairing(
                household_id=hid,
                supporter_kind=SUPPORTERS[i % 3][0],
                supporter_name=SUPPORTERS[i % 3][1],
                goal="稳定增收，解决实际困难",
                start_date=start,
                created_by=office,
            )
            for i, hid in enumerate(todo)
        ]
    )
    records = []
    for i, p in enumerate(Pairing.objects.filter(household_id__in=todo)):
        records.append(SupportRecord(pairing=p, date=start + timedelta(days=14), kind="visit", created_by=office))
        kind, amount = [("funds", 500), ("goods", None), ("employment", None)][i % 3]
        records.append(
            SupportRecord(pairing=p, date=start + timedelta(days=60), kind=kind, amount=amount, created_by=office)
        )
    SupportRecord.objects.bulk_create(records)
    return len(pairings)


# A visitor's day: at most six visits, each slot 75-90 minutes after the previous one (a visit of
# up to 45 minutes plus the walk to the next household), mornings, afternoons and evenings
# (seeds/002: evenings preferred, when people are at home). Listed in the order a day fills up.
SLOTS = [time(18, 30), time(9, 0), time(14, 30), time(19, 45), time(10, 30), time(16, 0)]


def _visits(ctx, rnd):
    """About 30 % of regular assignments visited by their visitor, during the visiting phase so far.

    Each visitor's visits are spread over the days of the phase so far, at most len(SLOTS) a day in
    slots that leave time to get from one household to the next, so the detectors find nothing
    untoward, except the one overlap planted on purpose (the demo cadre's second visit starts
    while the first is still running) for the inspector's review list.
    """
    campaign = ctx.campaign
    phase = campaign.phase_dates(Phase.VISITING)
    if phase is None or phase.start > ctx.today:
        return 0
    last = min(phase.end, ctx.today - timedelta(days=1))
    days = max((last - phase.start).days, 0) + 1
    checklist = list(campaign.checklist.values_list("id", flat=True))
    tz = timezone.get_current_timezone()
    assignments = (
        Assignment.objects.filter(campaign=campaign)
        .exclude(kind=AssignmentKind.PARTY_LEADER)
        .select_related("household")
        .order_by("household__key")
    )
    chosen = [(i, a) for i, a in enumerate(assignments) if i % 10 < 3]
    per_visitor = {}
    for i, a in chosen:
        per_visitor.setdefault(a.visitor_id, []).append((i, a))
    planted = ctx.users.get("cadre")
    new = []
    for visitor_id, items in per_visitor.items():
        items = items[: days * len(SLOTS)]
        used = {}
        previous = None
        for k, (i, a) in enumerate(items):
            day = phase.start + timedelta(days=k * days // len(items))
            nth = used.get(day, 0)
            used[day] = nth + 1
            # Half the days start in the evening, the rest in the morning or afternoon; the next
            # visits of the day take the following slots (distinct slots never overlap).
            first = (0, 0, 1, 2)[(day.toordinal() + visitor_id) % 4]
            slot = SLOTS[(first + nth) % len(SLOTS)]
            start = timezone.make_aware(datetime.combine(day, slot), tz) + timedelta(minutes=i % 11)
            minutes = 45 if i % 13 else 15
            if planted and visitor_id == planted.pk and k == 1 and previous is not None:
                start = previous + timedelta(minutes=10)  # planted: two households at once (虚假入户)
            previous = start
            # Someone not at home is reached by phone or WeChat; the planted pair stays in person.
            mode, reason = _mode(i) if not (planted and visitor_id == planted.pk and k < 2) else (IN_PERSON, "")
            new.append(
                Visit(
                    campaign=campaign,
                    household=a.household,
                    visitor_id=visitor_id,
                    client_id=uuid.uuid5(NAMESPACE, f"{campaign.pk}:{a.household.key}"),
                    visited_at=start,
                    duration_minutes=minutes,
                    mode=mode,
                    mode_reason=reason,
                    answers={str(q): "情况正常，无特殊需求" for q in checklist[: 3 + i % 4]},
                    notes=NOTES[i % len(NOTES)],
                    too_short=minutes < campaign.min_visit_minutes,
                )
            )
    before = Visit.objects.filter(campaign=campaign).count()
    Visit.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    _co_visitors(ctx, new)
    _photos(new, rnd)
    return Visit.objects.filter(campaign=campaign).count() - before


IN_PERSON = VisitMode.IN_PERSON
NOT_IN_PERSON = [
    (VisitMode.PHONE, "户主在外地务工，电话联系了解家中情况"),
    (VisitMode.WECHAT, "子女在外地，通过微信视频与老人交流"),
    (VisitMode.PHONE, "老人住院陪护，家中无人，电话联系"),
    (VisitMode.WECHAT, "户主上夜班白天休息，约在微信上沟通"),
]


def _mode(i):
    """About one visit in five by phone or WeChat (the reason a visit was not in person is kept)."""
    if i % 9 == 4 or i % 13 == 6:
        return NOT_IN_PERSON[(i // 9) % len(NOT_IN_PERSON)]
    return IN_PERSON, ""


def _co_visitors(ctx, visits):
    """One in-person visit in four with a colleague along: the community's party secretary, or a
    member of a team paired with the community (who `co_visitor_choices` offers the visitor)."""
    community_of = {g.pk: g.parent_id for g in ctx.grids}
    community_of |= {b.pk: community_of[b.parent_id] for b in ctx.blocks}
    secretaries = dict(
        Membership.objects.filter(unit__in=ctx.communities, role=Role.CADRE, is_party_leader=True)
        .order_by("-id")
        .values_list("unit_id", "user_id")
    )
    teams = {}
    for unit_id, user_id in (
        TeamMember.objects.filter(team__campaign=ctx.campaign)
        .order_by("id")
        .values_list("team__paired_unit_id", "user_id")
    ):
        teams.setdefault(unit_id, []).append(user_id)
    ids = dict(Visit.objects.filter(client_id__in=[v.client_id for v in visits]).values_list("client_id", "pk"))
    through = Visit.co_visitors.through
    rows = []
    for n, v in enumerate(v for v in visits if v.mode == IN_PERSON):
        community = community_of.get(v.household.grid_id)
        if n % 4 != 1 or community is None or v.client_id not in ids:
            continue
        people = [secretaries.get(community)] if n % 8 == 1 else teams.get(community, [])[:1]
        rows += [through(visit_id=ids[v.client_id], user_id=u) for u in people if u and u != v.visitor_id]
    through.objects.bulk_create(rows, ignore_conflicts=True)


def _photos(visits, rnd):
    """Photos of about one in-person visit in five (one or two each), stored like a phone's upload;
    a visit that has photos already is left alone."""
    picked = [v for n, v in enumerate(v for v in visits if v.mode == IN_PERSON) if n % 5 == 3]
    done = set(
        VisitPhoto.objects.filter(visit__client_id__in=[v.client_id for v in picked]).values_list(
            "visit__client_id", flat=True
        )
    )
    by_client = {v.client_id: v for v in Visit.objects.filter(client_id__in=[v.client_id for v in picked])}
    for n, v in enumerate(picked):
        visit = by_client.get(v.client_id)
        if visit is None or v.client_id in done:
            continue
        for _ in range(1 + n % 2):
            store_photo(visit, _photo(rnd))


def _photo(rnd):
    """A small picture of a visit: a house front under the sky, each in its own colours."""
    sky = tuple(rnd.randint(150, 220) for _ in range(3))
    wall = tuple(rnd.randint(120, 240) for _ in range(3))
    image = Image.new("RGB", (320, 240), sky)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 170, 320, 240), fill=(rnd.randint(60, 120), rnd.randint(110, 160), rnd.randint(50, 90)))
    left = rnd.randint(30, 120)
    draw.rectangle((left, 90, left + 150, 190), fill=wall)
    draw.polygon([(left - 10, 95), (left + 75, rnd.randint(35, 60)), (left + 160, 95)], fill=(150, 50, 40))
    draw.rectangle((left + 60, 130, left + 90, 190), fill=(90, 60, 40))
    for x in (left + 15, left + 110):
        draw.rectangle((x, 110, x + 25, 135), fill=(200, 225, 240))
    return image
