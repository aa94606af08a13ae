"""API shapes. Personal data is masked here, from the queryset's `personal_ok` annotation."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.lib.masking import mask_id_number, mask_phone
from campaigns.models import VisitMode
from grievances.models import Kind as GrievanceKind

from .models import (
    EVENT_KIND_CHOICES,
    Assignment,
    AssignmentKind,
    EventReport,
    HardshipPlan,
    Household,
    HouseholdKind,
    ImportJob,
    Visit,
)

MAX_ID = 2**63 - 1  # the largest database key; bigger ids would overflow an "in" query


def may_see_personal(obj):
    return bool(getattr(obj, "personal_ok", False))


class HardshipPlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = HardshipPlan
        fields = ["situation", "measures", "responsible", "responsible_user", "review_date", "updated_at"]
        read_only_fields = ["updated_at"]


class HouseholdSerializer(serializers.ModelSerializer):
    grid = serializers.CharField(source="grid.code", read_only=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    id_number = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    categories = serializers.SerializerMethodField()
    is_visited = serializers.SerializerMethodField()
    is_mine = serializers.SerializerMethodField()
    personal_masked = serializers.SerializerMethodField()
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
        ]

    def get_id_number(self, obj) -> str:
        return obj.id_number if may_see_personal(obj) else mask_id_number(obj.id_number)

    def get_phone(self, obj) -> str:
        return obj.phone if may_see_personal(obj) else mask_phone(obj.phone)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_categories(self, obj):
        return [c.name for c in obj.categories.all()]

    def get_is_visited(self, obj) -> bool | None:
        return getattr(obj, "is_visited", None)

    def get_is_mine(self, obj) -> bool:
        return bool(getattr(obj, "is_mine", False))

    def get_personal_masked(self, obj) -> bool:
        return not may_see_personal(obj)


class HouseholdWriteSerializer(serializers.Serializer):
    grid = serializers.CharField(help_text="网格编码")
    head_name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200)
    members_count = serializers.IntegerField(min_value=1, max_value=99, default=1)
    kind = serializers.ChoiceField(choices=HouseholdKind.choices, default=HouseholdKind.HOUSEHOLD)
    categories = serializers.ListField(child=serializers.CharField(), required=False, help_text="重点类别编码或名称")
    is_hardship = serializers.BooleanField(default=False)


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


class AssignmentSerializer(serializers.ModelSerializer):
    household_name = serializers.CharField(source="household.head_name", read_only=True)
    household_address = serializers.CharField(source="household.address", read_only=True)
    grid = serializers.CharField(source="household.grid.code", read_only=True)
    visitor_name = serializers.CharField(source="visitor.display_name", read_only=True)
    replace = serializers.BooleanField(write_only=True, required=False, default=False, help_text="改派：替换已有走访人")
    kind = serializers.ChoiceField(choices=AssignmentKind.choices)

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
            "replace",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        # Uniqueness is the service's job (a clear Chinese 409), not DRF's generic validator.
        validators = []


class AssignmentUpdateSerializer(serializers.Serializer):
    visitor = serializers.IntegerField()


class BulkAssignSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    households = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1)
    visitor = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=AssignmentKind.choices, default=AssignmentKind.GRID)
    team = serializers.IntegerField(required=False, allow_null=True)
    replace = serializers.BooleanField(default=False)


class ConflictCheckSerializer(serializers.Serializer):
    conflicts = serializers.ListField(child=serializers.DictField())
    message = serializers.CharField()


class ProposeSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()


class ProposeResultSerializer(serializers.Serializer):
    created = serializers.DictField(child=serializers.IntegerField())


class InlineGrievanceSerializer(serializers.Serializer):
    content = serializers.CharField()
    category = serializers.IntegerField(required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=GrievanceKind.choices, default="problem")


class VisitInputSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    client_id = serializers.UUIDField()
    visited_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField(min_value=1, max_value=600)
    mode = serializers.ChoiceField(choices=VisitMode.choices, default=VisitMode.IN_PERSON)
    mode_reason = serializers.CharField(required=False, allow_blank=True, default="")
    answers = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False, default=dict)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    campaign = serializers.IntegerField(required=False, allow_null=True)
    co_visitors = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, default=list
    )
    grievances = InlineGrievanceSerializer(many=True, required=False, default=list)


class VisitSerializer(serializers.ModelSerializer):
    photos = serializers.SerializerMethodField()
    grievances = serializers.SerializerMethodField()
    visitor_name = serializers.CharField(source="visitor.display_name", read_only=True)

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
            "photos",
            "grievances",
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


class PhotoUploadSerializer(serializers.Serializer):
    image = serializers.ImageField()


class EventReportSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=EVENT_KIND_CHOICES)
    to_grievance = serializers.BooleanField(write_only=True, default=False)
    category = serializers.IntegerField(write_only=True, required=False, allow_null=True)
    grievance = serializers.SerializerMethodField()

    class Meta:
        model = EventReport
        fields = ["id", "campaign", "household", "reporter", "kind", "description", "reported_at"]
        fields += ["to_grievance", "category", "grievance"]
        read_only_fields = ["campaign", "reporter", "reported_at"]

    def get_grievance(self, obj) -> int | None:
        g = getattr(obj, "grievance", None)
        return g.pk if g is not None else None


class CoverageRowSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit.pk")
    unit_name = serializers.CharField(source="unit.name")
    total = serializers.IntegerField()
    assigned = serializers.IntegerField()
    visited = serializers.IntegerField()
    focus_total = serializers.IntegerField()
    focus_visited = serializers.IntegerField()
    too_short = serializers.IntegerField()
    rate = serializers.FloatField()
    focus_rate = serializers.FloatField()


class CoverageTeamSerializer(serializers.Serializer):
    team = serializers.IntegerField(source="team.pk")
    team_name = serializers.CharField(source="team.name")
    quota = serializers.IntegerField()
    assigned = serializers.IntegerField()
    visited = serializers.IntegerField()
    too_short = serializers.IntegerField()
    rate = serializers.FloatField()


class CoverageTotalSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    assigned = serializers.IntegerField()
    visited = serializers.IntegerField()
    focus_total = serializers.IntegerField()
    focus_visited = serializers.IntegerField()
    too_short = serializers.IntegerField()
    rate = serializers.FloatField()
    focus_rate = serializers.FloatField()


class CoverageSerializer(serializers.Serializer):
    campaign = serializers.IntegerField(source="campaign.pk")
    unit = serializers.IntegerField(source="unit.pk", allow_null=True)
    unit_name = serializers.CharField(source="unit.name", allow_null=True)
    total = CoverageTotalSerializer()
    rows = CoverageRowSerializer(many=True)
    teams = CoverageTeamSerializer(many=True)
