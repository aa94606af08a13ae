"""API shapes of the yearly evaluation. Every id is resolved through the acting user's scope."""

from rest_framework import serializers

from campaigns.api_base import ScopedRelatedField
from campaigns.models import Campaign, OrgUnit, Team, User

from .choices import RaterKind, Scale
from .models import Evaluation, Question, Questionnaire


class QuestionSerializer(serializers.ModelSerializer):
    scale = serializers.ChoiceField(choices=Scale.choices, default=Scale.FIVE)

    class Meta:
        model = Question
        fields = ["id", "text", "scale", "order"]
        read_only_fields = ["order"]


class QuestionnaireSerializer(serializers.ModelSerializer):
    campaign = ScopedRelatedField(queryset=Campaign.objects.all(), action="manage")
    rater_kind = serializers.ChoiceField(choices=RaterKind.choices)
    questions = QuestionSerializer(many=True)

    class Meta:
        model = Questionnaire
        fields = ["id", "campaign", "title", "rater_kind", "questions", "created_at"]
        read_only_fields = ["created_at"]


class EvaluationSerializer(serializers.ModelSerializer):
    """One rater's answers: `answers` maps each question id to a number on its scale (1–5, or
    3 满意 / 2 基本满意 / 1 不满意). Name the target that the questionnaire's rater kind rates."""

    questionnaire = ScopedRelatedField(queryset=Questionnaire.objects.all())
    target_team = ScopedRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)
    target_unit = ScopedRelatedField(queryset=OrgUnit.objects.all(), required=False, allow_null=True)
    target_user = ScopedRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
    answers = serializers.DictField(child=serializers.IntegerField())
    target_name = serializers.SerializerMethodField()

    class Meta:
        model = Evaluation
        fields = ["id", "questionnaire", "target_team", "target_unit", "target_user", "target_name", "unit"]
        fields += ["rater_name", "answers", "created_at"]
        read_only_fields = ["unit", "created_at"]

    def get_target_name(self, obj) -> str:
        return str(obj.target)


class QuestionMeanSerializer(serializers.Serializer):
    question = serializers.IntegerField()
    text = serializers.CharField()
    mean = serializers.FloatField(allow_null=True)


class ResultSerializer(serializers.Serializer):
    target_id = serializers.IntegerField()
    target_name = serializers.CharField()
    responses = serializers.IntegerField()
    score = serializers.FloatField()
    questions = QuestionMeanSerializer(many=True)
