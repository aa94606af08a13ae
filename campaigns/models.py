"""The foundation: org tree, people and roles, campaigns, working-day calendar."""

import re

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Concat, Left, StrIndex, Substr
from django.utils import timezone
from django.utils.translation import gettext

from . import presets
from .access import PATH_SEP, Rule, ScopedQuerySet, path_prefixes, scope
from .choices import (
    HOUSEHOLD_LEVELS,
    MAX_TERRITORY_LEVELS,
    TERRITORY_ORDER,
    CalendarSource,
    Designation,
    Level,
    Phase,
    Role,
    TierCode,
    VisitMode,
)
from .validators import validate_unit_name

PATH_DIGITS = 7
# The phases in which a campaign is the one its cadres and offices work in.
RUNNING_PHASES = (Phase.VISITING, Phase.RECTIFICATION, Phase.LOOKBACK)


class LevelName(models.Model):
    """What a level is called in this installation (e.g. 镇 instead of 街道), everywhere or, with a
    branch, in that unit's subtree only (a town's 镇 > 村 > 村民小组 beside a city's 街道 > 社区 > 网格)."""

    level = models.CharField("层级", max_length=20, choices=Level.choices)
    branch = models.ForeignKey(
        "OrgUnit",
        verbose_name="适用范围",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="level_names",
        help_text="留空则全系统适用；选定单位则只用于该单位及其下级",
    )
    label = models.CharField("显示名称", max_length=20)

    class Meta:
        verbose_name = verbose_name_plural = "层级名称"
        ordering = ["branch_id", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["level"], condition=Q(branch__isnull=True), name="levelname_unique_installation"
            ),
            models.UniqueConstraint(fields=["level", "branch"], name="levelname_unique_branch"),
        ]

    def __str__(self):
        where = self.branch.name if self.branch_id else "全系统"
        return f"{where}：{self.get_level_display()} → {self.label}"


class LevelTable:
    """Every level name of the installation, loaded once (one query): a unit's level is called by
    the name of its nearest branch that names it, else the installation's, else the kind's label."""

    def __init__(self, rows):
        self.defaults = {}
        self.branches = []  # (branch path, level, label), deepest branch first
        for level, path, label in rows:
            if path is None:
                self.defaults[level] = label
            else:
                self.branches.append((path, level, label))
        self.branches.sort(key=lambda r: -len(r[0]))

    @classmethod
    def load(cls):
        return cls(LevelName.objects.values_list("level", "branch__path", "label"))

    def name(self, level: str, path: str = "") -> str:
        for branch_path, lv, label in self.branches:
            if lv == level and path.startswith(branch_path):
                return label
        if level in self.defaults:
            return self.defaults[level]
        return Level(level).label if level in Level.values else ""

    def of(self, unit) -> str:
        """The name of `unit`'s level (an OrgUnit, or a dict with "level" and "path")."""
        if isinstance(unit, dict):
            return self.name(unit["level"], unit.get("path", ""))
        return self.name(unit.level, unit.path)

    def names(self, path: str = "") -> dict[str, str]:
        """Level code -> name as seen from `path` (a branch's own words)."""
        return {lv: self.name(lv, path) for lv in Level.values}


ADMINS = (Role.ADMIN,)
SECURITY_ADMINS = (Role.SECURITY,)
READERS = (Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.ADMIN)


class OrgUnitQuerySet(ScopedQuerySet):
    rules = {
        # Edit the unit (系统管理员 of the subtree).
        "manage": Rule(ADMINS, ""),
        # Give the unit's people their roles, unlock them (安全管理员 of the subtree).
        "staff": Rule(SECURITY_ADMINS, ""),
        # Open records in the unit: a household, a ledger entry without a household.
        "register": Rule((Role.CADRE, Role.OFFICE, Role.ADMIN), ""),
        # Date a record in the unit earlier than today: an offline ledger typed in afterwards.
        "backdate": Rule((Role.OFFICE, Role.ADMIN), ""),
        # Read the unit's figures, generate its reports and tables.
        "report": Rule(READERS, ""),
        # Score the unit: record violations, run the detectors (a violation's own review is its rule).
        "inspect": Rule((Role.INSPECTOR, Role.ADMIN), ""),
        # Hand out service cards (连心卡) to the unit's households and record it.
        "cards": Rule((Role.CADRE, Role.OFFICE, Role.ADMIN), ""),
        # Choose what the unit's public board (公开栏) shows and print its poster (活动办).
        "publish": Rule((Role.OFFICE, Role.ADMIN), ""),
    }

    def subtree_of(self, unit):
        """The unit and everything under it: one indexed prefix match on the materialised path."""
        return self.filter(path__startswith=unit.path)

    def territorial(self):
        return self.exclude(level=Level.DEPARTMENT)

    def household_units(self):
        """The units households are registered to: the lowest level of each branch, a grid or a
        楼组 (a grid split into 楼组 holds none itself)."""
        split = OrgUnit.objects.filter(level=Level.BLOCK, parent__isnull=False).values("parent_id")
        return self.filter(level__in=HOUSEHOLD_LEVELS).exclude(pk__in=split)

    def visible_to(self, user):
        return scope(user).filter_units(self)

    def all_actionable_by(self, user, action) -> bool:
        """Whether `user` may run `action` on every one of these units: a system-wide job (the
        deadline sweep, the phase sync of every campaign) needs it over the whole tree."""
        if not scope(user).is_authenticated:
            return False
        return not self.exclude(pk__in=self.actionable_by(user, action).values("pk")).exists()


def child_path(unit_path: str, field: str) -> models.Expression:
    """SQL: the path of the child of the unit at `unit_path` that contains the path in `field`
    ('' for the unit itself and for paths outside it), so that rows grouped by it are one per child
    whatever the depth: the database folds a city's 20,000 units into their streets."""
    from django.db.models import Case, CharField, F, Value, When

    rest = Substr(F(field), len(unit_path) + 1)
    inside = Q(**{f"{field}__startswith": unit_path}) & ~Q(**{field: unit_path})
    return Case(
        When(inside, then=Concat(Value(unit_path), Left(rest, StrIndex(rest, Value(PATH_SEP))))),
        default=Value(""),
        output_field=CharField(),
    )


class OrgUnit(models.Model):
    """A territorial unit (district > street > community > grid > 楼组, 3 to 5 levels) or a functional unit.

    Functional units (区直部门) hang under the district so that district-wide roles see them,
    but they are not part of the territory: households never belong to them.
    """

    code = models.CharField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100, validators=[validate_unit_name])
    level = models.CharField("层级", max_length=20, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级单位", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path of zero-padded primary keys, e.g. "0000001/0000004/": subtree = prefix
    # match, ancestors = prefixes.
    path = models.CharField("路径", max_length=255, editable=False, db_index=False, default="")
    depth = models.PositiveSmallIntegerField("深度", editable=False, default=0)
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    is_active = models.BooleanField("启用", default=True)
    # A grid's centre (WGS-84), from which the office sees how far from it a visit was logged.
    latitude = models.FloatField("中心点纬度", null=True, blank=True)
    longitude = models.FloatField("中心点经度", null=True, blank=True)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "组织单位"
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="orgunit_path_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self):
        return self.name

    @transaction.atomic
    def save(self, *args, **kwargs):
        old_path = self.path
        super().save(*args, **kwargs)
        parent_path = self.parent.path if self.parent_id else ""
        # Zero-padded ids keep a plain ORDER BY path in tree order (1/2/ before 1/10/).
        new_path = f"{parent_path}{self.pk:0{PATH_DIGITS}d}{PATH_SEP}"
        if new_path != old_path:
            if self.parent_id and new_path.startswith(old_path or "\0"):
                raise ValueError("不能把单位移动到它自己的下级单位之下")
            depth = new_path.count(PATH_SEP) - 1
            OrgUnit.objects.filter(pk=self.pk).update(path=new_path, depth=depth)
            if old_path:
                # Move the whole subtree in one statement: rewrite the path prefix.
                delta = depth - self.depth
                OrgUnit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                    path=Concat(models.Value(new_path), Substr("path", len(old_path) + 1)),
                    depth=models.F("depth") + delta,
                )
            self.path, self.depth = new_path, depth

    def clean(self):
        """A territorial child's kind comes after its parent's, at most five levels deep; a
        functional unit hangs under a district. Households need a grid or 楼组 at the bottom."""
        from django.core.exceptions import ValidationError

        parent = self.parent
        if self.level == Level.DEPARTMENT:
            if parent is not None and parent.level != Level.DISTRICT:
                raise ValidationError({"parent": "区直部门只能挂在区/县之下"})
            return
        if parent is None:
            return
        if parent.level == Level.DEPARTMENT:
            raise ValidationError({"parent": "区直部门之下不能再设属地单位"})
        if TERRITORY_ORDER.index(self.level) <= TERRITORY_ORDER.index(parent.level):
            raise ValidationError({"level": f"{parent.get_level_display()}之下只能设更低的层级"})
        levels = parent.depth + 2
        if levels > MAX_TERRITORY_LEVELS:
            raise ValidationError({"parent": f"属地层级最多{MAX_TERRITORY_LEVELS}级"})

    @property
    def is_functional(self):
        return self.level == Level.DEPARTMENT

    def ancestor_paths(self):
        """Paths of every ancestor and of the unit itself, root first."""
        return path_prefixes(self.path)

    def ancestors(self):
        return OrgUnit.objects.filter(path__in=path_prefixes(self.path)[:-1]).order_by("depth")

    def nearest(self, level):
        """The unit itself or its nearest ancestor of kind `level`, or None (one query at most):
        a 楼组's community is two levels up, a grid's one."""
        if self.level == level:
            return self
        return OrgUnit.objects.filter(path__in=path_prefixes(self.path)[:-1], level=level).order_by("-depth").first()

    @property
    def level_name(self):
        """What this unit's level is called here (the level table, one query per unit: in lists use
        `LevelTable.load().of(unit)`)."""
        return LevelTable.load().of(self)


class UserQuerySet(ScopedQuerySet):
    rules = {
        # Edit the person, their memberships, password and tokens: a security administrator over
        # one of their units (三员分立: not the system administrator).
        "manage": Rule(SECURITY_ADMINS, "memberships__unit"),
        # Watch what is sent to the person (deliveries): a system administrator over their unit.
        "watch": Rule(ADMINS, "memberships__unit"),
    }

    def visible_to(self, user):
        """The user themself and the people holding a membership in the user's subtree."""
        return scope(user).filter_users(self)

    def actionable_by(self, user, action):
        return super().actionable_by(user, action).distinct()

    def with_role_in(self, unit, roles):
        """People holding one of `roles` in `unit` or anywhere under it (a team's cadres)."""
        return self.filter(
            memberships__unit__path__startswith=unit.path, memberships__role__in=roles, is_active=True
        ).distinct()

    def with_role_over(self, unit, roles):
        """People holding one of `roles` in `unit` or an ancestor of it: their subtree covers it
        (the leaders who may own a case there)."""
        return self.filter(
            memberships__unit__path__in=path_prefixes(unit.path), memberships__role__in=roles, is_active=True
        ).distinct()


class ScopedUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A person using Zoufang. Roles come from memberships in org units."""

    full_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)
    post = models.CharField("职务", max_length=50, blank=True)

    objects = ScopedUserManager()

    class Meta:
        verbose_name = verbose_name_plural = "人员"

    def __str__(self):
        return self.full_name or self.username

    @property
    def display_name(self):
        return self.full_name or self.get_full_name() or self.username


class Membership(models.Model):
    """A person holds a role in an org unit; the role applies to the unit's subtree."""

    user = models.ForeignKey(User, verbose_name="人员", on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(OrgUnit, verbose_name="单位", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    is_party_leader = models.BooleanField(
        "党组织书记", default=False, help_text="社区/村党组织书记：一年内对全部农户户户到"
    )
    # Seed 002: a 约谈 names the community's 包村居干部 (a street cadre who holds the community) and
    # its 两委 members; each is a membership of that community carrying the designation.
    designation = models.CharField(
        "职务",
        max_length=20,
        choices=Designation.choices,
        blank=True,
        default="",
        help_text="在该社区/村的职务：包村居干部或“两委”成员（约谈对象）",
    )

    class Meta:
        verbose_name = verbose_name_plural = "任职"
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique")]

    def __str__(self):
        return f"{self.user} · {self.unit} · {self.get_role_display()}"


class FocusCategory(models.Model):
    """A category of household that must be visited (重点走访对象), e.g. 困难户, 老党员."""

    code = models.SlugField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=50, unique=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "重点走访类别"
        ordering = ["id"]

    def __str__(self):
        return self.name


def default_allowed_modes():
    return [m.value for m in VisitMode]


# What may make a visit record more than an empty form (虚假入户 is what scoring punishes).
VISIT_CONTENT_KINDS = ("answers", "notes", "photos", "mode_reason")


def default_visit_content():
    return list(VISIT_CONTENT_KINDS)


class CampaignQuerySet(ScopedQuerySet):
    rules = {
        # Edit the campaign, its phases, checklist, tiers and teams; switch or lock its phase.
        "manage": Rule(ADMINS, "territory"),
    }

    def visible_to(self, user):
        """Campaigns over a unit above or below one of the user's units."""
        return scope(user).filter_campaigns(self)

    def for_unit(self, unit):
        """Campaigns whose territory contains the unit."""
        return self.filter(territory__path__in=path_prefixes(unit.path))

    def ranked(self, day=None):
        """The campaigns, the current one first (see `Campaign.rank`); one query with phases."""
        day = day or timezone.localdate()
        return sorted(self.prefetch_related("phases"), key=lambda c: c.rank(day))

    def current(self, day=None):
        """The campaign work happens in today: the running one, else the nearest upcoming one,
        else the last one that ended. Several may run at once for different territories."""
        ranked = self.ranked(day)
        return ranked[0] if ranked else None

    def current_for_unit(self, unit, day=None):
        """The current campaign (`current`) among those whose territory contains the unit."""
        return self.for_unit(unit).current(day)


class Campaign(models.Model):
    """One run of the whole cycle (plan → visits → rectification → look-back → summary)."""

    name = models.CharField("名称", max_length=100)
    territory = models.ForeignKey(OrgUnit, verbose_name="活动区域", on_delete=models.PROTECT, related_name="campaigns")
    year = models.PositiveSmallIntegerField("年度")
    phase = models.CharField("当前阶段", max_length=20, choices=Phase.choices, default=Phase.ORGANISE)
    phase_locked = models.BooleanField("手动锁定阶段", default=False, help_text="勾选后阶段不再按日期自动切换")
    focus_categories = models.ManyToManyField(FocusCategory, verbose_name="重点走访类别", blank=True)
    min_visit_minutes = models.PositiveSmallIntegerField("每户最少走访时长（分钟）", default=30)
    allowed_modes = models.JSONField("允许的走访方式", default=default_allowed_modes)
    visit_content = models.JSONField(
        "走访记录须含内容",
        default=default_visit_content,
        blank=True,
        help_text="一条走访记录至少须有其中一项：answers（入户必问）、notes（民情日记）、photos（照片）、"
        "mode_reason（未入户原因）；留空则不要求",
    )
    ask_location = models.BooleanField("走访时请求手机定位", default=True, help_text="定位始终可由走访干部拒绝")
    # Seed 002: the campaign is one item of the community's yearly 千分制 assessment; each confirmed
    # violation deducts a point from this weight, down to zero (扣完为止).
    assessment_weight = models.PositiveSmallIntegerField(
        "年度千分制考核分值",
        default=1000,
        validators=[MaxValueValidator(1000)],
        help_text="本活动在村居社区年度千分制综合考核中所占分值；每确认1起违规扣1分，扣完为止",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "走访活动"
        ordering = ["-year", "-id"]

    def __str__(self):
        return self.name

    def rank(self, day):
        """Sort key of `CampaignQuerySet.current`: running campaigns (today in visiting,
        rectification or look-back, or a phase locked there), then upcoming ones nearest first,
        then finished ones latest first. A new campaign still in 组织部署 never displaces a
        running one, whatever its year."""
        phases = list(self.phases.all())
        kind = self.phase if self.phase_locked else self.phase_on(day)
        if kind is None:  # between or outside the dates: before the first, after the last
            if phases and day > max(p.end for p in phases):
                kind = Phase.SUMMARY
            elif phases and day < min(p.start for p in phases):
                kind = Phase.ORGANISE
            else:
                kind = self.phase
        if kind in RUNNING_PHASES:
            return (0, 0, -self.year, -self.pk)
        if kind == Phase.ORGANISE:
            starts = [p.start for p in phases if p.kind != Phase.ORGANISE]
            return (1, (min(starts) - day).days if starts else 0, -self.year, -self.pk)
        last = max((p.end for p in phases), default=day)
        return (2, (day - last).days, -self.year, -self.pk)

    def phase_on(self, day):
        """The phase whose dates contain the given local date, or None."""
        for p in self.phases.all():
            if p.start <= day <= p.end:
                return p.kind
        return None

    def phase_dates(self, kind):
        return next((p for p in self.phases.all() if p.kind == kind), None)

    def tier_days(self, tier):
        """Working days allowed for a tier, from this campaign's (editable) tiers."""
        for t in self.tiers.all():
            if t.code == tier:
                return t.working_days
        return presets.tier_days(tier)

    def tier_label(self, tier):
        """The tier's name with this campaign's working days, e.g. 一般问题（15个工作日）."""
        return tier_label(tier, self.tier_days(tier))


def tier_label(tier, days):
    """A tier's name with its number of working days, as pages and exports show it. 即知即办 is
    due the same day and shows no number."""
    label = TierCode(tier).label
    if tier == TierCode.ON_SPOT:
        return str(label)
    return gettext("%(tier)s（%(days)s个工作日）") % {"tier": label, "days": days}


class CampaignPhase(models.Model):
    campaign = models.ForeignKey(Campaign, verbose_name="活动", on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField("阶段", max_length=20, choices=Phase.choices)
    start = models.DateField("开始日期")
    end = models.DateField("结束日期")

    class Meta:
        verbose_name = verbose_name_plural = "活动阶段"
        ordering = ["start"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "kind"], name="phase_unique_kind"),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="phase_end_after_start"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.start}—{self.end}"


class ChecklistItem(models.Model):
    """One question of the campaign's visit checklist (入户必问)."""

    campaign = models.ForeignKey(Campaign, verbose_name="活动", on_delete=models.CASCADE, related_name="checklist")
    order = models.PositiveSmallIntegerField("序号")
    area = models.CharField("领域", max_length=50, blank=True)
    question = models.TextField("问题")

    class Meta:
        verbose_name = verbose_name_plural = "入户必问"
        ordering = ["order", "id"]

    def __str__(self):
        return f"{self.order}. {self.question[:30]}"


class DeadlineTier(models.Model):
    """Working days allowed for a tier of problem (on-spot, plan, general, major, critical)."""

    campaign = models.ForeignKey(Campaign, verbose_name="活动", on_delete=models.CASCADE, related_name="tiers")
    code = models.CharField("编码", max_length=20, choices=TierCode.choices)
    label = models.CharField("名称", max_length=30)
    working_days = models.PositiveSmallIntegerField("工作日")

    class Meta:
        verbose_name = verbose_name_plural = "办理时限"
        ordering = ["working_days"]
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="tier_unique_code")]

    def __str__(self):
        return f"{self.label}（{self.working_days}个工作日）"

    def clean(self):
        """The code, the label and the days must tell the same story (seeds/002): 即知即办 is 0 days,
        every other tier at least one; a label may not name another tier, nor a number of days
        other than its own."""
        errors = {}
        if self.code == TierCode.ON_SPOT and self.working_days not in (0, None):
            errors["working_days"] = "即知即办的期限为0个工作日（当场答复或解决）"
        elif self.code and self.code != TierCode.ON_SPOT and self.working_days is not None:
            if not 1 <= self.working_days <= MAX_TIER_DAYS:
                errors["working_days"] = f"{TierCode(self.code).label}的期限应在1至{MAX_TIER_DAYS}个工作日之间"
        label = (self.label or "").strip()
        if label and self.code:
            other = _tier_named_by(label, self.code)
            if other is not None:
                errors["label"] = f"名称“{label}”是“{other.label}”的名称，与编码“{TierCode(self.code).label}”不符"
            days = _TIER_DAYS_IN_LABEL.search(label)
            if days and self.working_days is not None and int(days.group(1)) != self.working_days:
                errors["label"] = f"名称写的是{days.group(1)}个工作日，期限却是{self.working_days}个工作日"
        if errors:
            raise ValidationError(errors)


# A working year: no tier runs longer (seeds/002's longest is 60 working days).
MAX_TIER_DAYS = 250
# The order of the deadlines: a plan comes before the answer of a general problem, and each larger
# tier gets more time than the one before.
TIER_ORDER = (TierCode.PLAN, TierCode.GENERAL, TierCode.MAJOR, TierCode.CRITICAL)
_TIER_DAYS_IN_LABEL = re.compile(r"(\d+)\s*个?(?:工作日|日|天)")


def _tier_named_by(label, code):
    """The other tier whose standard or preset name `label` is, if any."""
    names = {c: {str(c.label)} for c in TierCode}
    for row in presets.deadline_tiers():
        names[TierCode(row.code)].add(row.label)
    for other, known in names.items():
        if other != code and label in known and label not in names[TierCode(code)]:
            return other
    return None


class TeamQuerySet(ScopedQuerySet):
    rules = {
        # Form the team, set its quota, add and remove members: an admin over the campaign.
        "manage": Rule(ADMINS, "campaign__territory"),
    }

    def visible_to(self, user):
        return self.filter(campaign__in=Campaign.objects.visible_to(user))


class Team(models.Model):
    """A work group (工作组/团组) of a campaign, usually paired with a unit."""

    campaign = models.ForeignKey(Campaign, verbose_name="活动", on_delete=models.CASCADE, related_name="teams")
    name = models.CharField("名称", max_length=100)
    unit = models.ForeignKey(
        OrgUnit, verbose_name="派出单位", null=True, blank=True, on_delete=models.SET_NULL, related_name="teams"
    )
    paired_unit = models.ForeignKey(
        OrgUnit,
        verbose_name="挂包社区/村",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="paired_teams",
    )
    quota = models.PositiveIntegerField("最少走访户数", default=0)
    members = models.ManyToManyField(User, through="TeamMember", verbose_name="成员", related_name="teams")

    objects = TeamQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "工作组"
        ordering = ["id"]

    def __str__(self):
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(Team, verbose_name="工作组", on_delete=models.CASCADE)
    user = models.ForeignKey(User, verbose_name="人员", on_delete=models.CASCADE)
    is_leader = models.BooleanField("组长", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "工作组成员"
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="team_member_unique")]

    def __str__(self):
        return f"{self.team} · {self.user}"


class CalendarDay(models.Model):
    """An exception to Monday–Friday: a holiday on a weekday or a make-up workday (调休) at a weekend.

    Days of the official schedule are loaded from `chinesecalendar` (source=official); admins add
    or correct days for years the package does not know yet (source=admin).
    """

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否工作日")
    name = models.CharField("名称", max_length=50, blank=True)
    source = models.CharField("来源", max_length=10, choices=CalendarSource.choices, default=CalendarSource.ADMIN)

    class Meta:
        verbose_name = verbose_name_plural = "节假日与调休"
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {'调休上班' if self.is_workday else '放假'} {self.name}"


class CalendarYear(models.Model):
    """A year whose official schedule is loaded: deadlines in it are final, not provisional."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    source = models.CharField("来源", max_length=10, choices=CalendarSource.choices, default=CalendarSource.ADMIN)
    loaded_at = models.DateTimeField("载入时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "已载入年度"
        ordering = ["year"]

    def __str__(self):
        return str(self.year)


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"


class OutboxQuerySet(models.QuerySet):
    def waiting(self):
        """Rows the broker has not taken yet, oldest first (the operations page lists them)."""
        return self.filter(status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING]).order_by("created_at", "id")


class OutboxMessage(models.Model):
    """A task a committed change must cause (send its notices, render its report, check its
    upload): written in the change's own transaction, handed to the broker after commit, and by the
    beat task `campaigns.deliver_outbox` for as long as the broker refuses it. `key` makes one
    effect one row, however often it is asked for; the task itself is safe to run twice."""

    task = models.CharField("任务", max_length=200)
    kwargs = models.JSONField("参数", default=dict, blank=True)
    key = models.CharField("幂等键", max_length=200, unique=True)
    status = models.CharField(
        "状态", max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试", default=timezone.now)
    last_error = models.CharField("最近错误", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    objects = OutboxQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "待投递任务"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self):
        return f"{self.task} ({self.get_status_display()})"
