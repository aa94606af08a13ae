from rest_framework import serializers

from .access import scope
from .models import (
    Campaign,
    CampaignPhase,
    ChecklistItem,
    DeadlineTier,
    FocusCategory,
    Membership,
    OrgUnit,
    Phase,
    Team,
    User,
)


class OrgUnitSerializer(serializers.ModelSerializer):
    level_display = serializers.SerializerMethodField()

    class Meta:
        model = OrgUnit
        fields = ["id", "code", "name", "parent", "level", "level_display", "depth", "address", "phone", "is_active"]
        read_only_fields = fields  # the tree is edited in the admin screens, never through this shape

    def get_level_display(self, obj) -> str:
        labels = self.context.get("level_labels")
        return (labels or {}).get(obj.level) or obj.get_level_display()


class MembershipSerializer(serializers.ModelSerializer):
    unit = OrgUnitSerializer(read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Membership
        fields = ["role", "role_display", "unit", "is_party_leader"]


class MeSerializer(serializers.ModelSerializer):
    memberships = MembershipSerializer(many=True, read_only=True)
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "phone", "post", "is_superuser", "roles", "memberships"]
        read_only_fields = fields  # nobody grants themself a role or superuser through their own profile

    def get_roles(self, obj) -> list[str]:
        return sorted(scope(obj).roles)


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
            "teams",
        ]
        read_only_fields = fields  # campaigns are managed in the admin screens (the "manage" rule)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


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
