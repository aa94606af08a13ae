"""The standing liaison network (民情联络, seeds/004 "十个一"): who in a town keeps in touch with
which households at any date, and the records around it (box openings, analysis meetings, the
report chain, visit cadences).

The territory is the org tree: a town (街道/镇) is split into liaison areas by village (社区/村),
and each village into liaison groups by resident group (the grids: 村民小组/楼组).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from campaigns.access import Rule, ScopedQuerySet, scope
from campaigns.choices import Role
from campaigns.lib.rendered import RenderedJob
from campaigns.models import FocusCategory, OrgUnit
from visits.models import Household

from .choices import Background, CadencePeriod, CadenceTarget, MeetingKind, ReportKind

# Who builds the network and appoints liaisons: the town's office (乡镇颁发聘书) and admins.
KEEPERS = (Role.OFFICE, Role.ADMIN)
# Who records the station's work (box openings, meetings, reports): the village's 两委 and up.
RECORDERS = (Role.CADRE, Role.OFFICE, Role.ADMIN)


def network_village_ids(user):
    """Ids of the villages whose liaison network `user` belongs to: leader, member or 联户党员 of one
    of its groups, its appointed liaison, or on its station's rota. One subquery, no query of its own."""
    groups = LiaisonGroup.objects.filter(
        Q(leader=user) | Q(members=user) | Q(party_links__member=user), grid__is_active=True
    ).values("grid__parent_id")
    liaisons = Liaison.objects.filter(user=user, is_active=True).values("grid__parent_id")
    rota = DutyShift.objects.filter(user=user).values("unit_id")
    return OrgUnit.objects.filter(Q(pk__in=groups) | Q(pk__in=liaisons) | Q(pk__in=rota)).values("pk")


class _UnitScoped(ScopedQuerySet):
    unit_field = "unit"

    def visible_to(self, user):
        s = scope(user)
        if s.is_superuser:
            return self
        if not s.is_authenticated:
            return self.none()
        return self.filter(s.subtree_q(self.unit_field) | self.own(user))

    def own(self, user):
        return Q(pk__in=[])


def _in_group(user):
    return Q(leader=user) | Q(members=user) | Q(party_links__member=user)


class LiaisonGroupQuerySet(_UnitScoped):
    unit_field = "grid"
    rules = {"manage": Rule(KEEPERS, "grid", label="组建民情联络小组")}

    def visible_to(self, user):
        s = scope(user)
        if s.is_superuser or not s.is_authenticated:
            return super().visible_to(user)
        # Every member holds a copy of the network map: the groups of their own villages.
        return self.filter(s.subtree_q("grid") | Q(grid__parent_id__in=network_village_ids(user)))


class LiaisonGroup(models.Model):
    """民情联络小组: one per resident group, with its leader, members and 联户党员."""

    grid = models.OneToOneField(
        OrgUnit, verbose_name="村（居）民小组", on_delete=models.PROTECT, related_name="liaison_group"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="组长",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_liaison_groups",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="成员", blank=True, related_name="liaison_groups"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = LiaisonGroupQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "民情联络小组"
        ordering = ["grid__path"]

    def __str__(self):
        return f"{self.grid.name}民情联络小组"


class PartyLinkQuerySet(ScopedQuerySet):
    rules = {}  # written with its group (rule "manage")

    def visible_to(self, user):
        return self.filter(group__in=LiaisonGroup.objects.visible_to(user))


class PartyLink(models.Model):
    """联户党员: a party member of the group and the households they keep in touch with."""

    group = models.ForeignKey(
        LiaisonGroup, verbose_name="联络小组", on_delete=models.CASCADE, related_name="party_links"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="党员", on_delete=models.PROTECT, related_name="party_links"
    )
    households = models.ManyToManyField(Household, verbose_name="联系农户", blank=True, related_name="party_links")

    objects = PartyLinkQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "联户党员"
        constraints = [models.UniqueConstraint(fields=["group", "member"], name="partylink_unique")]

    def __str__(self):
        return f"{self.member}（{self.group}）"


class LiaisonQuerySet(_UnitScoped):
    unit_field = "grid"
    rules = {"appoint": Rule(KEEPERS, "grid", label="聘任民情联络员")}

    def own(self, user):
        return Q(user=user)


class Liaison(models.Model):
    """民情联络员: one per resident group, appointed by the town with a letter (聘书)."""

    grid = models.ForeignKey(OrgUnit, verbose_name="村（居）民小组", on_delete=models.PROTECT, related_name="liaisons")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="联络员", on_delete=models.PROTECT, related_name="liaison_posts"
    )
    background = models.CharField("人员来源", max_length=30, choices=Background.choices)
    certificate_no = models.CharField("聘书编号", max_length=40, blank=True)
    appointed_on = models.DateField("聘任日期")
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="聘任人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField("在任", default=True)

    objects = LiaisonQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "民情联络员"
        ordering = ["grid__path"]
        constraints = [
            # 原则上每个村（居）民小组要有1名 (seeds/004): one serving liaison per resident group.
            models.UniqueConstraint(fields=["grid"], condition=Q(is_active=True), name="liaison_one_per_group")
        ]

    def __str__(self):
        return f"{self.user}（{self.grid.name}）"


class DutyShiftQuerySet(_UnitScoped):
    rules = {"manage": Rule(KEEPERS, "unit", label="安排两委轮流值班")}

    def own(self, user):
        return Q(user=user)


class DutyShift(models.Model):
    """两委成员每天轮流接待 (seeds/004 十个一(六)): who is on duty at the station on which weekday."""

    unit = models.ForeignKey(
        OrgUnit, verbose_name="联络站（村/社区）", on_delete=models.CASCADE, related_name="duty_shifts"
    )
    weekday = models.PositiveSmallIntegerField(
        "星期", choices=[(i, f"星期{'一二三四五六日'[i - 1]}") for i in range(1, 8)]
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="值班人", on_delete=models.CASCADE, related_name="+"
    )

    objects = DutyShiftQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "两委值班表"
        ordering = ["unit_id", "weekday"]
        constraints = [models.UniqueConstraint(fields=["unit", "weekday", "user"], name="dutyshift_unique")]

    def __str__(self):
        return f"{self.unit} {self.get_weekday_display()} {self.user}"


class RecordQuerySet(_UnitScoped):
    rules = {"record": Rule(RECORDERS, "unit", label="记录联络站工作")}

    def own(self, user):
        return Q(recorded_by=user)


class BoxOpening(models.Model):
    """One opening of a suggestion box (意见箱) by a named person; its slips are ledger entries."""

    unit = models.ForeignKey(OrgUnit, verbose_name="设箱单位", on_delete=models.PROTECT, related_name="box_openings")
    opened_at = models.DateTimeField("开箱时间")
    opened_by = models.CharField("开箱人", max_length=50)
    slips_count = models.PositiveSmallIntegerField("信件数", default=0)
    notes = models.TextField("备注", blank=True)
    grievances = models.ManyToManyField("grievances.Grievance", verbose_name="登记的台账", blank=True, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "意见箱开箱记录"
        ordering = ["-opened_at"]

    def __str__(self):
        return f"{self.unit} {self.opened_at:%Y-%m-%d} 开箱"


class Meeting(models.Model):
    """民情民意分析会 with its minutes and the ledger entries discussed."""

    unit = models.ForeignKey(
        OrgUnit, verbose_name="召开单位", on_delete=models.PROTECT, related_name="liaison_meetings"
    )
    kind = models.CharField("类型", max_length=20, choices=MeetingKind.choices)
    held_on = models.DateField("召开日期")
    chair = models.CharField("主持人", max_length=50, blank=True)
    attendees = models.CharField("参会人员", max_length=500, blank=True)
    minutes = models.TextField("会议纪要")
    grievances = models.ManyToManyField("grievances.Grievance", verbose_name="研究的台账", blank=True, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "民情分析会"
        ordering = ["-held_on"]

    def __str__(self):
        return f"{self.unit} {self.held_on} {self.get_kind_display()}"


class ReportQuerySet(_UnitScoped):
    rules = {"submit": Rule(RECORDERS, "unit", label="报送民情联络报表")}

    def own(self, user):
        return Q(submitted_by=user)


class LiaisonReport(models.Model):
    """A document of the report chain for one unit and period: who submitted it, when, and when
    it was due (working days after the period, `services.due_for`)."""

    unit = models.ForeignKey(OrgUnit, verbose_name="报送单位", on_delete=models.PROTECT, related_name="liaison_reports")
    kind = models.CharField("报表", max_length=30, choices=ReportKind.choices)
    period_start = models.DateField("期间起")
    period_end = models.DateField("期间止")
    due_at = models.DateTimeField("报送期限")
    content = models.TextField("情况说明")
    figures = models.JSONField("统计数据", default=dict, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报送人", on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("报送时间")

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "民情联络报表"
        ordering = ["-period_start", "unit_id"]
        constraints = [models.UniqueConstraint(fields=["unit", "kind", "period_start"], name="liaisonreport_unique")]

    def __str__(self):
        return f"{self.unit} {self.get_kind_display()} {self.period_start:%Y-%m-%d}"

    @property
    def is_late(self):
        return self.submitted_at > self.due_at


class CadenceQuerySet(_UnitScoped):
    rules = {"manage": Rule(KEEPERS, "unit", label="设定走访频次")}


class VisitCadence(models.Model):
    """How often the network visits a kind of household in a unit's subtree (困难户每月一次)."""

    unit = models.ForeignKey(OrgUnit, verbose_name="适用单位", on_delete=models.CASCADE, related_name="visit_cadences")
    target = models.CharField("对象", max_length=20, choices=CadenceTarget.choices)
    focus_category = models.ForeignKey(
        FocusCategory, verbose_name="重点类别", null=True, blank=True, on_delete=models.CASCADE
    )
    period = models.CharField("频次", max_length=10, choices=CadencePeriod.choices)
    remind_days = models.PositiveSmallIntegerField("提前提醒（工作日）", default=3)

    objects = CadenceQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "定期走访频次"

    def __str__(self):
        what = self.focus_category.name if self.focus_category_id else self.get_target_display()
        return f"{self.unit} {what}{self.get_period_display()}走访"

    def households(self):
        qs = Household.objects.filter(grid__path__startswith=self.unit.path)
        if self.target == CadenceTarget.HARDSHIP:
            return qs.filter(is_hardship=True)
        if self.target == CadenceTarget.CATEGORY:
            return qs.filter(categories=self.focus_category_id)
        return qs


class CadenceReminder(models.Model):
    """A cadence reminder sent for one period to one person: the sweep sends each once."""

    cadence = models.ForeignKey(VisitCadence, on_delete=models.CASCADE, related_name="reminders")
    period_start = models.DateField()
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    due_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "定期走访提醒"
        constraints = [
            models.UniqueConstraint(fields=["cadence", "period_start", "recipient"], name="cadencereminder_unique")
        ]

    def __str__(self):
        return f"{self.cadence} {self.period_start} → {self.recipient}"


class MapJobQuerySet(ScopedQuerySet):
    """A map is made for a town the user may "report" on (the OrgUnit rule); once queued only the
    worker writes it, so it has no rule of its own."""

    rules = {}

    def visible_to(self, user):
        s = scope(user)
        if s.is_superuser:
            return self
        if not s.is_authenticated:
            return self.none()
        return self.filter(
            s.subtree_q("unit", (Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.ADMIN)) | Q(created_by=user)
        )


class MapJob(RenderedJob):
    """The network map (民情联络网络图) of a town as a PDF, rendered by a Celery task."""

    unit = models.ForeignKey(OrgUnit, verbose_name="乡镇（街道）", on_delete=models.CASCADE, related_name="+")
    file = models.FileField("文件", upload_to="liaison/maps/%Y/%m/", blank=True)

    objects = MapJobQuerySet.as_manager()

    class Meta(RenderedJob.Meta):
        verbose_name = verbose_name_plural = "民情联络网络图"

    def __str__(self):
        return f"{self.unit}民情联络网络图"


def _team_member(user):
    return Q(team__teammember__user=user)


class DailySummaryQuerySet(ScopedQuerySet):
    rules = {
        # Merge the day's opinions into the group's table: its members, or the office over its unit.
        "write": Rule(KEEPERS, "team__paired_unit", also=_team_member, label="填写意见汇总表"),
    }

    def visible_to(self, user):
        s = scope(user)
        if s.is_superuser:
            return self
        if not s.is_authenticated:
            return self.none()
        return self.filter(s.subtree_q("team__paired_unit") | _team_member(user)).distinct()


class DailySummary(models.Model):
    """意见汇总表: a work group's opinions of one day merged into one table (seeds/000); the
    office sees and prints it per group and day. `items` rows: 反映人, 地址, 意见, 处理建议."""

    team = models.ForeignKey("campaigns.Team", verbose_name="工作组", on_delete=models.CASCADE, related_name="+")
    day = models.DateField("日期")
    items = models.JSONField("意见条目", default=list, blank=True)
    summary = models.TextField("汇总说明")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填表人", on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField("填表时间", auto_now=True)

    objects = DailySummaryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "意见汇总表"
        ordering = ["-day", "team_id"]
        constraints = [models.UniqueConstraint(fields=["team", "day"], name="dailysummary_unique")]

    def __str__(self):
        return f"{self.team} {self.day} 意见汇总表"
