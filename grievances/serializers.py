"""Input and output shapes of the ledger API."""

from rest_framework import serializers

from campaigns.models import Campaign, OrgUnit

from .models import Grievance, GrievanceCategory, GrievanceEvent, ImportJob, Kind, Source, Tier

MAX_ID = 2**63 - 1  # the largest database key; bigger numbers would overflow the query


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = GrievanceCategory
        fields = ["id", "code", "name", "parent", "default_department"]


class GrievanceSerializer(serializers.ModelSerializer):
    overdue = serializers.BooleanField(read_only=True, default=False)
    plan_overdue = serializers.BooleanField(read_only=True, default=False)
    remaining_days = serializers.IntegerField(read_only=True, allow_null=True, default=None)
    plan_remaining_days = serializers.IntegerField(read_only=True, allow_null=True, default=None)
    handling_unit = serializers.PrimaryKeyRelatedField(read_only=True)
    handling_unit_name = serializers.CharField(source="handling_unit.name", read_only=True, default="")
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Grievance
        fields = [
            "id",
            "status",
            "status_label",
            "kind",
            "tier",
            "source",
            "category",
            "category_name",
            "content",
            "reporter_name",
            "household",
            "campaign",
            "unit",
            "unit_name",
            "handling_unit",
            "handling_unit_name",
            "case_owner",
            "registered_at",
            "plan_due_at",
            "due_at",
            "overdue",
            "plan_overdue",
            "remaining_days",
            "plan_remaining_days",
            "deadline_provisional",
            "extension_state",
            "extension_days",
            "proposed_solution",
            "result",
            "resolved_level",
            "satisfaction",
            "merged_into",
            "external_ref",
            "version",
        ]
        read_only_fields = fields


class GrievanceCreateSerializer(serializers.Serializer):
    content = serializers.CharField()
    kind = serializers.ChoiceField(choices=Kind.choices, default=Kind.PROBLEM)
    category = serializers.PrimaryKeyRelatedField(queryset=GrievanceCategory.objects.filter(is_active=True))
    source = serializers.ChoiceField(choices=Source.choices, default=Source.VISIT)
    tier = serializers.ChoiceField(choices=Tier.choices, default=Tier.GENERAL)
    household = serializers.IntegerField(required=False, allow_null=True)
    reporter_name = serializers.CharField(required=False, allow_blank=True, max_length=50, default="")
    reporter_phone = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")
    proposed_solution = serializers.CharField(required=False, allow_blank=True, default="")
    campaign = serializers.PrimaryKeyRelatedField(queryset=Campaign.objects.all(), required=False, allow_null=True)
    unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all(), required=False, allow_null=True)
    registered_at = serializers.DateTimeField(required=False, allow_null=True)


class GrievanceCreatedSerializer(GrievanceSerializer):
    duplicates = serializers.SerializerMethodField()

    class Meta(GrievanceSerializer.Meta):
        fields = [*GrievanceSerializer.Meta.fields, "duplicates"]
        read_only_fields = fields

    def get_duplicates(self, obj) -> list[dict]:
        return [
            {"id": g.pk, "content": g.content[:60], "status": g.status, "similarity": g.similarity}
            for g in getattr(obj, "duplicates", [])
        ]


class GrievanceUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    content = serializers.CharField(required=False)
    category = serializers.PrimaryKeyRelatedField(queryset=GrievanceCategory.objects.all(), required=False)
    reporter_name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    reporter_phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    proposed_solution = serializers.CharField(required=False, allow_blank=True)
    is_typical = serializers.BooleanField(required=False)
    source = serializers.ChoiceField(choices=Source.choices, required=False)
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)


class TransitionOptionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    required = serializers.ListField(child=serializers.CharField())
    optional = serializers.ListField(child=serializers.CharField())


class TransitionRequestSerializer(serializers.Serializer):
    name = serializers.CharField()
    version = serializers.IntegerField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True)
    handling_unit = serializers.IntegerField(required=False)
    case_owner = serializers.IntegerField(required=False)
    proposed_solution = serializers.CharField(required=False)
    result = serializers.CharField(required=False)
    evidence = serializers.ListField(child=serializers.FileField(), required=False)
    satisfaction = serializers.CharField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    tier = serializers.CharField(required=False)
    days = serializers.IntegerField(required=False)
    into = serializers.IntegerField(required=False)


class MergeRequestSerializer(serializers.Serializer):
    sources = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), allow_empty=False, max_length=500
    )
    version = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=MAX_ID)
    note = serializers.CharField(required=False, allow_blank=True)


class EventSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.display_name", read_only=True, default="")

    class Meta:
        model = GrievanceEvent
        fields = [
            "id",
            "grievance",
            "action",
            "from_status",
            "to_status",
            "note",
            "data",
            "actor",
            "actor_name",
            "created_at",
        ]


class LedgerUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class LedgerImportJobSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportJob
        fields = ["id", "file_name", "state", "rows", "errors", "created_count", "created_at", "confirmed_at"]
        read_only_fields = fields
