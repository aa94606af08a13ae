"""Report jobs, violations for the 千分制 scoring, and service-card distribution (DOMAIN.md: Reporting, Scoring)."""

from django.conf import settings
from django.db import models

from campaigns.access import Rule, ScopedQuerySet, scope
from campaigns.choices import Role
from campaigns.models import READERS, Campaign, OrgUnit

from .choices import ViolationKind

# Who reads the figures, summaries and scores of a subtree.
READER_ROLES = READERS
# Who records and reviews violations.
INSPECTOR_ROLES = (Role.INSPECTOR, Role.ADMIN)
# Who records service-card distribution.
CARD_ROLES = (Role.CADRE, Role.OFFICE, Role.ADMIN)


class ReportJobQuerySet(ScopedQuerySet):
    """A job is created for a unit the user may "report" on (the OrgUnit rule); once queued only
    the worker writes it, so it has no rule of its own."""

    def visible_to(self, user):
        return scope(user).filter_by_unit(self, "org_unit", READER_ROLES)


class ReportJob(models.Model):
    """A campaign summary PDF generated in the background (Celery), stored through default_storage."""

    class State(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    campaign = models.ForeignKey(Campaign, verbose_name="活动", on_delete=models.CASCADE, related_name="report_jobs")
    org_unit = models.ForeignKey(OrgUnit, verbose_name="单位", on_delete=models.CASCADE, related_name="report_jobs")
    start = models.DateField("开始日期", null=True, blank=True)
    end = models.DateField("结束日期", null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=State.choices, default=State.PENDING)
    progress = models.PositiveSmallIntegerField("进度", default=0)
    file = models.FileField("文件", upload_to="reports/summaries/%Y/%m/", blank=True)
    error = models.TextField("错误信息", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = ReportJobQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "总结报告"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.org_unit} {self.campaign} 总结报告"

    @property
    def file_name(self):
        period = f"_{self.start:%Y%m%d}-{self.end:%Y%m%d}" if self.start and self.end else ""
        return f"{self.org_unit.name}_{self.campaign.name}_总结报告{period}.pdf"


class ViolationQuerySet(ScopedQuerySet):
    """Violations are recorded for a unit the user may "inspect" (the OrgUnit rule)."""

    rules = {
        # Confirm or dismiss a case (or revise the decision): an inspector over its community.
        "review": Rule(INSPECTOR_ROLES, "unit"),
    }

    def visible_to(self, user):
        return scope(user).filter_by_unit(self, "unit", READER_ROLES)

    def confirmed(self):
        return self.filter(status=Violation.State.CONFIRMED)


class Violation(models.Model):
    """One case against a community/village in the 千分制倒扣分 scoring (seeds/002): minus one point if confirmed."""

    class State(models.TextChoices):
        CANDIDATE = "candidate", "待核实"
        CONFIRMED = "confirmed", "已确认"
        DISMISSED = "dismissed", "已排除"

    class Origin(models.TextChoices):
        MANUAL = "manual", "督导记录"
        DETECTOR = "detector", "系统发现"

    campaign = models.ForeignKey(Campaign, verbose_name="活动", on_delete=models.CASCADE, related_name="violations")
    unit = models.ForeignKey(OrgUnit, verbose_name="社区/村", on_delete=models.PROTECT, related_name="violations")
    kind = models.CharField("类型", max_length=30, choices=ViolationKind.choices)
    evidence = models.TextField("情况说明")
    evidence_file = models.FileField("佐证材料", upload_to="reports/violations/%Y/%m/", blank=True)
    status = models.CharField("状态", max_length=20, choices=State.choices, default=State.CANDIDATE)
    source = models.CharField("来源", max_length=20, choices=Origin.choices, default=Origin.MANUAL)
    # Stable key of a detected case ("overdue:<grievance id>"): running a detector twice adds nothing.
    detector_key = models.CharField("发现规则键", max_length=120, null=True, blank=True, unique=True)
    household = models.ForeignKey(
        "visits.Household", verbose_name="农户", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    grievance = models.ForeignKey(
        "grievances.Grievance", verbose_name="问题", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="走访人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核实人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("核实时间", null=True, blank=True)
    review_note = models.TextField("核实意见", blank=True)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = ViolationQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "违规扣分"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["campaign", "unit", "status"], name="violation_unit_status_idx")]

    def __str__(self):
        return f"{self.unit} {self.get_kind_display()}"


class CardDistributionQuerySet(ScopedQuerySet):
    """Recorded for households of a unit the user may hand out "cards" in (the OrgUnit rule);
    a recorded distribution is never changed, so it has no rule of its own."""

    def visible_to(self, user):
        return scope(user).filter_by_unit(self, "household__grid")


class CardDistribution(models.Model):
    """A service card (连心卡) handed to a household in a campaign (seeds/004: distribution is recorded)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="活动", on_delete=models.CASCADE, related_name="card_distributions"
    )
    household = models.ForeignKey(
        "visits.Household", verbose_name="农户", on_delete=models.CASCADE, related_name="card_distributions"
    )
    distributed_at = models.DateTimeField("发放时间")
    distributed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发放人", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CardDistributionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "连心卡发放"
        ordering = ["-distributed_at"]
        constraints = [models.UniqueConstraint(fields=["campaign", "household"], name="card_once_per_household")]

    def __str__(self):
        return f"{self.household} 连心卡"
