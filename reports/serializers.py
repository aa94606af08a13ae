"""Input and output shapes of the reports API."""

from django.urls import reverse
from django.utils.functional import lazy
from django.utils.text import format_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.api_base import ScopedRelatedField
from campaigns.lib.uploads import UploadValidator
from campaigns.models import Campaign, OrgUnit
from grievances.models import Grievance
from visits.models import Household

from .choices import ViolationKind
from .models import CardDistribution, ReportJob, SummaryDocument, Talk, Violation

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
    level_name = serializers.CharField(help_text="该单位层级在本系统中的名称（如 镇、村、村民小组、楼组）")
    households_total = serializers.IntegerField(help_text="农户（家庭户）数，同 households_homes")
    households_homes = serializers.IntegerField(help_text="农户（家庭户）数：走访覆盖率的分母")
    households_visited = serializers.IntegerField(help_text="已走访的农户（家庭户）数")
    targets_total = serializers.IntegerField(help_text="全部走访对象（家庭、企业、学校、商铺、其他）")
    targets_visited = serializers.IntegerField()
    focus_households_total = serializers.IntegerField(help_text="重点户（任一重点类别，只计一次）")
    focus_households_visited = serializers.IntegerField()
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
    followed_up = serializers.IntegerField(help_text="已回访（记录了群众评价）")
    satisfied = serializers.IntegerField(help_text="满意（不含基本满意）")
    basically_satisfied = serializers.IntegerField(help_text="基本满意")
    not_satisfied = serializers.IntegerField(help_text="不满意")
    resolution_rate = serializers.FloatField(allow_null=True)
    response_rate = serializers.FloatField(allow_null=True)
    satisfaction_rate = serializers.FloatField(allow_null=True)
    answer_rate = serializers.FloatField(allow_null=True)
    focus_coverage_rate = serializers.FloatField(allow_null=True)
    adoption_rate = serializers.FloatField(allow_null=True)


# Each rate's numerator and denominator beside it (docs/figures.md).
for _rate in (
    "coverage_rate",
    "focus_coverage_rate",
    "resolution_rate",
    "answer_rate",
    "response_rate",
    "satisfaction_rate",
    "adoption_rate",
):
    for _part in ("numerator", "denominator"):
        ChildFiguresSerializer._declared_fields[f"{_rate}_{_part}"] = serializers.IntegerField(
            help_text=f"{_rate} 的{'分子' if _part == 'numerator' else '分母'}"
        )


class OpinionGroupSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="hardship 生产生活困难；demands 诉求；government 对党委政府；conduct 对干部作风"
    )
    name = serializers.CharField()
    grievances_total = serializers.IntegerField()
    problems_total = serializers.IntegerField()
    grievances_solved = serializers.IntegerField()
    problems_explained = serializers.IntegerField()
    problems_in_progress = serializers.IntegerField()
    grievances_overdue = serializers.IntegerField()
    suggestions_total = serializers.IntegerField()
    suggestions_adopted = serializers.IntegerField()
    resolution_rate = serializers.FloatField(allow_null=True)


class HandlingRateRowSerializer(serializers.Serializer):
    unit = serializers.IntegerField(required=False)
    name = serializers.CharField(required=False)
    routed = serializers.IntegerField(help_text="交办（有签收时限）")
    signed_in_time = serializers.IntegerField(help_text="按时签收")
    answered = serializers.IntegerField(help_text="已答复")
    answered_on_time = serializers.IntegerField(help_text="按期答复")
    returns = serializers.IntegerField(help_text="退单次数")
    paused_entries = serializers.IntegerField(help_text="中止过计时的条目")
    response_rate = serializers.FloatField(
        allow_null=True, help_text="响应率 = 按时签收 ÷ 交办（0–1 的小数；不同于顶层的回应率 response_rate）"
    )
    on_time_rate = serializers.FloatField(allow_null=True, help_text="按时办结率 = 按期答复 ÷ 已答复（0–1 的小数）")
    avg_working_days_to_answer = serializers.FloatField(allow_null=True, help_text="平均办理工作日（不计中止）")


class HandlingRatesSerializer(serializers.Serializer):
    by_handling_unit = HandlingRateRowSerializer(many=True, help_text="按责任单位")
    by_unit = HandlingRateRowSerializer(many=True, help_text="按下级单位（本级为该单位自身）")
    totals = HandlingRateRowSerializer(help_text="合计")


class PetitionCountsRowSerializer(serializers.Serializer):
    unit = serializers.IntegerField(required=False)
    name = serializers.CharField(required=False)
    receptions = serializers.IntegerField(help_text="领导接访日")
    appointments = serializers.IntegerField(help_text="领导约访")
    visits_down = serializers.IntegerField(help_text="带案下访")
    visitors = serializers.IntegerField(help_text="登记人次")
    settled = serializers.IntegerField(help_text="息访")
    backlog = serializers.IntegerField(help_text="信访积案")
    skipped_level = serializers.IntegerField(help_text="越级信访")


class PetitionCountsSerializer(serializers.Serializer):
    by_unit = PetitionCountsRowSerializer(many=True)
    totals = PetitionCountsRowSerializer()


class StatsSerializer(ChildFiguresSerializer):
    """The dashboard figures (documented subset; the body carries every figure of the selector)."""

    id = None
    name = None
    level = None
    level_name = None
    children = ChildFiguresSerializer(many=True)
    generated_at = serializers.DateTimeField(help_text="统计时间")
    rolled_up_at = serializers.DateTimeField(
        allow_null=True, help_text="汇总表更新时间（每分钟更新；为空表示实时统计，如指定了日期范围）"
    )
    opinion_groups = OpinionGroupSerializer(many=True, help_text="群众意见四类（seeds/000），合计等于问题建议总数")
    handling_rates = HandlingRatesSerializer(help_text="接诉即办三率（docs/figures.md）")
    petitions = PetitionCountsSerializer(help_text="信访工作：接访、约访、带案下访、息访、积案、越级")


class ReportJobSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()
    org_unit_name = serializers.CharField(source="org_unit.name", read_only=True)
    campaign_name = serializers.CharField(source="campaign.name", read_only=True)

    class Meta:
        model = ReportJob
        fields = [
            "id",
            "kind",
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
    evidence_file = serializers.FileField(
        write_only=True,
        required=False,
        validators=[UploadValidator("violation", field="evidence_file", label="佐证材料")],
    )
    evidence_url = serializers.SerializerMethodField()
    cites_url = serializers.SerializerMethodField(help_text="所依据的问题或走访对象页面")

    def get_cites_url(self, obj) -> str | None:
        if obj.grievance_id:
            return reverse("grievances:detail", args=[obj.grievance_id])
        if obj.household_id:
            return reverse("visits:household", args=[obj.household_id])
        return None

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
            "cites_url",
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
    level = serializers.CharField(help_text="street（街道/镇，计其全部辖区）或 community（社区/村）")
    level_name = serializers.CharField(help_text="该层级在本系统中的名称")
    confirmed = serializers.IntegerField()
    candidates = serializers.IntegerField()
    weight = serializers.IntegerField(help_text="本活动在年度千分制考核中的分值")
    deducted = serializers.IntegerField(help_text="已扣分（扣完为止）")
    score = serializers.IntegerField(help_text="得分：分值减确认违规数，最低为0")
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


class SummaryCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    unit_name = serializers.CharField(source="unit.name")
    category_name = serializers.CharField(source="category.name")
    content = serializers.CharField()


class SummaryDocumentSerializer(serializers.ModelSerializer):
    """A summary document: the narrative (placeholders such as 【已解决】 are filled in the PDF),
    the 落款, and the typical cases chosen from the ledger."""

    org_unit_name = serializers.CharField(source="org_unit.name", read_only=True)
    campaign_name = serializers.CharField(source="campaign.name", read_only=True)
    cases = SummaryCaseSerializer(many=True, read_only=True)

    class Meta:
        model = SummaryDocument
        fields = [
            "id",
            "campaign",
            "campaign_name",
            "org_unit",
            "org_unit_name",
            "start",
            "end",
            "title",
            "issuing_body",
            "signed_on",
            "basic_situation",
            "practices",
            "results",
            "cases",
            "problems",
            "next_steps",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SummaryDocumentUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, max_length=120)
    issuing_body = serializers.CharField(required=False, max_length=80)
    signed_on = serializers.DateField(required=False)
    basic_situation = serializers.CharField(required=False, allow_blank=True)
    practices = serializers.CharField(required=False, allow_blank=True)
    results = serializers.CharField(required=False, allow_blank=True)
    problems = serializers.CharField(required=False, allow_blank=True)
    next_steps = serializers.CharField(required=False, allow_blank=True)
    cases = ScopedRelatedField(
        queryset=Grievance.objects.all(), many=True, required=False, help_text="典型案例：本单位已答复问题的ID"
    )

    def validate(self, attrs):
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError({k: ["不可修改的字段"] for k in sorted(unknown)})
        return attrs


class TalkPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class TalkSerializer(serializers.ModelSerializer):
    """A 约谈 of a community: who it names (包村居干部, “两委” members) and its holding."""

    campaign = campaign_field()
    unit = ScopedRelatedField(queryset=OrgUnit.objects.all(), action="inspect", help_text="社区/村ID")
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    people = TalkPersonSerializer(many=True, read_only=True)

    class Meta:
        model = Talk
        fields = [
            "id",
            "campaign",
            "unit",
            "unit_name",
            "people",
            "confirmed",
            "held_on",
            "held_by",
            "notes",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["confirmed", "recorded_by", "created_at"]
        # Opening a community's 约谈 twice (a double submit, two inspectors) answers the one
        # already open: the service finds it under a lock, so no unique-together refusal here.
        validators = []


class TalkHeldSerializer(serializers.Serializer):
    held_on = serializers.DateField(help_text="约谈日期")
    held_by = serializers.CharField(max_length=100, help_text="约谈人")
    notes = serializers.CharField(required=False, allow_blank=True, default="", help_text="约谈情况")
