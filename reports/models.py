"""Report jobs, violations for the 千分制 scoring, and service-card distribution (DOMAIN.md: Reporting, Scoring)."""

from django.conf import settings
from django.db import models

from campaigns.access import Rule, ScopedQuerySet, scope
from campaigns.choices import Role
from campaigns.lib.figures import report_title
from campaigns.lib.rendered import RenderedJob
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
        # Readers of the unit, and whoever asked for the job (a cadre's service-card sheet).
        readers = scope(user).filter_by_unit(self, "org_unit", READER_ROLES)
        if not getattr(user, "is_authenticated", False):
            return readers
        return readers | self.filter(created_by=user)


# Who writes the summary's narrative: the office and the leaders who sign it.
WRITER_ROLES = (Role.OFFICE, Role.LEADER, Role.ADMIN)


class SummaryDocumentQuerySet(ScopedQuerySet):
    """A summary is created for a unit the user may "report" on (the OrgUnit rule)."""

    rules = {
        # Edit the narrative and generate the PDF: the office (or a leader) over the unit.
        "edit": Rule(WRITER_ROLES, "org_unit"),
    }

    def visible_to(self, user):
        return scope(user).filter_by_unit(self, "org_unit", READER_ROLES)


class SummaryDocument(models.Model):
    """The campaign summary as an official document (工作总结, GB/T 9704 manner): the figures are
    filled in when it is generated, the narrative is the office's own, first drafted from the
    figures (`services.draft_summary`). Sections left empty are left out of the PDF."""

    campaign = models.ForeignKey(Campaign, verbose_name="活动", on_delete=models.CASCADE, related_name="summaries")
    org_unit = models.ForeignKey(OrgUnit, verbose_name="单位", on_delete=models.CASCADE, related_name="summaries")
    start = models.DateField("开始日期", null=True, blank=True)
    end = models.DateField("结束日期", null=True, blank=True)
    title = models.CharField("标题", max_length=120)
    issuing_body = models.CharField("发文机关（落款）", max_length=80)
    signed_on = models.DateField("成文日期")
    basic_situation = models.TextField("基本情况", blank=True)
    practices = models.TextField("主要做法", blank=True)
    results = models.TextField("取得成效", blank=True)
    cases = models.ManyToManyField(
        "grievances.Grievance", verbose_name="典型案例", blank=True, related_name="+", help_text="从台账中选取"
    )
    problems = models.TextField("存在问题", blank=True)
    next_steps = models.TextField("下一步打算", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = SummaryDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "工作总结"
        ordering = ["-updated_at", "-id"]

    def __str__(self):
        return self.title


class ReportJob(RenderedJob):
    """A PDF generated in the background (Celery), stored through default_storage: a campaign
    summary, or the service-card sheet of a grid or community."""

    class Kind(models.TextChoices):
        SUMMARY = "summary", "总结报告"
        CARDS = "cards", "连心卡"

    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.SUMMARY)
    campaign = models.ForeignKey(Campaign, verbose_name="活动", on_delete=models.CASCADE, related_name="report_jobs")
    org_unit = models.ForeignKey(OrgUnit, verbose_name="单位", on_delete=models.CASCADE, related_name="report_jobs")
    start = models.DateField("开始日期", null=True, blank=True)
    end = models.DateField("结束日期", null=True, blank=True)
    document = models.ForeignKey(
        SummaryDocument, verbose_name="工作总结", null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    file = models.FileField("文件", upload_to="reports/summaries/%Y/%m/", blank=True)

    objects = ReportJobQuerySet.as_manager()

    class Meta(RenderedJob.Meta):
        verbose_name = verbose_name_plural = "总结报告"

    def __str__(self):
        return f"{self.org_unit} {self.campaign} 总结报告"

    @property
    def file_name(self):
        if self.kind == self.Kind.CARDS:
            return f"{self.org_unit.name}_连心卡.pdf"
        period = f"_{self.start:%Y%m%d}-{self.end:%Y%m%d}" if self.start and self.end else ""
        return f"{report_title(self.org_unit.name, self.campaign.name, '_工作总结')}{period}.pdf"


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


class TalkQuerySet(ScopedQuerySet):
    """约谈 are read by whoever reads the scores; inspectors over the community record them."""

    rules = {"record": Rule(INSPECTOR_ROLES, "unit", label="记录约谈")}

    def visible_to(self, user):
        return scope(user).filter_by_unit(self, "unit", READER_ROLES)


class Talk(models.Model):
    """A 约谈 (seed 002): three or more confirmed cases in a community put its 包村居干部 and its
    “两委” members before the street's discipline committee; who was named, and when, by whom and
    with what notes it was held."""

    campaign = models.ForeignKey(Campaign, verbose_name="活动", on_delete=models.CASCADE, related_name="talks")
    unit = models.ForeignKey(OrgUnit, verbose_name="社区/村", on_delete=models.PROTECT, related_name="talks")
    people = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="约谈对象", related_name="talks_named")
    confirmed = models.PositiveSmallIntegerField("确认违规数", default=0, help_text="提出约谈时的确认违规数")
    held_on = models.DateField("约谈日期", null=True, blank=True)
    held_by = models.CharField("约谈人", max_length=100, blank=True, help_text="如：街道纪工委书记 张三")
    notes = models.TextField("约谈情况", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("提出时间", auto_now_add=True)

    objects = TalkQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "约谈"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "unit"], name="talk_once_per_unit")]

    def __str__(self):
        return f"{self.unit} 约谈"


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


class FigureRollup(models.Model):
    """One unit's share of a campaign's figures (no date range), as `selectors.unit_rows()` counts
    them: `self` holds the unit's own rows, `tree` its whole subtree's sum. Kept exact by
    `reports.rollup.rebuild()`, which recounts only the units written to since its last run."""

    campaign = models.ForeignKey(Campaign, verbose_name="活动", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(OrgUnit, verbose_name="单位", on_delete=models.CASCADE, related_name="+")
    data = models.JSONField("汇总", default=dict)

    class Meta:
        verbose_name = verbose_name_plural = "统计汇总"
        constraints = [models.UniqueConstraint(fields=["campaign", "unit"], name="figure_rollup_uniq")]

    def __str__(self):
        return f"{self.campaign_id}/{self.unit_id}"


class HandlingRollup(models.Model):
    """The 三率 counts (`grievances.selectors.rate_aggregates()`) of a campaign's collected entries
    that belong to `unit` and are routed to `handling_unit` (none: not routed), kept exact with
    the figures' rollup: `reports.rollup.rebuild()` recounts the pairs of every unit written to."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="活动", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    unit = models.ForeignKey(OrgUnit, verbose_name="所属单位", on_delete=models.CASCADE, related_name="+")
    handling_unit = models.ForeignKey(
        OrgUnit, verbose_name="承办单位", on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )
    routed = models.PositiveIntegerField("交办", default=0)
    signed_in_time = models.PositiveIntegerField("按时签收", default=0)
    answered = models.PositiveIntegerField("已答复", default=0)
    answered_on_time = models.PositiveIntegerField("按时办结", default=0)
    returns = models.PositiveIntegerField("退回次数", default=0)
    paused_entries = models.PositiveIntegerField("暂停过的件数", default=0)
    answer_days = models.BigIntegerField("答复用时合计（工作日）", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "三率汇总"
        # (campaign, unit) serves the recount's delete and the reads by the entries' units.
        indexes = [models.Index(fields=["campaign", "unit"], name="handling_rollup_unit_idx")]

    def __str__(self):
        return f"{self.campaign_id}/{self.unit_id}→{self.handling_unit_id}"


class FigureRollupState(models.Model):
    """When a campaign's rollup was last rebuilt, and with which focus categories."""

    campaign = models.OneToOneField(
        Campaign, verbose_name="活动", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    built_at = models.DateTimeField("汇总时间")
    focus = models.JSONField("重点类别", default=list)

    class Meta:
        verbose_name = verbose_name_plural = "统计汇总状态"

    def __str__(self):
        return f"{self.campaign_id} @ {self.built_at:%Y-%m-%d %H:%M:%S}"


class StaleUnit(models.Model):
    """An org unit whose rows changed since the rollup's last rebuild. Database triggers on the
    households, their categories, visits, entries and entry events insert it in the writing
    transaction (COPY and set-based UPDATEs included); unit 0 asks for a full rebuild (the org tree
    changed)."""

    unit_id = models.IntegerField("单位", primary_key=True)

    class Meta:
        verbose_name = verbose_name_plural = "待汇总单位"

    def __str__(self):
        return str(self.unit_id)
