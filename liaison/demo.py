"""Demo data of the liaison network for `seed_demo` (seeds/004, seeds/000): one town's network
(groups with leaders, members and 联户党员, a liaison per resident group, the stations' rota),
a year of standing visits at their cadence, area 十必报 reports, suggestion-box openings, analysis
meetings with minutes, a quarter of the report chain and a week of daily opinion summaries.

Rows are keyed on stable values and written in bulk (ignore_conflicts where the table has a key),
so running it twice changes nothing and the test suite's one seed per run stays fast.
"""

import uuid
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from campaigns.choices import Role
from campaigns.demo import district_data
from campaigns.models import FocusCategory, Membership, OrgUnit, Team, TeamMember, User
from visits.models import EventReport, Household, Visit

from . import services
from .choices import Background, CadencePeriod, CadenceTarget, MeetingKind, ReportKind
from .models import (
    BoxOpening,
    DailySummary,
    DutyShift,
    Liaison,
    LiaisonGroup,
    LiaisonReport,
    Meeting,
    PartyLink,
    VisitCadence,
)
from .selectors import period_figures

NAMESPACE = uuid.UUID("2b7e52f4-31a9-4c0e-9a55-0c4a1d7e9f04")
BACKGROUNDS = [Background.OLD_PARTY_MEMBER, Background.RETIRED_CADRE, Background.VETERAN, Background.DEPUTY]
NOTES = [
    "困难户老人身体尚可，低保按月到账，反映冬季取暖煤不够。",
    "户主外出务工，家中老人留守，已叮嘱邻居多照看。",
    "反映组里机耕道雨后泥泞，希望硬化。",
    "孩子在镇中学住校，家长关心校车安排。",
    "家中收入稳定，对村里环境整治表示满意。",
]
AREA_EVENTS = [
    ("illegal_construction", "村口公路边新搭建彩钢棚一处，约30平方米，未见审批。"),
    ("environment_disorder", "河沟边堆放建筑垃圾，影响排水。"),
    ("population_movement", "组里新迁入务工人员3户，已登记联系方式。"),
    ("instability", "两户因宅基地边界发生争执，情绪激动，需及时调处。"),
    ("environment_disorder", "垃圾收集点清运不及时，群众有意见。"),
    ("population_movement", "外出务工人员春节后返乡12人。"),
]
MINUTES = [
    "汇总本周收集的民情民意{n}条，逐条研究：能当场解决的已解决，需上报乡镇的已形成清单。",
    "分析近期群众反映集中的道路和用水问题，明确责任人和解决时限，下周通报进展。",
]
OPINIONS = [
    ("张桂英", "桃园村2组", "希望增设路灯", "报镇村建办"),
    ("李建军", "东岗村5组", "灌溉渠堵塞", "组织清淤"),
    ("王淑华", "白沙村1组", "医保缴费不会操作", "网格员上门指导"),
]


def _town(ctx):
    streets = [s for s in district_data()["streets"] if s.get("kind") == "town"]
    code = streets[0]["code"] if streets else ctx.streets[-1].code
    return next((s for s in ctx.streets if s.code == code), None)


def seed(ctx):
    town = _town(ctx)
    if town is None:
        return
    villages = [c for c in ctx.communities if c.parent_id == town.pk]
    grids = [g for g in ctx.grids if g.parent_id in {v.pk for v in villages}]
    if not grids:
        return
    office = (
        User.objects.filter(memberships__unit=town, memberships__role=Role.OFFICE).order_by("id").first()
        or ctx.users["admin"]
    )
    people = _people(ctx, town, villages, grids)
    _network(ctx, town, villages, grids, people, office)
    _standing_visits(ctx, grids, people)
    _events(ctx, villages, grids, people)
    _boxes_and_meetings(ctx, town, villages, people, office)
    _report_chain(ctx, town, villages, people, office)
    _summaries(ctx, town, office)
    # The summaries' entries are registered after the ledger's demo swept the deadlines: sweep
    # again so they carry their notices now, not on the next run of seed_demo.
    from grievances.sweep import sweep_deadlines

    sweep_deadlines()
    ctx.log.append(f"民情联络：{town.name} {len(villages)} 个联络片区、{len(grids)} 个联络小组")


def _people(ctx, town, villages, grids):
    """The network's people: per resident group a liaison, two members and two party members
    (accounts without a role: the network gives them their households)."""
    names = district_data()["person_names"]
    password = make_password(settings.ZOUFANG["DEMO_PASSWORD"])
    wanted = {}
    for gi, grid in enumerate(grids):
        base = grid.code.lower()
        for j, suffix in enumerate(("lly", "cy1", "cy2", "dy1", "dy2")):
            name = names[(gi * 5 + j + 17) % len(names)]
            post = {"lly": "民情联络员", "cy": "联络小组成员", "dy": "联户党员"}[
                suffix[:3] if suffix == "lly" else suffix[:2]
            ]
            wanted[f"mq-{base}-{suffix}"] = (name, f"{grid.name}{post}")
    have = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
    User.objects.bulk_create(
        [
            User(username=u, full_name=n, post=p, password=password, phone=f"1390{i:07d}")
            for i, (u, (n, p)) in enumerate(wanted.items())
            if u not in have
        ]
    )
    users = {u.username: u for u in User.objects.filter(username__in=wanted)}
    cadres = {
        m.unit_id: m.user
        for m in Membership.objects.filter(unit__in=grids, role=Role.CADRE).select_related("user").order_by("id")
    }
    party_leaders = {
        m.unit_id: m.user
        for m in Membership.objects.filter(unit__in=villages, is_party_leader=True).select_related("user")
    }
    return {"users": users, "cadres": cadres, "party_leaders": party_leaders}


def _network(ctx, town, villages, grids, people, office):
    users = people["users"]
    # Hotlines of the town centre and the stations (十个一: 公开一个专线).
    for i, unit in enumerate([town, *villages]):
        if not unit.phone:
            OrgUnit.objects.filter(pk=unit.pk).update(phone=f"0858-53{i:02d}110")
    existing = set(LiaisonGroup.objects.filter(grid__in=grids).values_list("grid_id", flat=True))
    LiaisonGroup.objects.bulk_create(
        [LiaisonGroup(grid=g, leader=people["cadres"].get(g.pk)) for g in grids if g.pk not in existing]
    )
    groups = {g.grid_id: g for g in LiaisonGroup.objects.filter(grid__in=grids)}
    members = LiaisonGroup.members.through
    rows, links = [], []
    for g in grids:
        base = g.code.lower()
        group = groups[g.pk]
        rows += [members(liaisongroup_id=group.pk, user_id=users[f"mq-{base}-cy{k}"].pk) for k in (1, 2)]
        links += [PartyLink(group=group, member=users[f"mq-{base}-dy{k}"]) for k in (1, 2)]
    members.objects.bulk_create(rows, ignore_conflicts=True)
    PartyLink.objects.bulk_create(links, ignore_conflicts=True)
    through = PartyLink.households.through
    by_grid = {}
    for hid, gid in Household.objects.filter(grid__in=grids).order_by("id").values_list("id", "grid_id"):
        by_grid.setdefault(gid, []).append(hid)
    pairs = []
    for link in PartyLink.objects.filter(group__grid__in=grids).select_related("group").order_by("id"):
        pool = by_grid.get(link.group.grid_id, [])
        k = 0 if link.member.username.endswith("dy1") else 1
        pairs += [through(partylink_id=link.pk, household_id=h) for h in pool[k::2][:8]]
    through.objects.bulk_create(pairs, ignore_conflicts=True)
    serving = set(Liaison.objects.filter(grid__in=grids, is_active=True).values_list("grid_id", flat=True))
    Liaison.objects.bulk_create(
        [
            Liaison(
                grid=g,
                user=users[f"mq-{g.code.lower()}-lly"],
                background=BACKGROUNDS[i % len(BACKGROUNDS)],
                certificate_no=f"{town.name[:2]}聘〔{ctx.today.year - 1}〕{i + 1}号",
                appointed_on=date(ctx.today.year - 1, 9, 15),
                appointed_by=office,
            )
            for i, g in enumerate(grids)
            if g.pk not in serving
        ]
    )
    # 两委 on duty at each station, Monday to Friday: the party leader and the grids' cadres.
    shifts = []
    for v in villages:
        staff = [people["party_leaders"].get(v.pk)] + [people["cadres"].get(g.pk) for g in grids if g.parent_id == v.pk]
        staff = [s for s in staff if s is not None]
        shifts += [DutyShift(unit=v, weekday=d, user=staff[(d - 1) % len(staff)]) for d in range(1, 6) if staff]
    DutyShift.objects.bulk_create(shifts, ignore_conflicts=True)
    if not VisitCadence.objects.filter(unit=town).exists():
        old_members = FocusCategory.objects.filter(code="old_party_member").first()
        VisitCadence.objects.bulk_create(
            [
                VisitCadence(unit=town, target=CadenceTarget.HARDSHIP, period=CadencePeriod.MONTH),
                VisitCadence(
                    unit=town,
                    target=CadenceTarget.CATEGORY,
                    focus_category=old_members,
                    period=CadencePeriod.QUARTER,
                )
                if old_members
                else VisitCadence(unit=town, target=CadenceTarget.ALL, period=CadencePeriod.QUARTER),
            ]
        )


def _local(day, hour):
    return datetime.combine(day, time(hour, 30), timezone.get_current_timezone())


def _standing_visits(ctx, grids, people):
    """A year of standing visits by each group's liaison: hardship households monthly, the others
    once a quarter; none in the future."""
    users = people["users"]
    now = timezone.now()
    visits = []
    households = Household.objects.filter(grid__in=grids).order_by("id").values_list("id", "grid_id", "is_hardship")
    for n, (hid, gid, hardship) in enumerate(households):
        grid = next(g for g in grids if g.pk == gid)
        visitor = users[f"mq-{grid.code.lower()}-lly"]
        months = range(12) if hardship else range(n % 3, 12, 3)
        for m in months:
            first = (ctx.today.replace(day=1) - timedelta(days=31 * m)).replace(day=1)
            when = _local(first + timedelta(days=(n * 3 + m) % 25), 9 + n % 8)
            if when > now:
                continue
            visits.append(
                Visit(
                    campaign=None,
                    household_id=hid,
                    visitor=visitor,
                    client_id=uuid.uuid5(NAMESPACE, f"standing:{hid}:{first:%Y%m}"),
                    visited_at=when,
                    duration_minutes=20 + n % 25,
                    notes=NOTES[(n + m) % len(NOTES)],
                )
            )
    Visit.objects.bulk_create(visits, ignore_conflicts=True, batch_size=1000)


def _events(ctx, villages, grids, people):
    if EventReport.objects.filter(unit__in=[*villages, *grids], household__isnull=True).exists():
        return
    users = people["users"]
    rows = []
    for i, (kind, text) in enumerate(AREA_EVENTS):
        grid = grids[i % len(grids)]
        rows.append(
            EventReport(
                campaign=None,
                household=None,
                unit=grid if i % 2 else grid.parent,
                reporter=users[f"mq-{grid.code.lower()}-lly"],
                kind=kind,
                description=text,
            )
        )
    made = EventReport.objects.bulk_create(rows)
    for i, report in enumerate(made):  # reported_at is auto_now_add: date them afterwards
        EventReport.objects.filter(pk=report.pk).update(reported_at=_local(ctx.today - timedelta(days=9 + 23 * i), 15))


def _boxes_and_meetings(ctx, town, villages, people, office):
    if BoxOpening.objects.filter(unit__in=villages).exists():
        return
    boxes = []
    for v in villages:
        opener = people["party_leaders"].get(v.pk)
        for m in range(3):
            day = ctx.today - timedelta(days=30 * m + 5)
            boxes.append(
                BoxOpening(
                    unit=v,
                    opened_at=_local(day, 10),
                    opened_by=opener.display_name if opener else "村支书",
                    slips_count=(m + 2) % 4,
                    notes="定期开箱，信件当场登记。",
                    recorded_by=opener or office,
                )
            )
    BoxOpening.objects.bulk_create(boxes)
    meetings = []
    for v in villages:
        chair = people["party_leaders"].get(v.pk)
        for w in range(4):
            meetings.append(
                Meeting(
                    unit=v,
                    kind=MeetingKind.VILLAGE,
                    held_on=ctx.today - timedelta(days=7 * w + 1),
                    chair=chair.display_name if chair else "",
                    attendees="村两委成员、民情联络员",
                    minutes=MINUTES[w % 2].format(n=3 + w),
                    recorded_by=chair or office,
                )
            )
    for f in range(2):
        meetings.append(
            Meeting(
                unit=town,
                kind=MeetingKind.TOWN,
                held_on=ctx.today - timedelta(days=14 * f + 2),
                chair="镇党委副书记",
                attendees="镇联络中心、各村联络站负责人",
                minutes="听取各村民情联络情况汇报，梳理需镇级协调的问题并交办。",
                recorded_by=office,
            )
        )
    Meeting.objects.bulk_create(meetings)


def _report_chain(ctx, town, villages, people, office):
    """The last quarter of the chain: each station's monthly report, the town's monthly tables and
    its quarterly analysis; one station report late and one missing, to show what is late."""
    if LiaisonReport.objects.filter(unit=town).exists():
        return
    month = ctx.today.replace(day=1)
    months = []
    for _ in range(3):
        month = (month - timedelta(days=1)).replace(day=1)
        months.append(month)
    rows = []
    for mi, start in enumerate(sorted(months)):
        for vi, v in enumerate(villages):
            if mi == 2 and vi == len(villages) - 1:
                continue  # not submitted: late
            s, e = services.period_of(ReportKind.STATION_MONTH, start)
            due = services.due_for(ReportKind.STATION_MONTH, e)
            late = mi == 1 and vi == 0
            rows.append(
                LiaisonReport(
                    unit=v,
                    kind=ReportKind.STATION_MONTH,
                    period_start=s,
                    period_end=e,
                    due_at=due,
                    content=f"{v.name}本月收集民情民意、开展日常走访和分析会情况。",
                    figures=period_figures(v, s, e),
                    submitted_by=people["party_leaders"].get(v.pk) or office,
                    submitted_at=due + timedelta(days=2) if late else due - timedelta(days=1),
                )
            )
        s, e = services.period_of(ReportKind.TOWN_MONTH, start)
        due = services.due_for(ReportKind.TOWN_MONTH, e)
        rows.append(
            LiaisonReport(
                unit=town,
                kind=ReportKind.TOWN_MONTH,
                period_start=s,
                period_end=e,
                due_at=due,
                content=f"{town.name}开展民情民意联络服务工作情况统计表。",
                figures=period_figures(town, s, e),
                submitted_by=office,
                submitted_at=due - timedelta(hours=30),
            )
        )
    s, e = services.period_of(ReportKind.TOWN_QUARTER, months[0])
    due = services.due_for(ReportKind.TOWN_QUARTER, e)
    if due < timezone.now():
        rows.append(
            LiaisonReport(
                unit=town,
                kind=ReportKind.TOWN_QUARTER,
                period_start=s,
                period_end=e,
                due_at=due,
                content="本季度群众反映集中在道路、用水和医保缴费，已交办问题大部分办结，下季度重点抓灌溉设施。",
                figures=period_figures(town, s, e),
                submitted_by=office,
                submitted_at=due - timedelta(days=2),
            )
        )
    LiaisonReport.objects.bulk_create(rows, ignore_conflicts=True)


def _summaries(ctx, town, office):
    """A week of 意见汇总表 of the work groups paired with the town's villages (seeds/000): each
    day's opinions are ledger entries the group's member collected that day, and the table lists
    them (the office prints it per group and day)."""
    from grievances import services as ledger
    from grievances.models import Grievance, GrievanceCategory

    teams = list(Team.objects.filter(campaign=ctx.campaign, paired_unit__parent=town).order_by("id"))
    category = GrievanceCategory.objects.filter(is_active=True).order_by("id").first()
    if category is None:
        return
    rows = []
    for t in teams:
        member = TeamMember.objects.filter(team=t).order_by("-is_leader", "id").select_related("user").first()
        homes = list(Household.objects.filter(grid__path__startswith=t.paired_unit.path).order_by("id")[:40])
        if member is None or not homes:
            continue
        for d in range(7):
            day = ctx.today - timedelta(days=d)
            items = []
            for k, (_r, _a, content, suggestion) in enumerate(OPINIONS[: 1 + (d + t.pk) % len(OPINIONS)]):
                home = homes[(d * 5 + k) % len(homes)]
                ref = f"DEMO-DAILY-{t.pk}-{day:%Y%m%d}-{k}"
                g = Grievance.objects.filter(external_ref=ref).first()
                if g is None:
                    # Collected on the round, entered that evening: the office may date an entry
                    # back (the member may not), and the member stays its collector.
                    g = ledger.register_grievance(
                        actor=office,
                        content=content,
                        category=category,
                        kind="suggestion" if k % 3 == 2 else "problem",
                        household=home,
                        campaign=ctx.campaign,
                        registered_at=min(_local(day, 17), timezone.now()),
                        external_ref=ref,
                    )
                    Grievance.objects.filter(pk=g.pk).update(registered_by=member.user)
                items.append(
                    {"reporter": home.head_name, "address": home.address, "content": content, "suggestion": suggestion}
                )
            rows.append(
                DailySummary(
                    team=t,
                    day=day,
                    items=items,
                    summary=f"当日走访收集意见{len(items)}条，已登记台账并汇总报活动办。",
                    submitted_by=member.user,
                )
            )
    DailySummary.objects.bulk_create(rows, ignore_conflicts=True)


__all__ = ["seed"]
