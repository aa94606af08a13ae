"""API shapes of the liaison network. Every id a body names goes through the caller's scope."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.api_base import ScopedRelatedField
from campaigns.choices import Level
from campaigns.models import OrgUnit, Team, User
from grievances.models import Grievance
from grievances.models import Kind as GrievanceKind
from visits.models import Household
from visits.serializers import CategoryField

from .choices import Background, MeetingKind, ReportKind
from .models import BoxOpening, DailySummary, Liaison, LiaisonGroup, LiaisonReport, MapJob, Meeting


def _person(user):
    return {"id": user.pk, "name": user.display_name} if user is not None else None


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PartyLinkSerializer(serializers.Serializer):
    member = ScopedRelatedField(queryset=User.objects.filter(is_active=True), help_text="联户党员账号ID")
    households = ScopedRelatedField(
        queryset=Household.objects.all(), many=True, required=False, help_text="联系的农户ID"
    )


class LiaisonGroupSerializer(serializers.ModelSerializer):
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    village = serializers.CharField(source="grid.parent.name", read_only=True)
    leader = serializers.SerializerMethodField()
    members = serializers.SerializerMethodField()
    party_members = serializers.SerializerMethodField()
    households_count = serializers.IntegerField(read_only=True, default=0, help_text="农户数")
    hardship_count = serializers.IntegerField(read_only=True, default=0, help_text="困难户数")
    party_count = serializers.IntegerField(read_only=True, default=0, help_text="联户党员数")

    class Meta:
        model = LiaisonGroup
        fields = ["id", "grid", "grid_name", "village", "leader", "members", "party_members"]
        fields += ["households_count", "hardship_count", "party_count", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_leader(self, obj):
        return _person(obj.leader)

    @extend_schema_field(PersonSerializer(many=True))
    def get_members(self, obj):
        return [_person(u) for u in obj.members.all()]

    @extend_schema_field(PersonSerializer(many=True))
    def get_party_members(self, obj):
        return [_person(link.member) for link in obj.party_links.all()]


class LiaisonGroupWriteSerializer(serializers.Serializer):
    grid = ScopedRelatedField(queryset=OrgUnit.objects.filter(level=Level.GRID), help_text="村（居）民小组ID")
    leader = ScopedRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True, help_text="组长账号ID"
    )
    members = ScopedRelatedField(
        queryset=User.objects.filter(is_active=True), many=True, required=False, help_text="成员账号ID"
    )
    party_links = PartyLinkSerializer(many=True, required=False, help_text="联户党员及其联系农户")


class LiaisonSerializer(serializers.ModelSerializer):
    grid = ScopedRelatedField(queryset=OrgUnit.objects.filter(level=Level.GRID), help_text="村（居）民小组ID")
    user = ScopedRelatedField(queryset=User.objects.filter(is_active=True), help_text="联络员账号ID")
    background = serializers.ChoiceField(choices=Background.choices)
    user_name = serializers.CharField(source="user.display_name", read_only=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True)

    class Meta:
        model = Liaison
        fields = ["id", "grid", "grid_name", "user", "user_name", "background", "certificate_no", "appointed_on"]
        fields += ["is_active"]
        read_only_fields = ["is_active"]


class SlipSerializer(serializers.Serializer):
    content = serializers.CharField(help_text="信件内容")
    category = CategoryField()
    kind = serializers.ChoiceField(choices=GrievanceKind.choices, default="problem")
    reporter_name = serializers.CharField(required=False, allow_blank=True, default="", help_text="反映人")


class BoxOpeningSerializer(serializers.ModelSerializer):
    unit = ScopedRelatedField(queryset=OrgUnit.objects.all(), help_text="设箱单位ID")
    slips = SlipSerializer(many=True, required=False, write_only=True, help_text="开箱所得信件，逐件登记为台账")
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = BoxOpening
        fields = ["id", "unit", "unit_name", "opened_at", "opened_by", "notes", "slips", "slips_count"]
        fields += ["grievances", "recorded_by", "created_at"]
        read_only_fields = ["slips_count", "grievances", "recorded_by", "created_at"]


class MeetingSerializer(serializers.ModelSerializer):
    unit = ScopedRelatedField(queryset=OrgUnit.objects.all(), help_text="召开单位ID")
    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    grievances = ScopedRelatedField(
        queryset=Grievance.objects.select_related("unit"), many=True, required=False, help_text="研究的台账ID"
    )
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "unit", "unit_name", "kind", "held_on", "chair", "attendees", "minutes", "grievances"]
        fields += ["recorded_by", "created_at"]
        read_only_fields = ["recorded_by", "created_at"]


class LiaisonReportSerializer(serializers.ModelSerializer):
    unit = ScopedRelatedField(queryset=OrgUnit.objects.all(), help_text="报送单位ID")
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    period = serializers.DateField(write_only=True, help_text="期间内任一日期")
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    is_late = serializers.BooleanField(read_only=True, help_text="晚于报送期限")
    submitted_by_name = serializers.CharField(source="submitted_by.display_name", read_only=True)

    class Meta:
        model = LiaisonReport
        fields = ["id", "unit", "unit_name", "kind", "period", "period_start", "period_end", "due_at", "content"]
        fields += ["figures", "submitted_by", "submitted_by_name", "submitted_at", "is_late"]
        read_only_fields = ["period_start", "period_end", "due_at", "figures", "submitted_by", "submitted_at"]


class SummaryItemSerializer(serializers.Serializer):
    reporter = serializers.CharField(required=False, allow_blank=True, default="", help_text="反映人")
    address = serializers.CharField(required=False, allow_blank=True, default="", help_text="地址")
    content = serializers.CharField(help_text="意见内容")
    suggestion = serializers.CharField(required=False, allow_blank=True, default="", help_text="处理建议")


class DailySummarySerializer(serializers.ModelSerializer):
    team = ScopedRelatedField(queryset=Team.objects.all(), help_text="工作组ID")
    items = SummaryItemSerializer(many=True, required=False, help_text="当日意见条目")
    team_name = serializers.CharField(source="team.name", read_only=True)

    class Meta:
        model = DailySummary
        fields = ["id", "team", "team_name", "day", "summary", "items", "submitted_by", "submitted_at"]
        read_only_fields = ["submitted_by", "submitted_at"]


class MapJobSerializer(serializers.ModelSerializer):
    unit = ScopedRelatedField(
        queryset=OrgUnit.objects.filter(level__in=[Level.STREET, Level.COMMUNITY]),
        help_text="乡镇（街道）或村（社区）ID",
    )
    download = serializers.SerializerMethodField()

    class Meta:
        model = MapJob
        fields = ["id", "unit", "status", "progress", "error", "created_at", "finished_at", "download"]
        read_only_fields = ["status", "progress", "error", "created_at", "finished_at"]

    def get_download(self, obj) -> str | None:
        from django.urls import reverse

        return reverse("liaison:map-download", args=[obj.pk]) if obj.status == MapJob.State.DONE else None
