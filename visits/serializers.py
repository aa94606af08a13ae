"""API shapes. Personal data is masked here, from the queryset's `personal_ok` annotation.

Every id a request names is resolved through the acting user's scope (`ScopedRelatedField`,
`ScopedIdsField`, `VisitorField`): outside it reads exactly like a missing id. Input and output
shapes are separate wherever a model serializer would let a client set more than it should.
"""

from collections.abc import Mapping
from datetime import date

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils import html

from campaigns.api_base import MAX_ID, ClientIdField, ScopedRelatedField
from campaigns.choices import HOUSEHOLD_LEVELS, VisitMode
from campaigns.lib.masking import mask_id_number, mask_phone
from campaigns.lib.uploads import UploadValidator
from campaigns.models import Campaign, FocusCategory, OrgUnit, Team, User
from grievances.models import GrievanceCategory
from grievances.models import Kind as GrievanceKind

from .choices import EventKind, RevealReason, SupporterKind, SupportKind
from .models import (
    OUT_OF_SCOPE,
    VISIT_RULES,
    Assignment,
    AssignmentKind,
    EventReport,
    HardshipPlan,
    Household,
    HouseholdKind,
    ImportJob,
    Pairing,
    PlanChange,
    PlanReview,
    SupportRecord,
    Visit,
    VisitImportJob,
    assignable_visitors,
    standing_village_q,
)
from .validators import members_count_error


def may_see_personal(obj):
    return bool(getattr(obj, "personal_ok", False))


def _request_user(field):
    request = field.context.get("request")
    if request is None:
        raise ImproperlyConfigured(f"{type(field.parent).__name__} needs the request in its context")
    return request.user


class ScopedIdsField(serializers.ListField):
    """A list of ids resolved through the acting user's scope in one query (ScopedRelatedField
    would run one per id): a single id outside it refuses the list, worded like a missing one."""

    def __init__(self, *, queryset, action=None, **kwargs):
        self.queryset, self.access_action = queryset, action
        kwargs.setdefault("child", serializers.IntegerField(min_value=1, max_value=MAX_ID))  # the schema's shape
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if html.is_html_input(data):
            data = html.parse_html_list(data, default=[])
        if isinstance(data, str | Mapping) or not hasattr(data, "__iter__"):
            self.fail("not_a_list", input_type=type(data).__name__)
        if not self.allow_empty and len(data) == 0:
            self.fail("empty")
        ids = []
        for item in data:
            try:
                pk = int(item) if not isinstance(item, bool | float) else None
            except (TypeError, ValueError):
                pk = None
            if pk is None:
                raise serializers.ValidationError("应为数字编号")
            if not 0 < pk <= MAX_ID:
                raise serializers.ValidationError(OUT_OF_SCOPE)
            ids.append(pk)
        ids = list(dict.fromkeys(ids))
        user = _request_user(self)
        qs = (
            self.queryset.actionable_by(user, self.access_action)
            if self.access_action
            else self.queryset.visible_to(user)
        )
        found = {obj.pk: obj for obj in qs.filter(pk__in=ids)}
        if len(found) != len(ids):
            raise serializers.ValidationError(OUT_OF_SCOPE)
        return [found[pk] for pk in ids]

    def to_representation(self, data):
        return [obj.pk for obj in data]


class VisitorField(ScopedRelatedField):
    """A visitor's id: someone the actor may give households to (`assignable_visitors`). Whether
    they may visit the households named is the assignment service's question."""

    def __init__(self, **kwargs):
        super().__init__(queryset=User.objects.all(), **kwargs)

    def get_queryset(self):
        return assignable_visitors(_request_user(self))


class GridField(serializers.SlugRelatedField):
    """A grid named by its code, among the grids the user can see."""

    default_error_messages = {
        "does_not_exist": "网格编码不存在或不在您的管辖范围内",
        "invalid": "网格编码不存在或不在您的管辖范围内",
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", queryset=OrgUnit.objects.filter(level__in=HOUSEHOLD_LEVELS), **kwargs)

    def get_queryset(self):
        return super().get_queryset().visible_to(_request_user(self))

    def to_internal_value(self, data):
        if not isinstance(data, str) or "\x00" in data:  # PostgreSQL refuses NUL in a query
            self.fail("invalid")
        return super().to_internal_value(data)


def _team(attrs):
    """The `team` id of a body as a team of the body's campaign (a team elsewhere is unknown here)."""
    pk = attrs.get("team")
    if pk is None:
        return None
    team = Team.objects.filter(campaign=attrs["campaign"], pk=pk).first()
    if team is None:
        raise serializers.ValidationError({"team": ["所选工作组不存在或不属于该活动"]})
    return team


class PlanReviewSerializer(serializers.ModelSerializer):
    done_by = serializers.StringRelatedField()

    class Meta:
        model = PlanReview
        fields = ["id", "due_date", "done_at", "done_by", "outcome", "reminded_at"]
        read_only_fields = fields


class PlanChangeSerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField()
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = PlanChange
        fields = ["at", "actor", "kind", "kind_display", "changes"]
        read_only_fields = fields


class HardshipPlanSerializer(serializers.ModelSerializer):
    responsible_user = ScopedRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True, help_text="责任人账号ID"
    )
    review_dates = serializers.ListField(
        child=serializers.DateField(),
        required=False,
        write_only=True,
        max_length=24,
        help_text="复核日期（尚未复核的日期以此为准；已复核的保留）",
    )
    next_review_date = serializers.SerializerMethodField()
    reviews = PlanReviewSerializer(many=True, read_only=True)
    history = PlanChangeSerializer(source="changes", many=True, read_only=True)

    class Meta:
        model = HardshipPlan
        fields = [
            "situation",
            "measures",
            "responsible",
            "responsible_user",
            "review_dates",
            "next_review_date",
            "reviews",
            "history",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]

    def get_next_review_date(self, plan) -> date | None:
        review = plan.next_review
        return review.due_date if review else None


class PlanReviewDoneSerializer(serializers.Serializer):
    review = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="复核日期ID（reviews 中的 id）")
    outcome = serializers.CharField(max_length=2000, help_text="复核情况")


class HouseholdSerializer(serializers.ModelSerializer):
    grid = serializers.CharField(source="grid.code", read_only=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    id_number = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    categories = serializers.SerializerMethodField()
    is_visited = serializers.SerializerMethodField()
    is_mine = serializers.SerializerMethodField()
    personal_masked = serializers.SerializerMethodField(help_text="号码是否已隐藏（始终隐藏，完整号码经 reveal 查看）")
    can_reveal = serializers.SerializerMethodField(help_text="是否可说明原因后查看完整身份证号和电话")
    kind = serializers.ChoiceField(choices=HouseholdKind.choices, read_only=True)

    class Meta:
        model = Household
        fields = [
            "id",
            "grid",
            "grid_name",
            "head_name",
            "id_number",
            "phone",
            "address",
            "members_count",
            "kind",
            "categories",
            "is_hardship",
            "is_visited",
            "is_mine",
            "personal_masked",
            "can_reveal",
        ]

    # Masked for everyone, as the pages show them: the whole values come from POST …/reveal/ with a
    # reason, which is audited (`can_reveal` says whether the caller may ask).
    def get_id_number(self, obj) -> str:
        return mask_id_number(obj.id_number)

    def get_phone(self, obj) -> str:
        return mask_phone(obj.phone)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_categories(self, obj):
        return [c.name for c in obj.categories.all()]

    def get_is_visited(self, obj) -> bool | None:
        return getattr(obj, "is_visited", None)

    def get_is_mine(self, obj) -> bool:
        return bool(getattr(obj, "is_mine", False))

    def get_personal_masked(self, obj) -> bool:
        return True

    def get_can_reveal(self, obj) -> bool:
        return may_see_personal(obj)


class MembersCountField(serializers.IntegerField):
    def to_internal_value(self, data):
        if msg := members_count_error(data):
            raise serializers.ValidationError(msg)
        return super().to_internal_value(data)


class HalfWidthIntegerField(serializers.IntegerField):
    """int() takes "１２"; the product refuses full-width digits everywhere (campaigns.validators)."""

    def to_internal_value(self, data):
        if isinstance(data, str) and not data.strip().isascii():
            raise serializers.ValidationError("请使用半角数字（不要使用全角字符）")
        return super().to_internal_value(data)


class HouseholdWriteSerializer(serializers.Serializer):
    grid = GridField(help_text="网格编码")
    head_name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200)
    members_count = MembersCountField(min_value=1, max_value=99, default=1)
    kind = serializers.ChoiceField(choices=HouseholdKind.choices, default=HouseholdKind.HOUSEHOLD)
    categories = serializers.ListField(child=serializers.CharField(), required=False, help_text="重点类别编码或名称")
    is_hardship = serializers.BooleanField(default=False)

    def validate_categories(self, names):
        found = list(FocusCategory.objects.filter(code__in=names)) + list(FocusCategory.objects.filter(name__in=names))
        known = {c.code for c in found} | {c.name for c in found}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise serializers.ValidationError(f"重点类别“{unknown[0]}”不存在")
        return list({c.pk: c for c in found}.values())


class RosterUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField()
    message = serializers.CharField()


class RosterImportJobSerializer(serializers.ModelSerializer):
    errors = ImportErrorSerializer(many=True, read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "status",
            "original_name",
            "total_rows",
            "to_create",
            "to_update",
            "unchanged",
            "errors",
            "error_count",
            "progress",
            "message",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class VisitImportJobSerializer(serializers.ModelSerializer):
    """The roster job's fields, plus how many ledger entries the confirm registers."""

    errors = ImportErrorSerializer(many=True, read_only=True)
    to_update = serializers.IntegerField(read_only=True, help_text="补录从不修改已有走访记录，始终为0")
    unchanged = serializers.IntegerField(read_only=True, help_text="已导入过（同一农户同一走访时间）的行数")
    to_register = serializers.IntegerField(read_only=True, help_text="确认后登记为问题台账的条数")

    class Meta:
        model = VisitImportJob
        fields = [*RosterImportJobSerializer.Meta.fields[:-2], "to_register", "created_at", "finished_at"]
        read_only_fields = fields


class AssignmentSerializer(serializers.ModelSerializer):
    household_name = serializers.CharField(source="household.head_name", read_only=True)
    household_address = serializers.CharField(source="household.address", read_only=True)
    grid = serializers.CharField(source="household.grid.code", read_only=True)
    visitor_name = serializers.CharField(source="visitor.display_name", read_only=True)
    kind = serializers.ChoiceField(choices=AssignmentKind.choices, read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "campaign",
            "household",
            "household_name",
            "household_address",
            "grid",
            "visitor",
            "visitor_name",
            "kind",
            "team",
            "created_at",
        ]
        read_only_fields = fields


class AssignmentCreateSerializer(serializers.Serializer):
    campaign = ScopedRelatedField(queryset=Campaign.objects.all())
    household = ScopedRelatedField(queryset=Household.objects.select_related("grid"))
    visitor = VisitorField()
    kind = serializers.ChoiceField(choices=AssignmentKind.choices)
    team = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    replace = serializers.BooleanField(required=False, default=False, help_text="改派：替换已有走访人")

    def validate(self, attrs):
        return {**attrs, "team": _team(attrs)}


class AssignmentUpdateSerializer(serializers.Serializer):
    visitor = VisitorField()


class BulkAssignSerializer(serializers.Serializer):
    campaign = ScopedRelatedField(queryset=Campaign.objects.all())
    households = ScopedIdsField(queryset=Household.objects.select_related("grid"), min_length=1)
    visitor = VisitorField()
    kind = serializers.ChoiceField(choices=AssignmentKind.choices, default=AssignmentKind.GRID)
    team = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    replace = serializers.BooleanField(default=False)

    def validate(self, attrs):
        return {**attrs, "team": _team(attrs)}


class ConflictCheckSerializer(serializers.Serializer):
    conflicts = serializers.ListField(child=serializers.DictField())
    message = serializers.CharField()


class ProposeSerializer(serializers.Serializer):
    campaign = ScopedRelatedField(queryset=Campaign.objects.all())


class ProposeResultSerializer(serializers.Serializer):
    created = serializers.DictField(child=serializers.IntegerField())


class CategoryField(serializers.PrimaryKeyRelatedField):
    """A grievance category in use (categories are the installation's, not a unit's)."""

    default_error_messages = {"does_not_exist": "问题类别不存在", "incorrect_type": "应为数字编号"}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(queryset=GrievanceCategory.objects.filter(is_active=True), **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            pk = int(data)
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 0 < pk <= MAX_ID:  # a bigger number would overflow the query
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(pk)


class InlineGrievanceSerializer(serializers.Serializer):
    content = serializers.CharField()
    # Required here: the ledger refuses an entry without one, and the visit with it.
    category = CategoryField(
        required=True, allow_null=False, error_messages={"required": "请选择问题类别", "null": "请选择问题类别"}
    )
    kind = serializers.ChoiceField(choices=GrievanceKind.choices, default="problem")


class VisitInputSerializer(serializers.Serializer):
    household = ScopedRelatedField(queryset=Household.objects.select_related("grid"), allowed=VISIT_RULES)
    client_id = serializers.UUIDField()
    visited_at = serializers.DateTimeField()
    duration_minutes = HalfWidthIntegerField(min_value=1, max_value=600)
    mode = serializers.ChoiceField(choices=VisitMode.choices, default=VisitMode.IN_PERSON)
    mode_reason = serializers.CharField(required=False, allow_blank=True, default="")
    answers = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False, default=dict)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    campaign = ScopedRelatedField(queryset=Campaign.objects.all(), required=False, allow_null=True)
    standing = serializers.BooleanField(
        required=False, default=False, help_text="日常走访（民情联络网络成员，不计入活动覆盖）"
    )
    # Who may go along depends on the household and campaign: the visit service checks them.
    co_visitors = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, default=list
    )
    grievances = InlineGrievanceSerializer(many=True, required=False, default=list)
    latitude = serializers.FloatField(required=False, allow_null=True, default=None, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, allow_null=True, default=None, min_value=-180, max_value=180)
    accuracy_m = serializers.FloatField(required=False, allow_null=True, default=None, min_value=0)
    confirm_repeat = serializers.BooleanField(
        required=False, default=False, help_text="确认同一走访人一小时内再次登记同一户（否则答 409 repeat_visit）"
    )


class RegisteredEntrySerializer(serializers.Serializer):
    """A ledger entry a visit registered, with the deadlines the save message names."""

    id = serializers.IntegerField()
    content = serializers.CharField()
    status = serializers.CharField()
    plan_due_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)


class VisitSerializer(serializers.ModelSerializer):
    is_standing = serializers.BooleanField(read_only=True, help_text="日常走访：不属于任何活动")
    photos = serializers.SerializerMethodField()
    grievances = serializers.SerializerMethodField()
    registered_entries = serializers.SerializerMethodField(help_text="本次走访登记到台账的问题及其期限")
    visitor_name = serializers.CharField(source="visitor.display_name", read_only=True)
    distance_from_grid_m = serializers.FloatField(read_only=True, allow_null=True, help_text="与网格中心点的距离（米）")

    class Meta:
        model = Visit
        fields = [
            "id",
            "campaign",
            "household",
            "visitor",
            "visitor_name",
            "co_visitors",
            "client_id",
            "visited_at",
            "duration_minutes",
            "mode",
            "mode_reason",
            "answers",
            "notes",
            "too_short",
            "is_followup",
            "latitude",
            "longitude",
            "accuracy_m",
            "distance_from_grid_m",
            "is_standing",
            "photos",
            "photos_pending",
            "grievances",
            "registered_entries",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_photos(self, obj):
        from django.urls import reverse

        return [reverse("visits:photo", args=[p.pk]) for p in obj.photos.all()]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_grievances(self, obj):
        return [g.pk for g in obj.grievances.all()]

    @extend_schema_field(RegisteredEntrySerializer(many=True))
    def get_registered_entries(self, obj):
        rows = sorted(obj.grievances.all(), key=lambda g: g.pk)
        return RegisteredEntrySerializer(rows, many=True).data


class PhotoUploadSerializer(serializers.Serializer):
    image = serializers.FileField(validators=[UploadValidator("photo", field="image", label="照片")])


class ReportUnitField(ScopedRelatedField):
    """The unit of a 十必报 report: one the user sees, or a village (and its resident groups) of
    their liaison network."""

    def get_queryset(self):
        user = _request_user(self)
        network = OrgUnit.objects.filter(standing_village_q(user, "pk") | standing_village_q(user, "parent_id"))
        return OrgUnit.objects.filter(Q(pk__in=OrgUnit.objects.visible_to(user).values("pk")) | Q(pk__in=network))


class EventReportSerializer(serializers.ModelSerializer):
    household = ScopedRelatedField(
        queryset=Household.objects.select_related("grid"),
        required=False,
        allow_null=True,
        help_text="农户（区域事项可不填）",
    )
    unit = ReportUnitField(
        queryset=OrgUnit.objects.all(), required=False, help_text="所属单位：区域事项必填；填写农户时为其网格"
    )
    kind = serializers.ChoiceField(choices=EventKind.choices)
    to_grievance = serializers.BooleanField(write_only=True, default=False)
    category = CategoryField(write_only=True)
    grievance = serializers.SerializerMethodField()
    client_id = ClientIdField()

    class Meta:
        model = EventReport
        fields = ["id", "campaign", "household", "unit", "reporter", "kind", "description", "reported_at"]
        fields += ["to_grievance", "category", "grievance", "client_id"]
        read_only_fields = ["campaign", "reporter", "reported_at"]

    def get_grievance(self, obj) -> int | None:
        g = getattr(obj, "grievance", None)
        return g.pk if g is not None else None


class CoverageRowSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit.pk")
    unit_name = serializers.CharField(source="unit.name")
    level_name = serializers.CharField(help_text="该单位层级的名称（如 居民区、村民小组、楼组）")
    total = serializers.IntegerField()
    assigned = serializers.IntegerField()
    visited = serializers.IntegerField()
    focus_total = serializers.IntegerField()
    focus_visited = serializers.IntegerField()
    too_short = serializers.IntegerField()
    targets_total = serializers.IntegerField(help_text="走访对象（全部类型）")
    targets_visited = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="农户（家庭户）覆盖率，无户数时为空")
    focus_rate = serializers.FloatField(allow_null=True)


class CoverageTeamSerializer(serializers.Serializer):
    team = serializers.IntegerField(source="team.pk")
    team_name = serializers.CharField(source="team.name")
    quota = serializers.IntegerField()
    assigned = serializers.IntegerField()
    visited = serializers.IntegerField()
    too_short = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class CoverageTotalSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    assigned = serializers.IntegerField()
    visited = serializers.IntegerField()
    focus_total = serializers.IntegerField()
    focus_visited = serializers.IntegerField()
    too_short = serializers.IntegerField()
    targets_total = serializers.IntegerField(help_text="走访对象（全部类型）")
    targets_visited = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="农户（家庭户）覆盖率，无户数时为空")
    focus_rate = serializers.FloatField(allow_null=True)


class CoverageSerializer(serializers.Serializer):
    campaign = serializers.IntegerField(source="campaign.pk")
    unit = serializers.IntegerField(source="unit.pk", allow_null=True)
    unit_name = serializers.CharField(source="unit.name", allow_null=True)
    level_name = serializers.CharField(help_text="该单位层级的名称")
    total = CoverageTotalSerializer()
    rows = CoverageRowSerializer(many=True)
    teams = CoverageTeamSerializer(many=True)


class RevealSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=RevealReason.choices, help_text="查看原因")
    text = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="原因说明（“其他”必填）")

    def validate(self, attrs):
        if attrs["reason"] == RevealReason.OTHER and not attrs.get("text", "").strip():
            raise serializers.ValidationError({"text": "选择“其他”时请说明原因"})
        return attrs


class RevealedSerializer(serializers.Serializer):
    id_number = serializers.CharField()
    phone = serializers.CharField()


class PairingSerializer(serializers.ModelSerializer):
    """A 帮扶千千结 pairing. The household is chosen through its "pair" rule (office of its grid)."""

    household = ScopedRelatedField(queryset=Household.objects.all(), action="pair")
    household_name = serializers.CharField(source="household.head_name", read_only=True)
    supporter_kind = serializers.ChoiceField(choices=SupporterKind.choices)
    supporter_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    supporter_user = ScopedRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
    supporter_unit = ScopedRelatedField(queryset=OrgUnit.objects.all(), required=False, allow_null=True)
    records_count = serializers.SerializerMethodField()

    class Meta:
        model = Pairing
        fields = ["id", "household", "household_name", "supporter_kind", "supporter_name", "supporter_user"]
        fields += ["supporter_unit", "goal", "start_date", "end_date", "records_count", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def get_records_count(self, obj) -> int:
        return getattr(obj, "records_count", None) or obj.records.count()


class PairingUpdateSerializer(PairingSerializer):
    household = serializers.PrimaryKeyRelatedField(read_only=True)


class SupportRecordSerializer(serializers.ModelSerializer):
    pairing = ScopedRelatedField(queryset=Pairing.objects.all(), action="edit")
    kind = serializers.ChoiceField(choices=SupportKind.choices)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True)
    evidence = serializers.FileField(required=False, allow_null=True)
    client_id = ClientIdField()

    class Meta:
        model = SupportRecord
        fields = ["id", "pairing", "date", "kind", "amount", "note", "evidence", "created_at", "client_id"]
        read_only_fields = ["created_at"]


class PairingCoverageSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    paired = serializers.IntegerField()
    rate = serializers.FloatField()
