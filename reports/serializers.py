"""Input and output shapes of the reports API."""

from django.urls import reverse
from django.utils.functional import lazy
from django.utils.text import format_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.api_base import ScopedRelatedField
from campaigns.models import Campaign, OrgUnit
from visits.models import Household

from .choices import ViolationKind
from .models import CardDistribution, ReportJob, Violation

OUTSIDE_CAMPAIGN = "该单位不在本次活动范围内"


def campaign_field(**kwargs):
    """A campaign the user can see (visible from below as well as above)."""
    return ScopedRelatedField(queryset=Campaign.objects.select_related("territory"), help_text="活动ID", **kwargs)


def report_unit_field(**kwargs):
    """A territorial unit whose figures, summaries and tables the user may read ("report")."""
    return ScopedRelatedField(queryset=OrgUnit.objects.territorial(), action="report", help_text="单位ID", **kwargs)


def check_in_campaign(attrs, field):
    """The unit in `field` lies in the campaign's territory (a 400 on that field otherwise)."""
    unit, campaign = attrs.get(field), attrs.get("campaign")
    if unit is not None and campaign is not None and not unit.path.startswith(campaign.territory.path):
        raise serializers.ValidationError({field: [OUTSIDE_CAMPAIGN]})


def check_range(attrs):
    if attrs.get("start") and attrs.get("end") and attrs["start"] > attrs["end"]:
        raise serializers.ValidationError({"end": ["结束日期不能早于开始日期"]})


class FigureQuerySerializer(serializers.Serializer):
    campaign = campaign_field()
    org_unit = report_unit_field()
    start = serializers.DateField(required=False, help_text="开始日期（含）")
    end = serializers.DateField(required=False, help_text="结束日期（含）")
    detail = serializers.BooleanField(required=False, default=True, help_text="是否包含分类、趋势、评分等明细")

    def validate(self, attrs):
        check_range(attrs)
        check_in_campaign(attrs, "org_unit")
        return attrs


class ChildFiguresSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    level = serializers.CharField()
    households_total = serializers.IntegerField()
    households_visited = serializers.IntegerField()
    coverage_rate = serializers.FloatField(allow_null=True)
    grievances_total = serializers.IntegerField()
    grievances_solved = serializers.IntegerField()
    grievances_overdue = serializers.IntegerField()
    problems_total = serializers.IntegerField()
    problems_explained = serializers.IntegerField()
    problems_answered = serializers.IntegerField()
    problems_in_progress = serializers.IntegerField()
    suggestions_total = serializers.IntegerField()
    suggestions_adopted = serializers.IntegerField()
    resolution_rate = serializers.FloatField(allow_null=True)
    response_rate = serializers.FloatField(allow_null=True)
    satisfaction_rate = serializers.FloatField(allow_null=True)


class StatsSerializer(ChildFiguresSerializer):
    """The dashboard figures (documented subset; the body carries every figure of the selector)."""

    id = None
    name = None
    level = None
    children = ChildFiguresSerializer(many=True)


class ReportJobSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()
    org_unit_name = serializers.CharField(source="org_unit.name", read_only=True)
    campaign_name = serializers.CharField(source="campaign.name", read_only=True)

    class Meta:
        model = ReportJob
        fields = [
            "id",
            "campaign",
            "campaign_name",
            "org_unit",
            "org_unit_name",
            "start",
            "end",
            "status",
            "progress",
            "error",
            "created_at",
            "finished_at",
            "download_url",
        ]
        read_only_fields = fields  # output only: a job is created through ReportJobCreateSerializer

    def get_download_url(self, obj) -> str | None:
        return f"/api/reports/{obj.pk}/download/" if obj.status == ReportJob.State.DONE else None


class ReportJobCreateSerializer(serializers.Serializer):
    campaign = campaign_field()
    org_unit = report_unit_field()
    start = serializers.DateField(required=False, allow_null=True)
    end = serializers.DateField(required=False, allow_null=True)

    def validate(self, attrs):
        check_range(attrs)
        check_in_campaign(attrs, "org_unit")
        return attrs


class ReportJobCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    progress = serializers.IntegerField()


@extend_schema_field(
    {
        "type": "string",
        "enum": ViolationKind.values,
        "description": format_lazy("违规类型（{}）", lazy(lambda: "、".join(map(str, ViolationKind.labels)), str)()),
    }
)
class ViolationKindField(serializers.ChoiceField):
    """Violation kinds, documented inline (the enum name "kind" is taken by other apps)."""

    def __init__(self, **kwargs):
        super().__init__(choices=ViolationKind.choices, **kwargs)


class ViolationSerializer(serializers.ModelSerializer):
    def get_evidence_url(self, obj) -> str | None:
        if not obj.evidence_file:
            return None
        return reverse("reports:violation-evidence", args=[obj.pk])

    campaign = campaign_field()
    # Recorded for a community/village (or its grid) the inspector may score.
    unit = ScopedRelatedField(queryset=OrgUnit.objects.all(), action="inspect", help_text="社区/村或网格ID")
    kind = ViolationKindField()
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    # Evidence is uploaded here but read back only through the access-checked download view.
    evidence_file = serializers.FileField(write_only=True, required=False)
    evidence_url = serializers.SerializerMethodField()

    class Meta:
        model = Violation
        fields = [
            "id",
            "campaign",
            "unit",
            "unit_name",
            "kind",
            "kind_label",
            "evidence",
            "evidence_file",
            "evidence_url",
            "status",
            "status_label",
            "source",
            "detector_key",
            "household",
            "grievance",
            "visitor",
            "recorded_by",
            "reviewed_by",
            "reviewed_at",
            "review_note",
            "created_at",
        ]
        read_only_fields = [
            "status",
            "source",
            "detector_key",
            "visitor",
            "recorded_by",
            "reviewed_by",
            "reviewed_at",
            "review_note",
            "created_at",
        ]
        extra_kwargs = {
            "household": {"read_only": True},
            "grievance": {"read_only": True},
        }

    def validate(self, attrs):
        check_in_campaign(attrs, "unit")
        return attrs


class ReviewSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DetectSerializer(serializers.Serializer):
    campaign = campaign_field()
    org_unit = ScopedRelatedField(
        queryset=OrgUnit.objects.all(), action="inspect", required=False, help_text="单位ID（不填则为活动区域）"
    )

    def validate(self, attrs):
        check_in_campaign(attrs, "org_unit")
        return attrs


class DetectResultSerializer(serializers.Serializer):
    created = serializers.DictField(child=serializers.IntegerField())


class ScoreSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    confirmed = serializers.IntegerField()
    candidates = serializers.IntegerField()
    score = serializers.IntegerField()
    talk = serializers.BooleanField(help_text="确认违规3起及以上：约谈")


class CardDistributionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CardDistribution
        fields = ["id", "campaign", "household", "distributed_at", "distributed_by"]
        read_only_fields = fields  # output only: cards are recorded through DistributeSerializer


class CardRateSerializer(serializers.Serializer):
    households = serializers.IntegerField()
    distributed = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class ExcelQuerySerializer(FigureQuerySerializer):
    month = serializers.RegexField(
        r"^[1-9]\d{3}-(0[1-9]|1[0-2])$", required=False, help_text="月份，如 2026-11（优先于起止日期）"
    )


class ScoresSerializer(serializers.Serializer):
    results = ScoreSerializer(many=True)
    talks = ScoreSerializer(many=True, help_text="约谈名单")


class CardHouseholdField(ScopedRelatedField):
    """A household the user can see, in a grid where they may hand out service cards."""

    def get_queryset(self):
        user = self.context["request"].user
        return super().get_queryset().filter(grid__in=OrgUnit.objects.actionable_by(user, "cards"))


class DistributeSerializer(serializers.Serializer):
    campaign = campaign_field()
    households = CardHouseholdField(
        queryset=Household.objects.select_related("grid"), many=True, allow_empty=False, max_length=5000
    )

    def validate(self, attrs):
        territory = attrs["campaign"].territory.path
        if any(not h.grid.path.startswith(territory) for h in attrs["households"]):
            raise serializers.ValidationError({"households": ["所选农户不在本次活动范围内"]})
        return attrs


class DistributedSerializer(serializers.Serializer):
    created = serializers.IntegerField()


class CardUnitField(ScopedRelatedField):
    """A grid or community whose cards the user hands out, or whose figures they read."""

    def get_queryset(self):
        from .cards import card_units

        return super().get_queryset().filter(pk__in=card_units(self.context["request"].user).values("pk"))


class CardQuerySerializer(serializers.Serializer):
    campaign = campaign_field()
    org_unit = CardUnitField(queryset=OrgUnit.objects.all(), help_text="网格或社区ID")

    def validate(self, attrs):
        check_in_campaign(attrs, "org_unit")
        return attrs
