from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .access import scope
from .choices import Level
from .models import (
    Campaign,
    CampaignPhase,
    ChecklistItem,
    DeadlineTier,
    FocusCategory,
    LevelTable,
    Membership,
    OrgUnit,
    Phase,
    Team,
    User,
)


class OrgUnitSerializer(serializers.ModelSerializer):
    level_display = serializers.SerializerMethodField(
        help_text="该单位层级的名称（本系统或其所在分支的叫法，如 镇、村、村民小组）"
    )

    class Meta:
        model = OrgUnit
        fields = ["id", "code", "name", "parent", "level", "level_display", "depth", "address", "phone", "is_active"]
        read_only_fields = fields  # the tree is edited in the admin screens, never through this shape

    def get_level_display(self, obj) -> str:
        table = self.context.get("level_table")
        if table is None:
            table = self.context["level_table"] = LevelTable.load()
        return table.of(obj)


class LevelNameSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices, help_text="层级代码")
    name = serializers.CharField(help_text="该层级在此单位所在分支的名称")


class MembershipSerializer(serializers.ModelSerializer):
    unit = OrgUnitSerializer(read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Membership
        fields = ["role", "role_display", "unit", "is_party_leader"]


class CampaignChoiceSerializer(serializers.ModelSerializer):
    """A campaign the user may switch to, as the switcher lists it."""

    phase_display = serializers.CharField(source="get_phase_display", read_only=True)
    territory_name = serializers.CharField(source="territory.name", read_only=True)

    class Meta:
        model = Campaign
        fields = ["id", "name", "year", "phase", "phase_display", "territory", "territory_name"]
        read_only_fields = fields


class MeSerializer(serializers.ModelSerializer):
    memberships = MembershipSerializer(many=True, read_only=True)
    roles = serializers.SerializerMethodField()
    current_campaign = serializers.SerializerMethodField(help_text="当前工作的走访活动ID（可用 ?campaign= 指定）")
    campaigns = serializers.SerializerMethodField(help_text="可切换的走访活动，当前的在前")

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "phone",
            "post",
            "is_superuser",
            "roles",
            "memberships",
            "current_campaign",
            "campaigns",
        ]
        read_only_fields = fields  # nobody grants themself a role or superuser through their own profile

    def get_roles(self, obj) -> list[str]:
        return sorted(scope(obj).roles)

    def get_current_campaign(self, obj) -> int | None:
        campaign = self.context.get("current_campaign")
        return campaign.pk if campaign is not None else None

    @extend_schema_field(CampaignChoiceSerializer(many=True))
    def get_campaigns(self, obj):
        return CampaignChoiceSerializer(self.context.get("campaigns", []), many=True).data


class PhaseSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = CampaignPhase
        fields = ["kind", "label", "start", "end"]


class ChecklistItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = ["id", "order", "area", "question"]


class TierSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeadlineTier
        fields = ["code", "label", "working_days"]


class FocusCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = FocusCategory
        fields = ["id", "code", "name"]


class TeamSerializer(serializers.ModelSerializer):
    members = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = ["id", "name", "unit", "paired_unit", "quota", "members"]

    def get_members(self, obj) -> list[dict]:
        return [
            {"id": m.user_id, "name": m.user.display_name, "is_leader": m.is_leader} for m in obj.teammember_set.all()
        ]


class CampaignSerializer(serializers.ModelSerializer):
    phases = PhaseSerializer(many=True, read_only=True)
    focus_categories = FocusCategorySerializer(many=True, read_only=True)
    checklist = ChecklistItemSerializer(many=True, read_only=True)
    tiers = TierSerializer(many=True, read_only=True)
    teams = TeamSerializer(many=True, read_only=True)
    phase_display = serializers.CharField(source="get_phase_display", read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "territory",
            "year",
            "phase",
            "phase_display",
            "phases",
            "focus_categories",
            "checklist",
            "tiers",
            "min_visit_minutes",
            "allowed_modes",
            "assessment_weight",
            "teams",
        ]
        read_only_fields = fields  # campaigns are managed in the admin screens (the "manage" rule)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp = serializers.CharField(
        required=False, allow_blank=True, max_length=16, help_text="动态口令（已启用双因素认证的账户及管理员角色必填）"
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField(allow_null=True, help_text="令牌到期时间")


class TokenRevokeSerializer(serializers.Serializer):
    all = serializers.BooleanField(default=False, help_text="撤销本人的全部令牌（默认只撤销本次请求所用令牌）")


class TokenRevokedSerializer(serializers.Serializer):
    revoked = serializers.IntegerField()


class DueQuerySerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="ISO 8601 登记时间")
    days = serializers.IntegerField(min_value=0, max_value=1000, help_text="工作日数")


class DueResponseSerializer(serializers.Serializer):
    due = serializers.DateTimeField()
    provisional = serializers.BooleanField()


class SpanQuerySerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class SpanResponseSerializer(serializers.Serializer):
    working_days = serializers.IntegerField()
    provisional = serializers.BooleanField()


class PhaseSwitchSerializer(serializers.Serializer):
    phase = serializers.ChoiceField(choices=Phase.choices)


class CampaignPhaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = ["id", "name", "phase", "phase_locked"]
        read_only_fields = fields
