"""The grievance ledger (问题整改台账): entries, their history, categories, attachments, imports;
the deadline sweep's runs and notices, and the look-back (回头看) tasks.

`status` is only ever assigned by `grievances.workflow` / `services.transition()`, which writes
the history row in the same transaction (STYLE.md: one state machine).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from campaigns.access import Rule, ScopedQuerySet, path_prefixes, scope
from campaigns.choices import Level, Role, VisitMode
from campaigns.lib.crypto import EncryptedCharField
from campaigns.lib.imports import ImportJobBase
from campaigns.lib.rendered import RenderedJob
from campaigns.models import READERS, Campaign, OrgUnit, User

from .choices import (
    ANSWERED_STATUSES,
    AWAITING_PLAN_STATUSES,
    DECIDED_STATUSES,
    FINAL_STATUSES,
    RUNNING_STATUSES,
    SOLVED_STATUSES,
    UNCOLLECTED_STATUSES,
    ExtensionState,
    Kind,
    PauseState,
    Satisfaction,
    Source,
    Status,
    Tier,
)

# Who works an entry of their subtree: review, route, merge, classify (活动办 and admins).
OFFICE_ROLES = (Role.OFFICE, Role.ADMIN)
HANDLING_ROLES = (Role.OFFICE, Role.HANDLER, Role.ADMIN)
# Who keeps the petition (信访) records: leaders receive, book and go down; the office registers.
PETITION_ROLES = (Role.OFFICE, Role.LEADER, Role.ADMIN)


class GrievanceCategoryQuerySet(ScopedQuerySet):
    # Configuration, edited in the admin: the API and pages only read it.
    rules = {}

    def visible_to(self, user):
        """Every signed-in user picks from the active taxonomy."""
        if not scope(user).is_authenticated:
            return self.none()
        return self.filter(is_active=True)


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

    objects = GrievanceCategoryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "问题类别"
        ordering = ["order", "id"]

    def __str__(self):
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name


def _export_also(user):
    """Entries routed to the user's handling unit, owned by them (包案) or registered by them."""
    return scope(user).subtree_q("handling_unit", HANDLING_ROLES) | Q(case_owner=user) | Q(registered_by=user)


class GrievanceQuerySet(ScopedQuerySet):
    # Every write on an entry that is not a transition. Transitions (review, assign, resolve, …)
    # are authorised by the table in workflow.py, which stays their one authority.
    rules = {
        # Correct the text of an entry: content, category, reporter, proposed solution, source.
        "edit": Rule(OFFICE_ROLES, "unit", also=lambda user: Q(registered_by=user), label="修改信息"),
        # Put an entry into the summary's typical cases (it is printed in the PDF).
        "mark_typical": Rule(OFFICE_ROLES, "unit", label="标记典型案例"),
        # Change a problem into a suggestion or back: it changes which transitions apply.
        "set_kind": Rule(OFFICE_ROLES, "unit", label="调整类型"),
        # Be the surviving entry of a merge, or be merged into one.
        "merge": Rule(OFFICE_ROLES, "unit", label="合并重复条目"),
        # Download the ledger as a spreadsheet (names and content of many people at once).
        "export": Rule(READERS, "unit", also=_export_also, label="导出台账"),
        # Put the entry on its community's public board (公开栏, seed 004).
        "publish": Rule(OFFICE_ROLES, "unit", label="公开栏发布"),
        # Read the reporter's whole phone number to call back (a reveal, audited with its reason).
        "reveal_phone": Rule(OFFICE_ROLES, "unit", label="查看反映人电话"),
        # Mark an entry as a long-standing (积案) or level-skipping (越级) petition case, or settled (息访).
        "flag_petition": Rule(
            PETITION_ROLES, "unit", also=lambda user: Q(case_owner=user), label="标记信访积案越级息访"
        ),
    }

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

    # The groups of grievances/choices.py, as filters.
    def running(self):
        return self.filter(status__in=RUNNING_STATUSES)

    def awaiting_plan(self):
        return self.filter(status__in=AWAITING_PLAN_STATUSES)

    def answered(self):
        return self.filter(status__in=ANSWERED_STATUSES)

    def solved(self):
        return self.filter(status__in=SOLVED_STATUSES)

    def decided(self):
        return self.filter(status__in=DECIDED_STATUSES)

    def open(self):
        return self.exclude(status__in=FINAL_STATUSES)

    def collected(self):
        return self.exclude(status__in=UNCOLLECTED_STATUSES)


def district_of(unit):
    """The district (区/县) a unit belongs to, or the root of its tree when there is none above it."""
    prefixes = path_prefixes(unit.path)
    district = (
        OrgUnit.objects.filter(path__in=prefixes, level=Level.DISTRICT).order_by("-depth").only("id", "path").first()
    )
    return district or OrgUnit.objects.only("id", "path").get(path=prefixes[0])


def handling_units_for(user, grievance=None):
    """The units `user` may route an entry to (交办、转交), within the entry's district only.

    The district's functional units (归口: departments hang under their district), and the
    territorial units on the entry's own line (属地: its unit, the units above and below it) that
    the user can see. Without an entry (the ledger's bulk picker): the same across the districts
    of the user's own units. Never a unit of another district.
    """
    s = scope(user)
    units = OrgUnit.objects.filter(is_active=True)
    seen = s.subtree_q("")
    if grievance is None:
        if not s.is_superuser:
            above = {a for p in s.paths() for a in path_prefixes(p)}
            districts = [d.path for d in OrgUnit.objects.filter(path__in=above, level=Level.DISTRICT)]
            if not districts:
                return units.filter(seen).territorial()
            units = units.filter(_any_prefix(districts))
        return units.filter(Q(level=Level.DEPARTMENT) | (seen & ~Q(level=Level.DEPARTMENT)))
    unit = grievance.unit
    units = units.filter(path__startswith=district_of(unit).path)
    line = Q(path__in=path_prefixes(unit.path)) | Q(path__startswith=unit.path)
    return units.filter(Q(level=Level.DEPARTMENT) | (line & seen & ~Q(level=Level.DEPARTMENT)))


def _any_prefix(paths):
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(path__startswith=p)
    return q


def case_owners_for(grievance):
    """Who may own the entry as 包案 leader: a leader whose unit covers the entry's unit (its own
    unit or one above it), never a leader of another street or district."""
    return User.objects.with_role_over(grievance.unit, (Role.LEADER,)).order_by("id")


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
    reporter_phone = EncryptedCharField("联系电话", max_length=20, blank=True, hmac_field="reporter_phone_hmac")
    reporter_phone_hmac = models.CharField("联系电话HMAC", max_length=64, blank=True, editable=False, default="")
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
    resolved_level = models.CharField("解决层级", max_length=20, choices=Level.choices, blank=True)
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
    # 急难险重: both levels are told at once and the answer is due in hours (HandlingRules).
    urgent = models.BooleanField("急难险重", default=False)
    # The key a client sends with a create it may retry (a phone's queue, a double submit): the same
    # key again answers the first entry and writes nothing.
    client_id = models.UUIDField("客户端编号", null=True, blank=True, unique=True, editable=False)
    replayed = False  # set on the first entry when a create with its client_id is repeated
    # 派单与签收: the handling unit signs for a routed entry within the campaign's sign-for time;
    # the resolution clock is not moved by signing, returning or arbitration.
    dispatched_at = models.DateTimeField("交办时间", null=True, blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="交办人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sign_for_due_at = models.DateTimeField("签收期限", null=True, blank=True)
    signed_for_at = models.DateTimeField("签收时间", null=True, blank=True)
    # 退单: set while a return awaits the office's ruling (终审).
    returned_at = models.DateTimeField("退单时间", null=True, blank=True)
    return_reason = models.TextField("退单理由", blank=True)
    return_count = models.PositiveSmallIntegerField("退单次数", default=0)
    # 中止: the working days strictly after the approval day up to the resume day do not count.
    pause_state = models.CharField("中止计时", max_length=20, choices=PauseState.choices, default=PauseState.NONE)
    pause_reason = models.TextField("中止理由", blank=True)
    pause_until = models.DateField("中止至", null=True, blank=True)
    paused_from = models.DateField("中止批准日", null=True, blank=True)
    pause_planned_days = models.PositiveSmallIntegerField("本次中止工作日", default=0)
    paused_working_days = models.PositiveSmallIntegerField("中止工作日合计", default=0)
    # The petition practice of seed 001: cases watched as long-standing (积案) or level-skipping
    # (越级, taken to the province or Beijing), and the day the petitioner settled (息访).
    is_backlog = models.BooleanField("信访积案", default=False)
    skipped_level = models.BooleanField("越级信访", default=False)
    petition_settled_at = models.DateTimeField("息访时间", null=True, blank=True)
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
            # On PostgreSQL it also carries the scope and filter columns (grievances/0022), so a
            # status-filtered page walks it index-only.
            models.Index(fields=["status", "-registered_at", "-id"], name="grievance_status_reg_idx"),
            # The summary's typical cases: a handful of rows, found without scanning the ledger.
            models.Index(
                fields=["campaign", "-registered_at"], condition=models.Q(is_typical=True), name="grievance_typical_idx"
            ),
            # The petition figures: the few entries settled (息访) or watched as 积案 or 越级.
            models.Index(
                fields=["campaign"],
                condition=models.Q(petition_settled_at__isnull=False)
                | models.Q(is_backlog=True)
                | models.Q(skipped_level=True),
                name="grievance_petition_marked_idx",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.content[:20]}"

    @property
    def is_running(self):
        return self.status in RUNNING_STATUSES

    @property
    def is_awaiting_plan(self):
        return self.status in AWAITING_PLAN_STATUSES


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
        # The campaign figures ask "which entries were ever explained / reopened" over the whole
        # history: small partial indexes instead of a scan of every event of every entry.
        indexes = [
            models.Index(
                fields=["grievance"], condition=models.Q(to_status=Status.EXPLAINED), name="event_explained_idx"
            ),
            models.Index(
                fields=["grievance"],
                condition=models.Q(
                    from_status__in=list(ANSWERED_STATUSES),
                    to_status__in=list(RUNNING_STATUSES),
                ),
                name="event_reopened_idx",
            ),
        ]

    def __str__(self):
        return f"#{self.grievance_id} {self.action}"


class Reporter(models.Model):
    """Everyone who raised an entry; merging keeps them all on the surviving entry."""

    grievance = models.ForeignKey(Grievance, verbose_name="问题", on_delete=models.CASCADE, related_name="reporters")
    name = models.CharField("姓名", max_length=50, blank=True)
    phone = EncryptedCharField("电话", max_length=20, blank=True, hmac_field="phone_hmac")
    phone_hmac = models.CharField("电话HMAC", max_length=64, blank=True, editable=False, default="")
    household = models.ForeignKey("visits.Household", null=True, blank=True, on_delete=models.SET_NULL)
    source_grievance = models.ForeignKey(
        Grievance, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="原始条目"
    )

    class Meta:
        verbose_name = verbose_name_plural = "反映人"

    def __str__(self):
        return self.name or f"反映人#{self.pk}"


class AttachmentQuerySet(ScopedQuerySet):
    # Evidence is added by the transitions that need it (resolve, explain, solve on the spot).
    rules = {}

    def visible_to(self, user):
        """Attachments of the entries the user may see: evidence photos carry faces and addresses."""
        return self.filter(grievance__in=Grievance.objects.visible_to(user))


class Attachment(models.Model):
    grievance = models.ForeignKey(Grievance, verbose_name="问题", on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("文件", upload_to="grievances/%Y/%m/")
    name = models.CharField("文件名", max_length=200, blank=True)
    is_evidence = models.BooleanField("办理佐证", default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "附件"

    def __str__(self):
        return self.name or self.file.name


class ImportJobQuerySet(ScopedQuerySet):
    rules = {
        # Turn the previewed rows into entries: the uploader only, whose scope checked them.
        "confirm": Rule(also=lambda user: Q(created_by=user), label="确认导入"),
    }

    def visible_to(self, user):
        """An upload is its uploader's draft: nobody else reads it, not even an admin."""
        if not scope(user).is_authenticated:
            return self.none()
        return self.filter(created_by=user)


class ImportJob(ImportJobBase):
    """An offline ledger uploaded for import: previewed first, then confirmed in one transaction."""

    rows = models.JSONField("校验后数据", default=list, blank=True)  # the entries a confirm registers

    objects = ImportJobQuerySet.as_manager()

    class Meta(ImportJobBase.Meta):
        verbose_name = verbose_name_plural = "台账导入"


# The deadline sweep's bookkeeping (its runs, the notices it issued: the supervision list reads them)
# and the look-back (回头看) tasks. Written by sweep.py and followups.py; like everything outside
# the workflow, they never assign a grievance's status.


class DeadlineSettings(models.Model):
    """One row of the working-day counts the deadline sweep and the look-back use, edited in the admin.
    Which channels send the resulting messages is the notifications app's ChannelSettings."""

    reminder_days = models.PositiveSmallIntegerField("提前提醒工作日", default=2)
    supervision_list_days = models.PositiveSmallIntegerField(
        "超期列入上级督办清单（工作日）", default=5, help_text="超期达到该工作日数后列入上级督办清单"
    )
    followup_days = models.PositiveSmallIntegerField(
        "回头看期限（工作日）", default=10, help_text="活动没有回头看阶段或已结束时，回头看任务的期限"
    )
    urge_days = models.PositiveSmallIntegerField(
        "超期催办（工作日）", default=1, help_text="办结期限过后第N个工作日向责任单位发催办"
    )
    bulletin_days = models.PositiveSmallIntegerField(
        "催办后通报（工作日）", default=5, help_text="催办后再超期N个工作日向上一级通报"
    )

    class Meta:
        verbose_name = verbose_name_plural = "提醒与督办设置"

    def __str__(self):
        return "提醒与督办设置"

    @classmethod
    def load(cls):
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj


class DeadlineKind(models.TextChoices):
    PLAN = "plan", "方案期限"
    DUE = "due", "办结期限"
    SIGN_FOR = "sign_for", "签收期限"


class NoticeKind(models.TextChoices):
    REMINDER = "reminder", "到期提醒"
    WARNING = "warning", "到期预警"
    SUPERVISION = "supervision", "超期督办"
    LISTED = "listed", "列入上级督办清单"
    URGE = "urge", "催办"
    BULLETIN = "bulletin", "通报"
    UNSIGNED = "unsigned", "超时未签收"


class HandlingRulesQuerySet(ScopedQuerySet):
    # Configuration, edited in the admin by the admins of the campaign's territory.
    rules = {"manage": Rule((Role.ADMIN,), "campaign__territory", label="修改接诉即办规则")}

    def visible_to(self, user):
        return self.filter(campaign__in=Campaign.objects.visible_to(user))


class HandlingRules(models.Model):
    """A campaign's receive-and-answer rules (接诉即办, the 12345 practice of seed 002): the sign-for
    time, how many returns a unit may make, urgent deadlines in hours, the look-back's timing.
    A campaign without a row uses the defaults."""

    campaign = models.OneToOneField(
        Campaign, verbose_name="活动", on_delete=models.CASCADE, related_name="handling_rules"
    )
    sign_for_days = models.PositiveSmallIntegerField(
        "签收时限（工作日）", default=1, help_text="交办后须在该工作日数内签收；退单也须在此时限内"
    )
    max_returns = models.PositiveSmallIntegerField(
        "允许退单次数", default=2, help_text="超过该次数的退单报上一级活动办协调"
    )
    urgent_hours = models.PositiveSmallIntegerField("急难险重办结时限（小时）", default=24)
    urgent_sign_for_hours = models.PositiveSmallIntegerField("急难险重签收时限（小时）", default=2)
    # Seed 003 (Shanghai): reported up within a week, answered within a month, in calendar days.
    calendar_days = models.BooleanField(
        "按自然日计时", default=False, help_text="一周内上报、一个月内答复（上海做法），代替按工作日的层级期限"
    )
    report_calendar_days = models.PositiveSmallIntegerField("上报时限（自然日）", default=7)
    answer_calendar_days = models.PositiveSmallIntegerField("答复时限（自然日）", default=30)
    followup_working_days = models.PositiveSmallIntegerField(
        "回访期限（办结后工作日）",
        null=True,
        blank=True,
        help_text="填写后回访须在办结后该工作日数内完成（如1：办结后下一个工作日）；留空则按回头看阶段",
    )

    objects = HandlingRulesQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "接诉即办规则"

    def __str__(self):
        return f"{self.campaign} 接诉即办规则"

    @classmethod
    def for_campaign(cls, campaign):
        """The campaign's row, or the defaults (unsaved) when it has none; cached on the campaign."""
        cached = getattr(campaign, "_handling_rules_cache", None)
        if cached is None:
            cached = cls.objects.filter(campaign_id=campaign.pk).first() or cls(campaign_id=campaign.pk)
            campaign._handling_rules_cache = cached
        return cached


class SweepRunQuerySet(ScopedQuerySet):
    """A sweep covers the whole tree: only who may manage every unit sees its runs or starts one
    (a street's admin does not run the district's deadline sweep or phase sync)."""

    def may_start(self, user) -> bool:
        return OrgUnit.objects.all_actionable_by(user, "manage")

    def visible_to(self, user):
        return self if self.may_start(user) else self.none()


class SweepRun(models.Model):
    """One run of a background sweep (deadlines, phases): when, as of when, what it produced."""

    KIND_CHOICES = [("deadlines", "期限扫描"), ("phases", "阶段切换")]

    kind = models.CharField("类型", max_length=20, choices=KIND_CHOICES, default="deadlines")
    as_of = models.DateTimeField("扫描基准时间")
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    counts = models.JSONField("数量", default=dict, blank=True)
    queries = models.PositiveIntegerField("SQL 查询数", null=True, blank=True)
    failures = models.PositiveIntegerField("失败数", default=0)
    error = models.TextField("错误", blank=True)
    # Set by the reaper on a run whose worker was gone before it finished (campaigns.reap_stale_jobs).
    interrupted_at = models.DateTimeField("中断时间", null=True, blank=True)

    objects = SweepRunQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "后台扫描记录"
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.as_of:%Y-%m-%d %H:%M}"

    @property
    def duration(self):
        if self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class NoticeLogQuerySet(ScopedQuerySet):
    rules = {
        # Read and chase the supervision list (督办清单): office staff, leaders, inspectors and admins
        # over the entry's unit or over the unit it was routed to. The page and the API both use it.
        "supervise": Rule(
            READERS,
            "grievance__unit",
            also=lambda user: scope(user).subtree_q("grievance__handling_unit", READERS),
        ),
    }

    def visible_to(self, user):
        return self.filter(grievance__in=Grievance.objects.visible_to(user))


class NoticeLog(models.Model):
    """A deadline notice that was issued: at most one per entry, deadline (and its value) and kind.

    The unique constraint is what makes the sweep safe to run twice or in two workers at once:
    rows are inserted with ON CONFLICT DO NOTHING and only the inserted rows are notified.
    `due_at` is part of the key so that an extended or reopened deadline is watched again.
    """

    # The unique constraint below leads with grievance: no separate index. No database constraint:
    # the sweep inserts these rows from the entries it reads in the same statement, and a deferred
    # check per row at commit costs more than the insert (the ORM still cascades deletes).
    grievance = models.ForeignKey(
        Grievance,
        verbose_name="问题",
        on_delete=models.CASCADE,
        related_name="notices",
        db_index=False,
        db_constraint=False,
    )
    deadline = models.CharField("期限", max_length=10, choices=DeadlineKind.choices)
    kind = models.CharField("通知类型", max_length=20, choices=NoticeKind.choices)
    due_at = models.DateTimeField("期限时间")
    # Bookkeeping written by the sweep itself: no database constraint (a deferred check per row
    # would cost the sweep more than the insert) and no index beyond (sweep, kind) below.
    sweep = models.ForeignKey(
        SweepRun,
        verbose_name="扫描",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        db_index=False,
    )
    created_at = models.DateTimeField("时间")

    objects = NoticeLogQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "期限通知记录"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["grievance", "deadline", "kind", "due_at"], name="noticelog_once"),
        ]
        indexes = [
            models.Index(fields=["sweep", "kind"], name="noticelog_sweep_idx"),
            # The supervision list reads the listings only (a sixth of the rows): the other notices
            # are read by entry (the unique index) or by sweep, and the sweep writes millions.
            models.Index(fields=["created_at"], condition=Q(kind="listed"), name="noticelog_listed_idx"),
        ]

    def __str__(self):
        return f"#{self.grievance_id} {self.get_deadline_display()} {self.get_kind_display()}"


class FollowUpStatus(models.TextChoices):
    PENDING = "pending", "待回访"
    DONE = "done", "已回访"
    CANCELLED = "cancelled", "已取消"


class FollowUpKind(models.TextChoices):
    GRIEVANCE = "grievance", "问题回访"
    FOCUS = "focus", "重点户再走访"


RECORDERS = OFFICE_ROLES


class FollowUpQuerySet(ScopedQuerySet):
    rules = {
        # Record the look-back: the person it was given to, or the office over the entry's unit
        # (over the household's grid for a focus household's second visit).
        "record": Rule(
            RECORDERS,
            "grievance__unit",
            also=lambda user: (
                Q(assignee=user) | Q(grievance__isnull=True) & scope(user).subtree_q("household__grid", RECORDERS)
            ),
        ),
    }

    def visible_to(self, user):
        s = scope(user)
        if s.is_superuser:
            return self
        return self.filter(Q(assignee=user) | s.subtree_q("household__grid") | s.subtree_q("grievance__unit"))

    def assigned_to(self, user):
        return self.filter(assignee=user)


class FollowUp(models.Model):
    """A look-back task (回头看): call on the person again — solved? satisfied? new needs?"""

    kind = models.CharField("类型", max_length=20, choices=FollowUpKind.choices, default=FollowUpKind.GRIEVANCE)
    grievance = models.ForeignKey(
        Grievance, verbose_name="问题", null=True, blank=True, on_delete=models.CASCADE, related_name="followups"
    )
    household = models.ForeignKey(
        "visits.Household",
        verbose_name="农户",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="followups",
    )
    campaign = models.ForeignKey(Campaign, verbose_name="活动", on_delete=models.CASCADE, related_name="followups")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="回访人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followups",
    )
    due_at = models.DateTimeField("回访期限")
    status = models.CharField("状态", max_length=20, choices=FollowUpStatus.choices, default=FollowUpStatus.PENDING)
    mode = models.CharField("回访方式", max_length=20, choices=VisitMode.choices, blank=True)
    solved = models.BooleanField("问题已解决", null=True, blank=True)
    satisfaction = models.CharField("满意度", max_length=30, choices=Satisfaction.choices, blank=True)
    notes = models.TextField("回访情况", blank=True)
    new_needs = models.JSONField("新的诉求", default=list, blank=True)
    recorded_at = models.DateTimeField("回访时间", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    # The key of the submit that recorded it: the same record sent again answers this one.
    client_id = models.UUIDField("客户端编号", null=True, blank=True, unique=True, editable=False)
    replayed = False

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "回头看任务"
        ordering = ["status", "due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["grievance"], condition=Q(grievance__isnull=False), name="followup_once_per_grievance"
            ),
            models.UniqueConstraint(
                fields=["campaign", "household"], condition=Q(kind="focus"), name="followup_once_per_focus_household"
            ),
        ]
        indexes = [models.Index(fields=["assignee", "status", "due_at"], name="followup_assignee_idx")]

    def __str__(self):
        target = self.grievance or self.household
        return f"回头看：{target}"

    @property
    def overdue(self):
        """A missed look-back is itself overdue."""
        return self.status == FollowUpStatus.PENDING and self.due_at < timezone.now()


class ExternalSystemQuerySet(ScopedQuerySet):
    # Connected in the admin by the admins of the system's unit (a street or the district).
    rules = {"manage": Rule((Role.ADMIN,), "unit", label="管理外部系统接入")}

    def visible_to(self, user):
        return self.filter(scope(user).subtree_q("unit", (Role.ADMIN,)))


class ExternalSystem(models.Model):
    """A platform that exchanges requests with the ledger through Open311 GeoReport v2 (a city's
    12345 hotline, say): its key, the unit whose subtree it reads and writes, and the account its
    requests are registered as (that account's own scope applies too). Only the key's SHA-256 is
    stored; the key itself is shown once, when it is issued."""

    name = models.CharField("系统名称", max_length=100)
    unit = models.ForeignKey(OrgUnit, verbose_name="对接单位", on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记账号",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="外部系统提交的诉求以该账号登记，须为对接单位的活动办人员",
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name="登记到活动",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="留空则登记到对接单位当前的活动",
    )
    key_prefix = models.CharField("密钥前缀", max_length=16, unique=True, editable=False)
    key_hash = models.CharField("密钥摘要", max_length=64, editable=False)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True, editable=False)

    objects = ExternalSystemQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "外部系统接入（Open311）"
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    @staticmethod
    def digest(key: str) -> str:
        import hashlib

        return hashlib.sha256(key.encode()).hexdigest()

    def issue_key(self) -> str:
        """A new key for the system (replacing any earlier one); returns it, stores its digest."""
        import secrets

        prefix = secrets.token_hex(4)
        key = f"zf_{prefix}_{secrets.token_urlsafe(32)}"
        self.key_prefix, self.key_hash = prefix, self.digest(key)
        return key

    @classmethod
    def for_key(cls, key: str):
        """The active system a presented key belongs to, or None."""
        import hmac

        parts = (key or "").split("_")
        if len(parts) < 3 or parts[0] != "zf":
            return None
        system = cls.objects.select_related("unit", "account").filter(key_prefix=parts[1], is_active=True).first()
        if system is None or not hmac.compare_digest(system.key_hash, cls.digest(key)):
            return None
        return system


class PublicationQuerySet(ScopedQuerySet):
    rules = {
        # Choose what a community's public board (公开栏) shows, approve its text, withdraw it.
        "publish": Rule(OFFICE_ROLES, "unit", label="公开栏发布"),
    }

    def visible_to(self, user):
        return scope(user).filter_by_unit(self, "unit")

    def on_board(self):
        return self.filter(withdrawn_at__isnull=True)


class Publication(models.Model):
    """A ledger entry shown on its community's public board (公开栏, seed 004).

    The board shows the entry's structured fields (category, status, dates) and nothing that names
    a person. The two texts are written by the office for the public and shown only once approved:
    changing either takes the approval back.
    """

    grievance = models.OneToOneField(
        Grievance, verbose_name="问题", on_delete=models.CASCADE, related_name="publication"
    )
    # The community (社区/村) whose board shows the entry: the entry's unit, or its grid's community.
    unit = models.ForeignKey(OrgUnit, verbose_name="社区/村", on_delete=models.PROTECT, related_name="publications")
    summary = models.TextField("公开摘要", blank=True)
    outcome = models.TextField("公开办理结果", blank=True)
    text_approved_at = models.DateTimeField("文字审核通过时间", null=True, blank=True)
    text_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="文字审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField("公开时间")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="公开人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField("撤下时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤下人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdraw_reason = models.CharField("撤下理由", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "公开栏条目"
        ordering = ["-published_at", "-id"]
        indexes = [
            # The public page: one community's entries on the board, newest first.
            models.Index(
                fields=["unit", "-published_at"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="publication_board_idx",
            ),
        ]

    def __str__(self):
        return f"{self.unit} #{self.grievance_id}"

    @property
    def on_board(self):
        return self.withdrawn_at is None

    @property
    def text_approved(self):
        return self.text_approved_at is not None


class BoardPosterQuerySet(ScopedQuerySet):
    """A poster is made for a community the user may publish for; once queued only the worker writes it."""

    def visible_to(self, user):
        return scope(user).filter_by_unit(self, "unit")


class BoardPoster(RenderedJob):
    """The printable A3 poster of a community's board with a QR code to its page, rendered by Celery."""

    unit = models.ForeignKey(OrgUnit, verbose_name="社区/村", on_delete=models.CASCADE, related_name="board_posters")
    file = models.FileField("文件", upload_to="grievances/posters/%Y/%m/", blank=True)

    objects = BoardPosterQuerySet.as_manager()

    class Meta(RenderedJob.Meta):
        verbose_name = verbose_name_plural = "公开栏海报"

    def __str__(self):
        return f"{self.unit} 公开栏海报"


# --- The petition cycle of seed 001 (信访): 接访, 约访, 带案下访 ---------------------------------


class ReceptionKind(models.TextChoices):
    RECEPTION = "reception", "领导接访日"
    APPOINTMENT = "appointment", "领导约访"
    VISIT_DOWN = "visit_down", "带案下访"


class ReceptionQuerySet(ScopedQuerySet):
    rules = {
        # Record a reception day, an appointment or a visit down, and its register: the office and
        # leaders over the unit, and the leader who holds it.
        "manage": Rule(PETITION_ROLES, "unit", also=lambda user: Q(leader=user), label="登记接访约访下访"),
    }

    def visible_to(self, user):
        s = scope(user)
        if s.is_superuser:
            return self
        if not s.is_authenticated:
            return self.none()
        return self.filter(s.subtree_q("unit", READERS) | Q(leader=user))


class Reception(models.Model):
    """A leader meeting petitioners: a regular reception day (接访, e.g. weekly: 每周至少1次接待群众
    来访), an appointment booked with a petitioner (约访), or a case taken down to where it
    arose (带案下访). Who came, or who was booked, is its register (`ReceptionVisitor`)."""

    kind = models.CharField("类型", max_length=20, choices=ReceptionKind.choices, default=ReceptionKind.RECEPTION)
    unit = models.ForeignKey(OrgUnit, verbose_name="单位", on_delete=models.PROTECT, related_name="receptions")
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接访领导", on_delete=models.PROTECT, related_name="receptions"
    )
    date = models.DateField("日期")
    place = models.CharField("地点", max_length=100, blank=True)
    note = models.TextField("情况说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ReceptionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "接访约访下访"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["unit", "date"], name="reception_unit_date_idx")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"


class ReceptionVisitorQuerySet(ScopedQuerySet):
    rules = {
        "manage": Rule(
            PETITION_ROLES, "reception__unit", also=lambda user: Q(reception__leader=user), label="登记来访人员"
        ),
    }

    def visible_to(self, user):
        return self.filter(reception__in=Reception.objects.visible_to(user))


class ReceptionVisitor(models.Model):
    """One line of the register: who came (or was booked, or was called on), about what, the
    ledger entry of the matter when there is one, and the outcome."""

    reception = models.ForeignKey(Reception, verbose_name="接访", on_delete=models.CASCADE, related_name="visitors")
    name = models.CharField("来访人", max_length=50)
    matter = models.TextField("反映事项")
    grievance = models.ForeignKey(
        Grievance,
        verbose_name="台账条目",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="receptions",
    )
    outcome = models.TextField("处理结果", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ReceptionVisitorQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "来访登记"
        ordering = ["reception", "id"]

    def __str__(self):
        return f"{self.reception} {self.name}"
