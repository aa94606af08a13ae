"""Households, who visits whom, and the visit records (DOMAIN.md: Households, Assignment, Visit record)."""

import math
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, ExpressionWrapper, OuterRef, Q, Value
from django.db.models.functions import Now

from campaigns.access import Rule, ScopedQuerySet, scope
from campaigns.choices import Phase, Role, VisitMode
from campaigns.lib.crypto import EncryptedCharField, hmac_of
from campaigns.lib.imports import ImportJobBase
from campaigns.models import Campaign, FocusCategory, Membership, OrgUnit, TeamMember, User

from .choices import AssignmentKind, EventKind, HouseholdKind, SupporterKind, SupportKind

# Who keeps the roster of a subtree: office staff (活动办) and admins register, import and edit its
# households, write their plans and decide who visits them.
ROSTER_KEEPERS = (Role.OFFICE, Role.ADMIN)
# Who may be given households through their unit: the field roles (DOMAIN.md: cadres visit, office
# staff step in). Anyone else visits only as a member of one of the campaign's teams.
FIELD_ROLES = (Role.CADRE, Role.OFFICE)
# The words of ScopedRelatedField: an id outside the scope reads exactly like a missing one.
OUT_OF_SCOPE = "所选对象不存在或不在您的管辖范围内"
# A household that cannot be registered because a record the actor may not see holds its key: the
# database keeps one record per person, and the answer must not tell whether it exists elsewhere.
UNREGISTRABLE = "无法登记该户，请联系上级管理员核实"


# The household rules a visit is checked against (`record_visit`): any visit, one counted for a campaign.
VISIT_RULES = ("visit", "campaign_visit")


def _live_visitor(user):
    """Households `user` is assigned to visit in a campaign that is still running."""
    return Q(Exists(Assignment.objects.own(user, live=True).filter(household=OuterRef("pk"))))


# Standing work outside campaigns (民情联络, seeds/004): an app that keeps a network of people who
# visit households at any date registers, in its AppConfig.ready(), a function `user -> queryset
# of the ids of the villages (社区/村) whose network the user belongs to`. Its members see the
# households of those villages, visit them outside any campaign and file their 十必报.
_standing_networks = []


def register_standing_network(villages_of):
    if villages_of not in _standing_networks:
        _standing_networks.append(villages_of)


def standing_village_ids(user):
    """Ids of the villages of the user's liaison networks, read once per request (one small
    query), so that every scoped statement of the request carries a list, not the network's
    subqueries to build, compile and plan again."""
    if not getattr(user, "is_authenticated", False) or not _standing_networks:
        return []
    return scope(user).memo(
        "standing_villages",
        lambda: sorted({row["pk"] for villages_of in _standing_networks for row in villages_of(user)}),
    )


def standing_village_q(user, field="pk"):
    """A Q matching rows whose `field` (an OrgUnit id lookup) is a village of the user's network."""
    ids = standing_village_ids(user)
    return Q(**{f"{field}__in": ids}) if ids else Q(pk__in=[])


def _standing_visitor(user):
    """Households in a village of the user's liaison network."""
    return standing_village_q(user, "grid__parent_id")


def _any_visitor(user):
    return _live_visitor(user) | _standing_visitor(user)


class HouseholdQuerySet(ScopedQuerySet):
    rules = {
        # Register a household in a grid, or change its data (the API and the household forms).
        "edit": Rule(ROSTER_KEEPERS, "grid", label="登记或修改农户"),
        # Create or update it from a roster file.
        "import": Rule(ROSTER_KEEPERS, "grid", label="导入花名册"),
        # Write its 一户一策 plan (one per household) and mark it a special-hardship household.
        "plan": Rule(ROSTER_KEEPERS, "grid", label="制定一户一策"),
        # Give it a visitor in a campaign, by hand or by the proposal; change or remove one.
        "assign": Rule(ROSTER_KEEPERS, "grid", label="分配走访"),
        # Read the whole ID number and phone: to make contact, not to browse.
        "reveal": Rule(ROSTER_KEEPERS, "grid", also=_live_visitor, label="查看完整身份证号和电话"),
        # Log a visit, file a 十必报 report or a ledger entry at it: in a campaign, or as a
        # member of the liaison network of its village (a standing visit, outside any campaign).
        "visit": Rule(ROSTER_KEEPERS, "grid", also=_any_visitor, label="走访、十必报"),
        # Log a visit that counts for a campaign: the 活动办 or the household's assigned visitor.
        "campaign_visit": Rule(ROSTER_KEEPERS, "grid", also=_live_visitor, label="活动走访"),
        # Log a standing visit: a member of the liaison network of the household's village.
        "standing_visit": Rule(also=_standing_visitor, label="日常走访（民情联络）"),
        # Enter visits made before the system was used, from a cadre's spreadsheet (补录).
        "backfill": Rule(ROSTER_KEEPERS, "grid", label="补录走访记录"),
        # Pair it with a supporter (帮扶千千结): a branch, an enterprise or a cadre.
        "pair": Rule(ROSTER_KEEPERS, "grid", label="结对帮扶"),
    }

    def visible_to(self, user):
        """Households of the grids under the user's units, plus those assigned to the user as the
        visitor rule allows (a paired department's cadre visits households outside their own
        unit); an assignment of a finished campaign still shows the household, masked."""
        s = scope(user)
        if s.is_superuser:
            return self
        if not s.is_authenticated:
            return self.none()
        mine = Assignment.objects.own(user).filter(household=OuterRef("pk"))
        return self.filter(s.subtree_q("grid") | Q(Exists(mine)) | _standing_visitor(user))

    def with_personal_access(self, user):
        """Annotate `personal_ok`: may the user read the whole ID number and phone (rule "reveal")?

        Office staff and admins of the subtree, and the cadres assigned to the household in a
        running campaign, need them to make contact; leaders, inspectors and handlers see them masked.
        """
        s = scope(user)
        if s.is_superuser or not s.is_authenticated:
            return self.annotate(personal_ok=Value(s.is_superuser))
        cond = self.rules["reveal"].q(s)
        return self.annotate(personal_ok=ExpressionWrapper(cond, output_field=models.BooleanField()))

    def open_to(self, visitor, campaign):
        """The households `visitor` may be given in `campaign`: those under a unit where they hold
        a field role, or all of them for a member of one of the campaign's teams."""
        if not visitor.is_active:
            return self.none()
        if TeamMember.objects.filter(user=visitor, team__campaign=campaign).exists():
            return self.all()
        s = scope(visitor)
        if s.is_superuser:
            return self.all()
        return self.filter(s.subtree_q("grid", FIELD_ROLES))


class Household(models.Model):
    """A visit target registered to a grid: a home, or an enterprise, school, shop (seeds/001)."""

    # No index of its own: household_grid_addr_idx (grid, address) serves every grid lookup.
    grid = models.ForeignKey(
        OrgUnit, verbose_name="所属网格", on_delete=models.PROTECT, related_name="households", db_index=False
    )
    # Match key of the roster import: the ID number's HMAC when there is one, else grid + address + head.
    # Unique through Meta.constraints, not unique=True: on PostgreSQL that would add a second,
    # varchar_pattern_ops index for LIKE that no query uses and every import pays for.
    key = models.CharField("匹配键", max_length=200, editable=False)
    head_name = models.CharField("户主姓名", max_length=50)
    # Stored AES-GCM encrypted; the HMAC beside each is for exact-match lookups (campaigns/lib/crypto.py).
    id_number = EncryptedCharField("身份证号", max_length=18, blank=True, hmac_field="id_number_hmac")
    id_number_hmac = models.CharField("身份证号HMAC", max_length=64, blank=True, editable=False, default="")
    phone = EncryptedCharField("联系电话", max_length=20, blank=True, hmac_field="phone_hmac")
    phone_hmac = models.CharField("联系电话HMAC", max_length=64, blank=True, editable=False, default="")
    address = models.CharField("地址", max_length=200)
    members_count = models.PositiveSmallIntegerField("家庭人数", default=1)
    kind = models.CharField("类型", max_length=20, choices=HouseholdKind.choices, default=HouseholdKind.HOUSEHOLD)
    categories = models.ManyToManyField(FocusCategory, verbose_name="重点类别", blank=True, related_name="households")
    is_hardship = models.BooleanField("特殊困难户", default=False)
    # Database defaults too: the roster import COPYs rows straight into the table.
    created_at = models.DateTimeField("创建时间", auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_default=Now())

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "农户/走访对象"
        ordering = ["grid_id", "address"]
        indexes = [
            models.Index(fields=["grid", "address"], name="household_grid_addr_idx"),
            # The campaign figures count every household of a district by (grid, kind), merging them
            # in id order with the campaign's visited households: an index-only scan in id order.
            models.Index(fields=["id"], include=["grid", "kind"], name="household_id_grid_kind_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["key"], name="household_key_uniq")]

    def __str__(self):
        return f"{self.head_name}（{self.address}）"

    def save(self, *args, **kwargs):
        if not self.key:
            self.key = self.make_key(
                id_number=self.id_number, grid_code=self.grid.code, address=self.address, head_name=self.head_name
            )
        if (fields := kwargs.get("update_fields")) is not None:
            fields = set(fields)
            fields |= {f"{f}_hmac" for f in ("id_number", "phone") if f in fields}
            kwargs["update_fields"] = fields
        super().save(*args, **kwargs)

    @staticmethod
    def make_key(*, id_number, grid_code, address, head_name):
        if id_number:
            return f"id:{hmac_of(id_number.upper())}"
        return f"addr:{grid_code}|{address.strip()}|{head_name.strip()}"


class HardshipPlanQuerySet(ScopedQuerySet):
    # Written through the household's "plan" rule: a plan is one per household, made or remade.
    rules = {}

    def visible_to(self, user):
        return self.filter(household__in=Household.objects.visible_to(user))


class HardshipPlan(models.Model):
    """One household, one plan (一户一策) for a special-hardship household (seeds/002)."""

    household = models.OneToOneField(
        Household, verbose_name="农户", on_delete=models.CASCADE, related_name="hardship_plan"
    )
    situation = models.TextField("困难情况")
    measures = models.TextField("帮扶措施")
    responsible = models.CharField("责任人", max_length=50)
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="责任人账号", null=True, blank=True, on_delete=models.SET_NULL
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = HardshipPlanQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "一户一策"

    def __str__(self):
        return f"一户一策：{self.household}"

    @property
    def next_review(self):
        """The earliest review not yet done (reviews are usually prefetched, so no query)."""
        open_ = [r for r in self.reviews.all() if r.done_at is None]
        return min(open_, key=lambda r: r.due_date, default=None)


class PlanReview(models.Model):
    """A date on which the plan is to be reviewed (复核); the deadline sweep reminds about each
    review date once, and the review is done when someone records its outcome."""

    plan = models.ForeignKey(HardshipPlan, verbose_name="一户一策", on_delete=models.CASCADE, related_name="reviews")
    due_date = models.DateField("复核日期")
    done_at = models.DateTimeField("复核完成时间", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="复核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome = models.TextField("复核情况", blank=True)
    # Set by the sweep in the same statement that claims the reminder: once per review date.
    reminded_at = models.DateTimeField("提醒时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "一户一策复核"
        ordering = ["due_date"]
        constraints = [models.UniqueConstraint(fields=["plan", "due_date"], name="plan_review_date_uniq")]

    def __str__(self):
        return f"{self.plan.household}：{self.due_date}复核"


class PlanChangeKind(models.TextChoices):
    CREATED = "created", "制定"
    UPDATED = "updated", "修改"
    REVIEW_ADDED = "review_added", "新增复核日期"
    REVIEW_REMOVED = "review_removed", "取消复核日期"
    REVIEW_DONE = "review_done", "完成复核"


class PlanChange(models.Model):
    """One change of a plan, kept for its history: who, when, which fields from what to what."""

    plan = models.ForeignKey(HardshipPlan, verbose_name="一户一策", on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField("类型", max_length=20, choices=PlanChangeKind.choices)
    # {field: [before, after]} with dates as ISO strings; for a review, {"due_date": ..., "outcome": ...}.
    changes = models.JSONField("变更内容", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "一户一策变更记录"
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.plan.household}：{self.get_kind_display()}"

    LABELS = {
        "situation": "困难情况",
        "measures": "帮扶措施",
        "responsible": "责任人",
        "responsible_user": "责任人账号",
    }

    def lines(self):
        """The change in words, one per field: 帮扶措施：A → B."""

        def shown(value):
            if value in (None, ""):
                return "（空）"
            if isinstance(value, dict):
                return str(value.get("name", ""))
            text = str(value)
            return text if len(text) <= 60 else text[:59] + "…"

        out = []
        for name, value in self.changes.items():
            if name == "due_date":
                out.append(f"复核日期 {value}")
            elif name == "outcome":
                out.append(f"复核情况：{shown(value)}")
            elif isinstance(value, list) and len(value) == 2:
                out.append(f"{self.LABELS.get(name, name)}：{shown(value[0])} → {shown(value[1])}")
        return out


class AssignmentQuerySet(ScopedQuerySet):
    rules = {
        # Change the visitor (改派) or remove the assignment. New ones: the household's "assign".
        "adjust": Rule(ROSTER_KEEPERS, "household__grid", label="调整走访分配"),
    }

    def visible_to(self, user):
        """Assignments in the user's subtree, and the user's own that the visitor rule allows."""
        s = scope(user)
        if s.is_superuser:
            return self
        if not s.is_authenticated:
            return self.none()
        return self.filter(s.subtree_q("household__grid") | Q(pk__in=Assignment.objects.own(user).values("pk")))

    def own(self, user, *, live=False):
        """The assignments of `user` that the visitor rule still allows: a field role over the
        household, or a member of a team of the assignment's campaign (a paired department's
        cadre). An assignment to anybody else grants nothing, however it got into the database.
        With `live`, only those of campaigns still running."""
        s = scope(user)
        qs = self.filter(visitor=user)
        if not s.is_superuser:  # (a superuser's subtree_q is Q(), which an OR would swallow)
            qs = qs.filter(s.subtree_q("household__grid", FIELD_ROLES) | Q(campaign__in=s.team_campaign_ids()))
        if live:
            # A campaign in its summary phase is over: nobody visits, nobody needs the contacts.
            qs = qs.exclude(campaign__phase=Phase.SUMMARY)
        return qs


class Assignment(models.Model):
    """Who visits a household in a campaign. Never twice, except the party leader's 户户到 visit."""

    campaign = models.ForeignKey(Campaign, verbose_name="活动", on_delete=models.CASCADE, related_name="assignments")
    household = models.ForeignKey(Household, verbose_name="农户", on_delete=models.CASCADE, related_name="assignments")
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="走访人", on_delete=models.PROTECT, related_name="assignments"
    )
    kind = models.CharField("分配方式", max_length=20, choices=AssignmentKind.choices)
    team = models.ForeignKey(
        "campaigns.Team",
        verbose_name="工作组",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assignments",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "走访分配"
        constraints = [
            # 互不重复 (seeds/002): one regular visitor per household and campaign...
            models.UniqueConstraint(
                fields=["campaign", "household"],
                condition=~Q(kind="party_leader"),
                name="assignment_one_regular_visitor",
            ),
            # ...plus at most one 户户到 visit by the party leader.
            models.UniqueConstraint(
                fields=["campaign", "household"],
                condition=Q(kind="party_leader"),
                name="assignment_one_party_leader",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "visitor"], name="assignment_visitor_idx")]

    def __str__(self):
        return f"{self.visitor} → {self.household}（{self.get_kind_display()}）"


def _own_running_visits(user):
    return Q(visitor=user) & ~Q(campaign__phase=Phase.SUMMARY)


class VisitQuerySet(ScopedQuerySet):
    rules = {
        # Add photos to the record: its visitor while the campaign runs, or the 活动办 of the grid.
        "edit": Rule(ROSTER_KEEPERS, "household__grid", also=_own_running_visits, label="补充走访记录"),
    }

    def visible_to(self, user):
        s = scope(user)
        if s.is_superuser:
            return self
        if not s.is_authenticated:
            return self.none()
        return self.filter(s.subtree_q("household__grid") | Q(visitor=user))


class Visit(models.Model):
    """One visit to a household (入户走访记录). `client_id` makes a double submit harmless.

    Without a campaign it is a standing visit (日常走访) of the liaison network: it counts in the
    standing figures and never in a campaign's coverage, which filters on the campaign."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="活动", null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    household = models.ForeignKey(Household, verbose_name="农户", on_delete=models.PROTECT, related_name="visits")
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="走访人", on_delete=models.PROTECT, related_name="visits"
    )
    co_visitors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="同行人员", blank=True, related_name="co_visits"
    )
    client_id = models.UUIDField("客户端编号", unique=True, default=uuid.uuid4)
    visited_at = models.DateTimeField("走访时间")
    duration_minutes = models.PositiveSmallIntegerField("时长（分钟）")
    mode = models.CharField("走访方式", max_length=20, choices=VisitMode.choices, default=VisitMode.IN_PERSON)
    mode_reason = models.CharField("非入户原因", max_length=200, blank=True)
    answers = models.JSONField("入户必问回答", default=dict, blank=True)
    notes = models.TextField("民情日记", blank=True)
    too_short = models.BooleanField("时长不足", default=False)
    # The phone's position when the cadre agreed to give it (WGS-84); null when not given.
    latitude = models.FloatField("纬度", null=True, blank=True)
    longitude = models.FloatField("经度", null=True, blank=True)
    accuracy_m = models.FloatField("定位精度（米）", null=True, blank=True)
    is_followup = models.BooleanField("回头看走访", default=False)
    # Photos sent with the visit that the file store refused (full, read-only): the visit is kept
    # and the phone sends them again through the photos endpoint, which counts this down.
    photos_pending = models.PositiveSmallIntegerField("待补传照片", default=0)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "走访记录"
        ordering = ["-visited_at"]
        indexes = [
            models.Index(fields=["campaign", "household"], name="visit_campaign_household_idx"),
            models.Index(fields=["visitor", "visited_at"], name="visit_visitor_time_idx"),
            # Campaign figures: the distinct visited households of a campaign (index-only, in household
            # order, with the date for the range) and the weekly trend, both over campaign visits only.
            models.Index(
                fields=["campaign", "household"],
                include=["visited_at"],
                condition=models.Q(is_followup=False),
                name="visit_campaign_hh_cover_idx",
            ),
        ]

    def __str__(self):
        return f"{self.household} {self.visited_at:%Y-%m-%d}"

    @property
    def is_standing(self):
        return self.campaign_id is None

    def distance_from_grid_m(self) -> float | None:
        """Metres from the household's grid centre to where the visit was logged, when both are known."""
        grid = self.household.grid
        if None in (self.latitude, self.longitude, grid.latitude, grid.longitude):
            return None
        return haversine_m(self.latitude, self.longitude, grid.latitude, grid.longitude)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (a sphere is plenty for the few hundred metres of a grid)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


class VisitPhotoQuerySet(ScopedQuerySet):
    # Added to a visit under the visit's "edit" rule; never changed on their own.
    rules = {}

    def visible_to(self, user):
        return self.filter(visit__in=Visit.objects.visible_to(user))


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, verbose_name="走访记录", on_delete=models.CASCADE, related_name="photos")
    image = models.FileField("照片", upload_to="visits/%Y/%m/")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    objects = VisitPhotoQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "走访照片"

    def __str__(self):
        return f"照片 {self.pk}"


class EventReportQuerySet(ScopedQuerySet):
    # Filed at a household under its "visit" rule, or for an area under the unit's "register" rule
    # or by its village's liaison network; a report is never edited afterwards.
    rules = {}

    def visible_to(self, user):
        s = scope(user)
        if s.is_superuser:
            return self
        if not s.is_authenticated:
            return self.none()
        return self.filter(s.subtree_q("unit") | Q(reporter=user))


class EventReport(models.Model):
    """A 十必报 report: at a household, or for an area (`unit`, no household) for the events that
    concern the area (环境不洁无序, 新的违章建筑, 不稳定因素, 人员流动)."""

    campaign = models.ForeignKey(Campaign, verbose_name="活动", null=True, blank=True, on_delete=models.SET_NULL)
    household = models.ForeignKey(
        Household, verbose_name="农户", null=True, blank=True, on_delete=models.PROTECT, related_name="event_reports"
    )
    # The household's grid for a report at a household; the area reported on otherwise.
    unit = models.ForeignKey(OrgUnit, verbose_name="所属单位", on_delete=models.PROTECT, related_name="event_reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="报告人", on_delete=models.PROTECT)
    kind = models.CharField("事项", max_length=30, choices=EventKind.choices)
    description = models.TextField("情况说明")
    reported_at = models.DateTimeField("报告时间", auto_now_add=True)
    # The submit's key (campaigns.lib.idempotency): a retried report is the first one.
    client_id = models.UUIDField("客户端编号", null=True, blank=True, unique=True, editable=False)
    replayed = False

    objects = EventReportQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "十必报"
        ordering = ["-reported_at"]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.household or self.unit}"

    def save(self, *args, **kwargs):
        if self.unit_id is None and self.household_id is not None:
            self.unit_id = Household.objects.filter(pk=self.household_id).values_list("grid_id", flat=True).first()
        super().save(*args, **kwargs)


def _own_jobs_while_importing(user):
    """The user's own uploads, while they may still import into some grid."""
    return Q(created_by=user) & Q(Exists(Household.objects.units_for(user, "import")))


class ImportJobQuerySet(ScopedQuerySet):
    rules = {
        # Write a previewed roster. Which rows it may touch was settled by the preview ("import").
        "confirm": Rule(also=_own_jobs_while_importing, label="确认导入花名册"),
    }

    def visible_to(self, user):
        s = scope(user)
        if s.is_superuser:
            return self
        return self.filter(created_by=user) if s.is_authenticated else self.none()


class ImportJob(ImportJobBase):
    """A roster upload: preview first (every problem listed), then confirm in one transaction."""

    staged = models.CharField("校验后数据", max_length=300, blank=True)  # normalised rows, default_storage
    to_update = models.PositiveIntegerField("更新", default=0)
    unchanged = models.PositiveIntegerField("无变化", default=0)

    objects = ImportJobQuerySet.as_manager()

    class Meta(ImportJobBase.Meta):
        verbose_name = verbose_name_plural = "花名册导入"


def _own_jobs_while_backfilling(user):
    """The user's own uploads, while they may still enter past visits somewhere."""
    return Q(created_by=user) & Q(Exists(Household.objects.units_for(user, "backfill")))


class VisitImportJobQuerySet(ScopedQuerySet):
    rules = {
        # Write the previewed visits. Which households they are at was settled by the preview.
        "confirm": Rule(also=_own_jobs_while_backfilling, label="确认补录走访"),
    }

    def visible_to(self, user):
        s = scope(user)
        if s.is_superuser:
            return self
        return self.filter(created_by=user) if s.is_authenticated else self.none()


class VisitImportJob(ImportJobBase):
    """A spreadsheet of past visits (补录): preview first (every row matched to a household or
    reported), then confirm in one transaction."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.PROTECT, related_name="visit_import_jobs"
    )
    rows = models.JSONField("校验后数据", default=list, blank=True)  # the visits a confirm writes
    unchanged = models.PositiveIntegerField("已导入过", default=0)
    to_register = models.PositiveIntegerField("登记问题", default=0)

    objects = VisitImportJobQuerySet.as_manager()

    class Meta(ImportJobBase.Meta):
        verbose_name = verbose_name_plural = "走访补录导入"

    @property
    def to_update(self) -> int:
        """A past visit is never changed by an import: new or already there."""
        return 0


class PairingQuerySet(ScopedQuerySet):
    rules = {
        # Change the pairing (goal, dates, supporter) and record support under it.
        "edit": Rule(ROSTER_KEEPERS, "household__grid", label="维护结对帮扶"),
    }

    def visible_to(self, user):
        """Pairings of the households in the user's subtree: every role there reads them."""
        s = scope(user)
        if s.is_superuser:
            return self
        if not s.is_authenticated:
            return self.none()
        return self.filter(s.subtree_q("household__grid"))

    def active_on(self, day):
        return self.filter(Q(start_date__lte=day), Q(end_date__isnull=True) | Q(end_date__gte=day))


class Pairing(models.Model):
    """A supporter paired with a household (帮扶千千结): a party branch, an enterprise or a cadre."""

    household = models.ForeignKey(Household, verbose_name="农户", on_delete=models.CASCADE, related_name="pairings")
    supporter_kind = models.CharField("帮扶方类型", max_length=20, choices=SupporterKind.choices)
    supporter_name = models.CharField("帮扶方", max_length=100)
    supporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="帮扶干部账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pairings",
    )
    supporter_unit = models.ForeignKey(
        OrgUnit, verbose_name="帮扶单位", null=True, blank=True, on_delete=models.SET_NULL, related_name="pairings"
    )
    goal = models.TextField("帮扶目标")
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = PairingQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "结对帮扶"
        ordering = ["household_id", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="pairing_end_after_start",
            )
        ]

    def __str__(self):
        return f"{self.supporter_name} ↔ {self.household}"


class SupportRecordQuerySet(ScopedQuerySet):
    # Recorded under the pairing's "edit" rule; a record is never changed afterwards.
    rules = {}

    def visible_to(self, user):
        return self.filter(pairing__in=Pairing.objects.visible_to(user))


class SupportRecord(models.Model):
    """One act of support under a pairing: a visit, funds, goods, a job, school help."""

    pairing = models.ForeignKey(Pairing, verbose_name="结对", on_delete=models.CASCADE, related_name="records")
    date = models.DateField("日期")
    kind = models.CharField("帮扶方式", max_length=20, choices=SupportKind.choices)
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2, null=True, blank=True)
    note = models.TextField("说明", blank=True)
    evidence = models.FileField("佐证材料", upload_to="visits/support/%Y/%m/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    # The submit's key (campaigns.lib.idempotency): a retried record is the first one.
    client_id = models.UUIDField("客户端编号", null=True, blank=True, unique=True, editable=False)
    replayed = False

    objects = SupportRecordQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "帮扶记录"
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.date}"


# --- people a write may name ------------------------------------------------------------------------
def assignable_visitors(actor, campaign=None):
    """The people `actor` may give households to: field staff of the units where the actor assigns
    (within the campaign's territory), and members of the teams of `campaign` (of any campaign the
    actor sees when None). Whether one of them may visit a given household is `open_to()`."""
    units = Household.objects.units_for(actor, "assign")
    field = Membership.objects.filter(role__in=FIELD_ROLES, unit__in=units, unit__is_active=True)
    if campaign is not None:
        field = field.filter(unit__path__startswith=campaign.territory.path)
    field = field.values("user_id")
    campaigns = Campaign.objects.visible_to(actor) if campaign is None else Campaign.objects.filter(pk=campaign.pk)
    teams = TeamMember.objects.filter(team__campaign__in=campaigns).values("user_id")
    return User.objects.filter(Exists(units), Q(pk__in=field) | Q(pk__in=teams), is_active=True)


def co_visitor_choices(actor, household, campaign):
    """Who may be named as having gone along on a visit: the field staff (cadres, office staff) of
    the household's community, its grids and the units above it, whom the actor can see, and the
    members of the actor's own teams and of the teams paired with that community in the campaign.
    Administrators, leaders, inspectors and handling units do not visit, so they are not offered."""
    paths = household.grid.ancestor_paths()
    area = paths[-2] if len(paths) > 1 else paths[-1]
    field = Membership.objects.filter(role__in=FIELD_ROLES, unit__is_active=True).filter(
        Q(unit__path__in=paths) | Q(unit__path__startswith=area)
    )
    local = User.objects.visible_to(actor).filter(pk__in=field.values("user_id")).values("pk")
    teams = []
    if campaign:
        own = TeamMember.objects.filter(team__campaign=campaign, user=actor).values("team_id")
        paired = Q(team__paired_unit__path=area) | Q(team__paired_unit__path__in=paths)
        teams = TeamMember.objects.filter(Q(team__in=own) | paired, team__campaign=campaign).values("user_id")
    return (
        User.objects.filter(Q(pk__in=local) | Q(pk__in=teams), is_active=True)
        .exclude(pk=actor.pk)
        .order_by("full_name", "username")
    )
