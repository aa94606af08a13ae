"""The foundation: org tree, people and roles, campaigns, working-day calendar."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext

from . import presets
from .access import PATH_SEP, Rule, ScopedQuerySet, path_prefixes, scope
from .choices import CalendarSource, Level, Phase, Role, TierCode, VisitMode

PATH_DIGITS = 7


class LevelName(models.Model):
    """Display name of a level for this installation (e.g. 镇 instead of 街道)."""

    level = models.CharField("层级", max_length=20, choices=Level.choices, unique=True)
    label = models.CharField("显示名称", max_length=20)

    class Meta:
        verbose_name = verbose_name_plural = "层级名称"

    def __str__(self):
        return f"{self.get_level_display()} → {self.label}"


ADMINS = (Role.ADMIN,)
READERS = (Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.ADMIN)


class OrgUnitQuerySet(ScopedQuerySet):
    rules = {
        # Edit the unit, its people and memberships (系统管理员 of the subtree).
        "manage": Rule(ADMINS, ""),
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
    }

    def subtree_of(self, unit):
        """The unit and everything under it: one indexed prefix match on the materialised path."""
        return self.filter(path__startswith=unit.path)

    def territorial(self):
        return self.exclude(level=Level.DEPARTMENT)

    def visible_to(self, user):
        return scope(user).filter_units(self)

    def all_actionable_by(self, user, action) -> bool:
        """Whether `user` may run `action` on every one of these units: a system-wide job (the
        deadline sweep, the phase sync of every campaign) needs it over the whole tree."""
        if not scope(user).is_authenticated:
            return False
        return not self.exclude(pk__in=self.actionable_by(user, action).values("pk")).exists()


class OrgUnit(models.Model):
    """A territorial unit (district > street > community > grid) or a functional unit.

    Functional units (区直部门) hang under the district so that district-wide roles see them,
    but they are not part of the territory: households never belong to them.
    """

    code = models.CharField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100)
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

    @property
    def is_functional(self):
        return self.level == Level.DEPARTMENT

    def ancestor_paths(self):
        """Paths of every ancestor and of the unit itself, root first."""
        return path_prefixes(self.path)

    def ancestors(self):
        return OrgUnit.objects.filter(path__in=path_prefixes(self.path)[:-1]).order_by("depth")


class UserQuerySet(ScopedQuerySet):
    rules = {
        # Edit the person, their memberships and password: an admin over one of their units.
        "manage": Rule(ADMINS, "memberships__unit"),
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


class CampaignQuerySet(ScopedQuerySet):
    rules = {
        # Edit the campaign, its phases, checklist, tiers and teams; switch or lock its phase.
        "manage": Rule(ADMINS, "territory"),
    }

    def visible_to(self, user):
        """Campaigns over a unit above or below one of the user's units."""
        return scope(user).filter_campaigns(self)

    def current_for_unit(self, unit):
        """The newest campaign whose territory contains the unit."""
        return (
            self.filter(territory__path__in=path_prefixes(unit.path))
            .exclude(phase=Phase.SUMMARY)
            .order_by("-year", "-id")
        ).first() or self.filter(territory__path__in=path_prefixes(unit.path)).order_by("-year", "-id").first()


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
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "走访活动"
        ordering = ["-year", "-id"]

    def __str__(self):
        return self.name

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
