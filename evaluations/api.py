"""REST API of the yearly evaluation: questionnaires, evaluations and their results."""

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from campaigns.access import get_for
from campaigns.api_base import MAX_ID, ScopedGenericViewSet

from . import selectors, services
from .choices import TARGET_FIELD
from .models import Evaluation, Questionnaire
from .serializers import EvaluationSerializer, QuestionnaireSerializer, ResultSerializer


def _id_filter(field_name=None):
    return django_filters.NumberFilter(field_name=field_name, min_value=1, max_value=MAX_ID)


class QuestionnaireFilter(django_filters.FilterSet):
    campaign = _id_filter()

    class Meta:
        model = Questionnaire
        fields = ["campaign", "rater_kind"]


@extend_schema(tags=["evaluations"])
class QuestionnaireViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedGenericViewSet
):
    queryset = Questionnaire.objects.prefetch_related("questions").order_by("campaign_id", "id")
    serializer_class = QuestionnaireSerializer
    filterset_class = QuestionnaireFilter

    def perform_create(self, serializer):
        v = serializer.validated_data
        serializer.instance = services.create_questionnaire(
            actor=self.request.user,
            campaign=v["campaign"],
            title=v["title"],
            rater_kind=v["rater_kind"],
            questions=v["questions"],
        )


class EvaluationFilter(django_filters.FilterSet):
    questionnaire = _id_filter()

    class Meta:
        model = Evaluation
        fields = ["questionnaire"]


@extend_schema(tags=["evaluations"])
class EvaluationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedGenericViewSet
):
    queryset = Evaluation.objects.select_related("target_team", "target_unit", "target_user").order_by("-id")
    serializer_class = EvaluationSerializer
    filterset_class = EvaluationFilter

    def perform_create(self, serializer):
        v = serializer.validated_data
        q = v["questionnaire"]
        serializer.instance = services.record_evaluation(
            actor=self.request.user,
            questionnaire=q,
            target=v.get(TARGET_FIELD[q.rater_kind]),
            answers=v["answers"],
            rater_name=v.get("rater_name", ""),
        )

    @extend_schema(
        responses=ResultSerializer(many=True),
        parameters=[OpenApiParameter("questionnaire", OpenApiTypes.INT, required=True, description="问卷编号")],
    )
    @action(detail=False, methods=["get"])
    def results(self, request):
        """Per target in scope: the response count, the score (0–100) and each question's mean."""
        q = get_for(request.user, Questionnaire, pk=request.query_params.get("questionnaire"))
        return Response(ResultSerializer(selectors.results(request.user, q), many=True).data)
