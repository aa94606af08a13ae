"""Demo district for `seed_demo`: org tree, people in every role, one campaign in its visiting phase.

Feature apps add their part in their own `demo.py` (`seed(ctx)`), called in app order.
Everything is get-or-create on stable keys, so running it twice changes nothing.
"""

import random
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.utils import timezone

from . import services, twofactor
from .calendar import local_date
from .choices import Level, Role
from .datafiles import read_toml
from .models import Campaign, LevelName, Membership, OrgUnit, Team, TeamMember, User

DEMO_PHASE_DAYS = {"organise": 15, "visiting": 75, "rectification": 45, "lookback": 30, "summary": 20}


@cache
def district_data():
    """The fictional district: streets, communities, grids, departments, names, address parts."""
    return read_toml(__file__, "demo_district.toml")


@dataclass
class DemoContext:
    households: int
    today: object
    district: OrgUnit = None
    streets: list = field(default_factory=list)
    communities: list = field(default_factory=list)
    grids: list = field(default_factory=list)
    blocks: list = field(default_factory=list)  # 楼组 below some grids: those grids hold no households
    departments: list = field(default_factory=list)
    campaign: Campaign = None
    users: dict = field(default_factory=dict)  # username -> User
    log: list = field(default_factory=list)

    @property
    def household_units(self):
        """The lowest level of every branch: the grids not split into 楼组, and the 楼组."""
        split = {b.parent_id for b in self.blocks}
        return [g for g in self.grids if g.pk not in split] + self.blocks


class _Names:
    def __init__(self):
        self.pool = district_data()["person_names"]
        self.i = 0

    def next(self):
        name = self.pool[self.i % len(self.pool)]
        self.i += 1
        return name


#: The demo administrators' TOTP secret (base32; 30 s, 6 digits, SHA-1), printed by scripts/run.sh.
DEMO_TOTP_SECRET = "ZOUFANGDEMOTOTPSECRETAAAAAAAAAAA"


def _unit(code, name, level, parent):
    unit, _ = OrgUnit.objects.get_or_create(code=code, defaults={"name": name, "level": level, "parent": parent})
    return unit


def _level_names(ctx, data):
    """The installation's level names, and the town's own (the street of kind "town")."""
    for level, label in data["level_names"].items():
        LevelName.objects.get_or_create(level=level, branch=None, defaults={"label": label})
    towns = {s["code"] for s in data["streets"] if s.get("kind") == "town"}
    for town in (s for s in ctx.streets if s.code in towns):
        for level, label in data["town_level_names"].items():
            LevelName.objects.get_or_create(level=level, branch=town, defaults={"label": label})


def demo_phone(username):
    """A mobile number for a demo account, the same on every run (seeded by the username): the
    service cards print the liaison group's phones, so nobody on them may be without one."""
    rnd = random.Random(f"demo-phone:{username}")
    return f"1{rnd.choice('3578')}{rnd.choice('0123456789')}{rnd.randrange(10**8):08d}"


def _user(username, full_name, *, post="", phone="", superuser=False, staff=False):
    phone = phone or demo_phone(username)
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, full_name=full_name, post=post, phone=phone)
        user.is_superuser = superuser
        user.is_staff = staff or superuser
        user.set_password(settings.ZOUFANG["DEMO_PASSWORD"])
        user.save()
    elif not user.phone:  # a demo database from before every account had a phone
        user.phone = phone
        user.save(update_fields=["phone"])
    return user


def _member(user, unit, role, party_leader=False):
    Membership.objects.get_or_create(user=user, unit=unit, role=role, defaults={"is_party_leader": party_leader})


def _administrators(ctx):
    """三员分立: three administrators of the district, none of them a superuser (that account is the
    installer's), each with the demo's TOTP device."""
    u = ctx.users
    for username, full_name, role in (
        ("admin", "系统管理员", Role.ADMIN),
        ("security", "安全管理员", Role.SECURITY),
        ("auditor", "审计管理员", Role.AUDITOR),
    ):
        u[username] = _user(username, full_name, post=full_name, staff=True)
        _member(u[username], ctx.district, role)
        # An existing demo database from before the split: the admin is no superuser any more.
        if u[username].is_superuser or not u[username].is_staff:
            u[username].is_superuser, u[username].is_staff = False, True
            u[username].save(update_fields=["is_superuser", "is_staff"])
        twofactor.set_demo_device(u[username], DEMO_TOTP_SECRET)


def _tree(ctx, data):
    """District, streets, communities, grids (some split into 楼组), departments, level names."""
    ctx.district = _unit(data["district"]["code"], data["district"]["name"], Level.DISTRICT, None)
    for s in data["streets"]:
        street = _unit(s["code"], s["name"], Level.STREET, ctx.district)
        ctx.streets.append(street)
        for c in s["communities"]:
            community = _unit(c["code"], c["name"], Level.COMMUNITY, street)
            ctx.communities.append(community)
            for g in c["grids"]:
                grid = _unit(g["code"], f"{c['name']}{g['name']}", Level.GRID, community)
                ctx.grids.append(grid)
                for b in range(g.get("blocks", 0)):
                    ctx.blocks.append(
                        _unit(f"{g['code']}-B{b + 1:02d}", f"{grid.name}{b + 1}号楼组", Level.BLOCK, grid)
                    )
    for d in data["departments"]:
        ctx.departments.append(_unit(d["code"], d["name"], Level.DEPARTMENT, ctx.district))
    _level_names(ctx, data)
    # Grid centres, about a kilometre apart, so the office sees how far from its grid a visit was.
    placed = [g for g in ctx.grids if g.latitude is None]
    for i, grid in enumerate(ctx.grids):
        grid.latitude, grid.longitude = 36.80 + (i // 6) * 0.01, 118.04 + (i % 6) * 0.012
    by_pk = {g.pk: g for g in ctx.grids}
    placed += [b for b in ctx.blocks if b.latitude is None]
    for i, block in enumerate(ctx.blocks):
        grid = by_pk[block.parent_id]
        block.latitude, block.longitude = grid.latitude + (i % 3 - 1) * 0.002, grid.longitude
    OrgUnit.objects.bulk_update(placed, ["latitude", "longitude"])


def build(households=600, stdout=None):
    ctx = DemoContext(households=households, today=local_date(timezone.now()))
    data = district_data()
    names = _Names()

    _tree(ctx, data)

    # The seven fixed demo accounts (README, issue fixed points).
    first_street, second_street = ctx.streets[0], ctx.streets[1]
    first_community = next(c for c in ctx.communities if c.parent_id == first_street.pk)
    second_community = next(c for c in ctx.communities if c.parent_id == second_street.pk)
    u = ctx.users
    _administrators(ctx)
    u["leader"] = _user("leader", "张建国", post="区委副书记", phone="13800000001")
    _member(u["leader"], ctx.district, Role.LEADER)
    u["office"] = _user("office", "王秀英", post=f"{first_street.name}活动办主任", phone="13800000002")
    _member(u["office"], first_street, Role.OFFICE)
    u["cadre"] = _user("cadre", "李志强", post=f"{first_community.name}网格员", phone="13800000003")
    _member(u["cadre"], first_community, Role.CADRE)
    u["cadre2"] = _user("cadre2", "刘桂兰", post=f"{second_community.name}网格员", phone="13800000004")
    _member(u["cadre2"], second_community, Role.CADRE)
    u["handler"] = _user("handler", "陈晓东", post=f"{ctx.departments[0].name}科员", phone="13800000005")
    _member(u["handler"], ctx.departments[0], Role.HANDLER)
    u["inspector"] = _user("inspector", "杨丽华", post="区纪委督导组", phone="13800000006")
    _member(u["inspector"], ctx.district, Role.INSPECTOR)

    # Everyone else: a party leader per community, a cadre per grid, office staff per street,
    # handlers per department. Usernames derive from unit codes, so they are stable.
    names.i = 6
    for community in ctx.communities:
        person = _user(f"sj-{community.code.lower()}", names.next(), post=f"{community.name}党组织书记")
        _member(person, community, Role.CADRE, party_leader=True)
    for grid in ctx.grids:
        person = _user(f"wg-{grid.code.lower()}", names.next(), post=f"{grid.name}网格员")
        _member(person, grid, Role.CADRE)
    for street in ctx.streets[1:]:
        person = _user(f"bgs-{street.code.lower()}", names.next(), post=f"{street.name}活动办")
        _member(person, street, Role.OFFICE)
    for street in ctx.streets:
        person = _user(f"ld-{street.code.lower()}", names.next(), post=f"{street.name}党工委书记")
        _member(person, street, Role.LEADER)
    for dept in ctx.departments[1:]:
        person = _user(f"zr-{dept.code.lower()}", names.next(), post=f"{dept.name}科员")
        _member(person, dept, Role.HANDLER)
    district_office = _user("bgs-d01", names.next(), post="区大走访活动办")
    _member(district_office, ctx.district, Role.OFFICE)

    # One campaign, begun 60 days ago, today in its visiting phase.
    name = f"{ctx.district.name}{ctx.today.year}年度“大走访”活动"
    ctx.campaign = Campaign.objects.filter(territory=ctx.district, name=name).first()
    if ctx.campaign is None:
        ctx.campaign = services.create_campaign(
            actor=u["admin"],
            name=name,
            territory=ctx.district,
            year=ctx.today.year,
            start=ctx.today - timedelta(days=60),
            phase_days=DEMO_PHASE_DAYS,
        )
        services.sync_phase(campaign=ctx.campaign, today=ctx.today)
        _teams(ctx, names)
    return ctx


def _teams(ctx, names):
    """Department teams paired with communities (挂包) and street cadre groups (seeds/002)."""
    for i, dept in enumerate(ctx.departments):
        community = ctx.communities[i % len(ctx.communities)]
        team = Team.objects.create(
            campaign=ctx.campaign, name=f"{dept.name}挂包工作组", unit=dept, paired_unit=community, quota=20
        )
        for j in range(2):
            member = _user(f"gb-{dept.code.lower()}-{j + 1}", names.next(), post=f"{dept.name}干部")
            _member(member, community, Role.CADRE)
            TeamMember.objects.create(team=team, user=member, is_leader=j == 0)
    for street in ctx.streets:
        for community in [c for c in ctx.communities if c.parent_id == street.pk]:
            team = Team.objects.create(
                campaign=ctx.campaign, name=f"{street.name}驻{community.name}工作组", unit=street, paired_unit=community
            )
            member = _user(f"jd-{community.code.lower()}", names.next(), post=f"{street.name}干部")
            _member(member, community, Role.CADRE)
            TeamMember.objects.create(team=team, user=member, is_leader=True)
