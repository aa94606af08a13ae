"""The grievance ledger (问题整改台账): entries, their history, categories, attachments.

`status` is only ever assigned by `grievances.workflow` / `services.transition()`, which writes
the history row in the same transaction (STYLE.md: one state machine).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from campaigns.access import scope
from campaigns.models import Campaign, OrgUnit, Role


class GrievanceCategory(models.Model):
    """Two-level taxonomy: public-service areas and the groups of seeds/000, with children."""

    code = models.SlugField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=60)
    parent = models.ForeignKey(
        "self", verbose_name="上级类别", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    order = models.PositiveSmallIntegerField("排序", default=0)
    default_department = models.ForeignKey(
        OrgUnit,
        verbose_name="归口部门",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        limit_choices_to={"level": "department"},
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "问题类别"
        ordering = ["order", "id"]

    def __str__(self):
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name


class Kind(models.TextChoices):
    PROBLEM = "problem", "问题"
    SUGGESTION = "suggestion", "建议"


class Source(models.TextChoices):
    VISIT = "visit", "入户走访"
    SUGGESTION_BOX = "suggestion_box", "意见箱"
    HOTLINE = "hotline", "热线电话"
    LETTER = "letter", "来信来访"
    PLATFORM_12345 = "12345", "12345平台"
    EVENT_REPORT = "event_report", "十必报"


class Tier(models.TextChoices):
    ON_SPOT = "on_spot", "即知即办"
    GENERAL = "general", "一般问题（15个工作日）"
    MAJOR = "major", "较大问题（30个工作日）"
    CRITICAL = "critical", "重大问题（60个工作日）"


class Status(models.TextChoices):
    REGISTERED = "registered", "已登记"
    REVIEWED = "reviewed", "已审核"
    MERGED = "merged", "已合并"
    ASSIGNED = "assigned", "已交办"
    PLANNED = "planned", "已制定方案"
    RESOLVED = "resolved", "已办结"
    EXPLAINED = "explained", "已解释说明"
    FOLLOWED_UP = "followed_up", "已回访"
    CLOSED = "closed", "已销号"
    ADOPTED = "adopted", "建议已采纳"
    NOT_ADOPTED = "not_adopted", "建议未采纳"
    WITHDRAWN = "withdrawn", "已撤回"


# Statuses where the clock no longer runs (nothing is owed to the person any more).
FINAL_STATUSES = [Status.CLOSED, Status.MERGED, Status.WITHDRAWN, Status.ADOPTED, Status.NOT_ADOPTED]
# Answered: a result or an explanation has been given (counts for the response rate).
ANSWERED_STATUSES = [
    Status.RESOLVED,
    Status.EXPLAINED,
    Status.FOLLOWED_UP,
    Status.CLOSED,
    Status.ADOPTED,
    Status.NOT_ADOPTED,
]


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY_SATISFIED = "basically_satisfied", "基本满意"
    NOT_SATISFIED = "not_satisfied", "不满意"


class ExtensionState(models.TextChoices):
    NONE = "none", "未申请"
    REQUESTED = "requested", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"


class ResolvedLevel(models.TextChoices):
    GRID = "grid", "网格/楼组"
    COMMUNITY = "community", "社区/村"
    STREET = "street", "街道/镇"
    DISTRICT = "district", "区/县"
    DEPARTMENT = "department", "区直部门"


class GrievanceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Entries of units under the user's territorial units, or routed to their functional unit,
        or owned by them as 包案 leader, or raised by them."""
        s = scope(user)
        if s.is_superuser:
            return self
        if not s.is_authenticated:
            return self.none()
        # Unit ids from a subquery (hashed by PostgreSQL) rather than joins on the nullable handling
        # unit: the ledger's COUNT over a district's entries stays an index-friendly scan.
        units = OrgUnit.objects.filter(s.subtree_q("")).values("pk")
        return self.filter(
            Q(unit_id__in=units) | Q(handling_unit_id__in=units) | Q(case_owner=user) | Q(registered_by=user)
        )

    def open(self):
        return self.exclude(status__in=FINAL_STATUSES)


class Grievance(models.Model):
    """One entry of the ledger: the 五明确 (who, when, what, deadline, proposed solution) and its handling."""

    campaign = models.ForeignKey(Campaign, verbose_name="活动", on_delete=models.PROTECT, related_name="grievances")
    household = models.ForeignKey(
        "visits.Household",
        verbose_name="农户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grievances",
    )
    visit = models.ForeignKey(
        "visits.Visit",
        verbose_name="来源走访",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="grievances",
    )
    # The territorial unit the entry belongs to (the household's grid, or the registering unit).
    unit = models.ForeignKey(OrgUnit, verbose_name="所属单位", on_delete=models.PROTECT, related_name="grievances")
    handling_unit = models.ForeignKey(
        OrgUnit,
        verbose_name="责任单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_grievances",
    )
    case_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="包案领导",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_grievances",
    )
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.PROBLEM)
    category = models.ForeignKey(GrievanceCategory, verbose_name="类别", on_delete=models.PROTECT)
    source = models.CharField("来源", max_length=20, choices=Source.choices, default=Source.VISIT)
    tier = models.CharField("层级", max_length=20, choices=Tier.choices, default=Tier.GENERAL)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.REGISTERED, editable=False)
    content = models.TextField("反映内容")
    reporter_name = models.CharField("反映人", max_length=50, blank=True)
    reporter_phone = models.CharField("联系电话", max_length=20, blank=True)
    proposed_solution = models.TextField("拟解决措施", blank=True)
    result = models.TextField("办理结果", blank=True)
    registered_at = models.DateTimeField("登记时间")
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="registered_grievances"
    )
    plan_due_at = models.DateTimeField("方案期限", null=True, blank=True)
    due_at = models.DateTimeField("办结期限", null=True, blank=True)
    deadline_provisional = models.BooleanField("期限待定（未载入官方日历）", default=False)
    extension_days = models.PositiveSmallIntegerField("延期工作日", default=0)
    plan_submitted_at = models.DateTimeField("方案提交时间", null=True, blank=True)
    resolved_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    resolved_level = models.CharField("解决层级", max_length=20, choices=ResolvedLevel.choices, blank=True)
    satisfaction = models.CharField("满意度", max_length=30, choices=Satisfaction.choices, blank=True)
    merged_into = models.ForeignKey(
        "self", verbose_name="合并至", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_entries"
    )
    is_typical = models.BooleanField("典型案例", default=False)
    # Where the working-day clock starts: registration, or the day the entry was reopened
    # (a reopened entry gets a fresh deadline, DOMAIN.md: dissatisfaction reopens the case).
    clock_started_at = models.DateTimeField("计时起点", null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField("重新办理次数", default=0)
    extension_state = models.CharField(
        "延期申请", max_length=20, choices=ExtensionState.choices, default=ExtensionState.NONE
    )
    extension_reason = models.TextField("延期理由", blank=True)
    extension_requested_days = models.PositiveSmallIntegerField("申请延期工作日", default=0)
    external_ref = models.CharField("台账编号", max_length=40, blank=True, db_index=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = GrievanceQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "问题台账"
        ordering = ["-registered_at", "-id"]
        indexes = [
            models.Index(fields=["campaign", "status"], name="grievance_campaign_status_idx"),
            models.Index(fields=["status", "due_at"], name="grievance_status_due_idx"),
            models.Index(fields=["status", "plan_due_at"], name="grievance_status_plan_idx"),
            models.Index(fields=["unit", "status"], name="grievance_unit_status_idx"),
            models.Index(fields=["handling_unit", "status"], name="grievance_handler_status_idx"),
            models.Index(fields=["-registered_at", "-id"], name="grievance_registered_idx"),
            models.Index(fields=["status", "-registered_at", "-id"], name="grievance_status_reg_idx"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.content[:20]}"


class GrievanceEvent(models.Model):
    """The timeline: every transition and change, with actor, time and note."""

    grievance = models.ForeignKey(Grievance, verbose_name="问题", on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField("操作", max_length=40)
    from_status = models.CharField("原状态", max_length=20, blank=True)
    to_status = models.CharField("新状态", max_length=20, blank=True)
    note = models.TextField("说明", blank=True)
    data = models.JSONField("数据", default=dict, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "办理记录"
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"#{self.grievance_id} {self.action}"


class Reporter(models.Model):
    """Everyone who raised an entry; merging keeps them all on the surviving entry."""

    grievance = models.ForeignKey(Grievance, verbose_name="问题", on_delete=models.CASCADE, related_name="reporters")
    name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("电话", max_length=20, blank=True)
    household = models.ForeignKey("visits.Household", null=True, blank=True, on_delete=models.SET_NULL)
    source_grievance = models.ForeignKey(
        Grievance, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="原始条目"
    )

    class Meta:
        verbose_name = verbose_name_plural = "反映人"

    def __str__(self):
        return self.name or f"反映人#{self.pk}"


class Attachment(models.Model):
    grievance = models.ForeignKey(Grievance, verbose_name="问题", on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("文件", upload_to="grievances/%Y/%m/")
    name = models.CharField("文件名", max_length=200, blank=True)
    is_evidence = models.BooleanField("办理佐证", default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "附件"

    def __str__(self):
        return self.name or self.file.name


class ImportJob(models.Model):
    """An offline ledger uploaded for import: previewed first, then confirmed in one transaction."""

    class State(models.TextChoices):
        PREVIEW = "preview", "待确认"
        DONE = "done", "已导入"
        FAILED = "failed", "有错误"

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.PROTECT)
    file = models.FileField("文件", upload_to="grievances/imports/%Y/%m/")
    file_name = models.CharField("文件名", max_length=200, blank=True)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.PREVIEW)
    rows = models.JSONField("解析结果", default=list, blank=True)
    errors = models.JSONField("错误", default=list, blank=True)
    created_count = models.PositiveIntegerField("导入条数", default=0)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "台账导入"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.file_name or f"导入#{self.pk}"


HANDLING_ROLES = (Role.OFFICE, Role.HANDLER, Role.ADMIN)
