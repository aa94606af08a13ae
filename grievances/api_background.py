"""API of the background work: look-back tasks, sweep runs, phase switches, supervision list."""

import django_filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from campaigns.api_base import (
    HoldsRule,
    ScopedModelChoiceFilter,
    ScopedReadOnlyViewSet,
)
from campaigns.models import Campaign, VisitMode

from . import followups, sweep
from .models import FollowUp, FollowUpKind, FollowUpStatus, NoticeLog, Satisfaction, SweepRun


class FollowUpSerializer(serializers.ModelSerializer):
    household_name = serializers.CharField(source="household.head_name", default="", read_only=True)
    address = serializers.CharField(source="household.address", default="", read_only=True)
    content = serializers.CharField(source="grievance.content", default="", read_only=True)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "kind",
            "grievance",
            "household",
            "household_name",
            "address",
            "content",
            "campaign",
            "assignee",
            "due_at",
            "status",
            "mode",
            "solved",
            "satisfaction",
            "notes",
            "new_needs",
            "recorded_at",
        ]
        read_only_fields = fields


class RecordSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=VisitMode.choices)
    solved = serializers.BooleanField()
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    new_needs = serializers.ListField(child=serializers.CharField(allow_blank=True), required=False, default=list)


class FollowUpFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=FollowUpStatus.choices)
    kind = django_filters.ChoiceFilter(choices=FollowUpKind.choices)
    campaign = ScopedModelChoiceFilter(queryset=Campaign.objects.all())

    class Meta:
        model = FollowUp
        fields = ["status", "kind", "campaign"]


class FollowUpViewSet(ScopedReadOnlyViewSet):
    """The caller's look-back tasks (回头看). `?scope=unit` lists those of the caller's units (office)."""

    queryset = FollowUp.objects.select_related("household", "grievance")
    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilter
    object_actions = {"record": "record"}

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action == "list" and self.request.query_params.get("scope") != "unit":
            queryset = queryset.assigned_to(self.request.user)
        return queryset

    @extend_schema(request=RecordSerializer, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        """Record the look-back: satisfied closes the entry, not satisfied reopens it."""
        fu = self.get_object()
        data = RecordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fu = followups.record_followup(actor=request.user, followup=fu, **data.validated_data)
        return Response(FollowUpSerializer(fu).data)


class MayStartSweeps(permissions.BasePermission):
    """Sweeps and their runs cover the whole tree: an admin of every unit, not of one street."""

    def has_permission(self, request, view):
        return SweepRun.objects.may_start(request.user)


class SweepRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = SweepRun
        fields = ["id", "kind", "as_of", "started_at", "finished_at", "counts", "queries", "failures", "error"]
        read_only_fields = fields


class SweepRunViewSet(ScopedReadOnlyViewSet):
    """Background runs for admins of the whole tree; POST run/ starts a deadline sweep now (in the worker)."""

    queryset = SweepRun.objects.all()
    serializer_class = SweepRunSerializer
    permission_classes = [permissions.IsAuthenticated, MayStartSweeps]
    filterset_fields = ["kind"]

    @extend_schema(request=None, responses=inline_serializer("SweepQueued", {"queued": serializers.BooleanField()}))
    @action(detail=False, methods=["post"])
    def run(self, request):
        from .tasks import sweep_deadlines

        sweep_deadlines.delay()
        return Response({"queued": True}, status=202)


class SupervisionSerializer(serializers.ModelSerializer):
    content = serializers.CharField(source="grievance.content", read_only=True)
    handling_unit = serializers.CharField(source="grievance.handling_unit", default="", read_only=True)

    class Meta:
        model = NoticeLog
        fields = ["id", "grievance", "content", "handling_unit", "deadline", "due_at", "created_at"]
        read_only_fields = fields


class SupervisionListViewSet(ScopedReadOnlyViewSet):
    """The upper level's supervision list (督办清单): entries overdue by M working days or more.
    The same "supervise" rule as the page: who holds none of its roles gets a 403 on both."""

    queryset = NoticeLog.objects.all()
    serializer_class = SupervisionSerializer
    permission_classes = [permissions.IsAuthenticated, HoldsRule]
    required_rule = (NoticeLog, "supervise")

    def get_queryset(self):
        # The selector's rows (listed, still overdue, still open) under the "supervise" rule, which
        # narrows visible_to: exactly what the page lists.
        return sweep.supervision_list(self.request.user)


router = DefaultRouter()
router.include_root_view = False
router.register("followups", FollowUpViewSet, basename="followup")
router.register("sweep-runs", SweepRunViewSet, basename="sweep-run")
router.register("supervision-list", SupervisionListViewSet, basename="supervision-list")

urlpatterns = router.urls
