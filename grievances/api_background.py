"""API of the background work (issue 6): notifications, look-back tasks, sweep runs, supervision list."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404  # a non-numeric id is a 404, not a 500
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from campaigns.access import scope
from campaigns.models import Campaign, Phase, Role, VisitMode

from . import followups, notifications, sweep
from .models import FollowUp, NoticeLog, Notification, Satisfaction, SweepRun


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "grievance", "created_at", "read", "title", "body"]

    def get_read(self, obj) -> bool:
        return obj.read_at is not None


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, help_text="不填则全部标为已读"
    )


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """The caller's own notices (站内消息), newest first."""

    serializer_class = NotificationSerializer
    filterset_fields = ["kind"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        qs = Notification.objects.visible_to(self.request.user)
        unread = self.request.query_params.get("unread")
        if unread in ("1", "true"):
            qs = qs.filter(read_at__isnull=True)
        return qs

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one notice read."""
        notice = self.get_object()
        notifications.mark_read(actor=request.user, ids=[notice.pk])
        notice.refresh_from_db()
        return Response(self.get_serializer(notice).data)

    @extend_schema(
        request=MarkReadSerializer,
        responses=inline_serializer(
            "MarkReadResult", {"marked": serializers.IntegerField(), "unread": serializers.IntegerField()}
        ),
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark the given notices (or all) read."""
        data = MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = notifications.mark_read(actor=request.user, ids=data.validated_data.get("ids"))
        return Response({"marked": marked, "unread": notifications.unread_count(request.user)})

    @extend_schema(responses=inline_serializer("UnreadCount", {"unread": serializers.IntegerField()}))
    @action(detail=False, methods=["get"])
    def unread(self, request):
        return Response({"unread": notifications.unread_count(request.user)})


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


class FollowUpViewSet(viewsets.ReadOnlyModelViewSet):
    """The caller's look-back tasks (回头看). `?scope=unit` lists those of the caller's units (office)."""

    serializer_class = FollowUpSerializer
    filterset_fields = ["status", "kind", "campaign"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FollowUp.objects.none()
        qs = FollowUp.objects.select_related("household", "grievance")
        if self.action == "list" and self.request.query_params.get("scope") != "unit":
            return qs.assigned_to(self.request.user)
        return qs.visible_to(self.request.user)

    @extend_schema(request=RecordSerializer, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        """Record the look-back: satisfied closes the entry, not satisfied reopens it."""
        fu = self.get_object()
        data = RecordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fu = followups.record_followup(actor=request.user, followup=fu, **data.validated_data)
        return Response(FollowUpSerializer(fu).data)


class IsAdminRole(BasePermission):
    def has_permission(self, request, view):
        return request.user.is_authenticated and scope(request.user).has_role(Role.ADMIN)


class SweepRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = SweepRun
        fields = ["id", "kind", "as_of", "started_at", "finished_at", "counts", "queries", "failures", "error"]


class SweepRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Background runs for admins; POST run/ starts a deadline sweep now (in the worker)."""

    serializer_class = SweepRunSerializer
    permission_classes = [IsAdminRole]
    queryset = SweepRun.objects.all()
    filterset_fields = ["kind"]

    @extend_schema(request=None, responses=inline_serializer("SweepQueued", {"queued": serializers.BooleanField()}))
    @action(detail=False, methods=["post"])
    def run(self, request):
        from .tasks import sweep_deadlines

        sweep_deadlines.delay()
        return Response({"queued": True}, status=202)


class PhaseSwitchSerializer(serializers.Serializer):
    phase = serializers.ChoiceField(choices=Phase.choices)


class CampaignPhaseViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Switch a campaign's phase by hand (admins); the switch runs its work (look-back tasks, coverage)."""

    permission_classes = [IsAdminRole]
    serializer_class = PhaseSwitchSerializer
    queryset = Campaign.objects.none()

    def list(self, request):
        rows = Campaign.objects.visible_to(request.user).values("id", "name", "phase", "phase_locked")
        return Response(list(rows))

    @extend_schema(
        request=PhaseSwitchSerializer,
        responses=inline_serializer(
            "PhaseSwitched", {"phase": serializers.CharField(), "work": serializers.DictField()}
        ),
    )
    @action(detail=True, methods=["post"])
    def switch(self, request, pk=None):
        campaign = get_object_or_404(Campaign.objects.visible_to(request.user), pk=pk)
        data = PhaseSwitchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        work = followups.switch_phase(actor=request.user, campaign=campaign, phase=data.validated_data["phase"])
        return Response({"phase": data.validated_data["phase"], "work": work})


class SupervisionSerializer(serializers.ModelSerializer):
    content = serializers.CharField(source="grievance.content", read_only=True)
    handling_unit = serializers.CharField(source="grievance.handling_unit", default="", read_only=True)

    class Meta:
        model = NoticeLog
        fields = ["id", "grievance", "content", "handling_unit", "deadline", "due_at", "created_at"]


class SupervisionListViewSet(viewsets.ReadOnlyModelViewSet):
    """The upper level's supervision list (督办清单): entries overdue by M working days or more."""

    serializer_class = SupervisionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return NoticeLog.objects.none()
        return sweep.supervision_list(self.request.user)


router = DefaultRouter()
router.include_root_view = False
router.register("notifications", NotificationViewSet, basename="notification")
router.register("followups", FollowUpViewSet, basename="followup")
router.register("sweep-runs", SweepRunViewSet, basename="sweep-run")
router.register("campaign-phases", CampaignPhaseViewSet, basename="campaign-phase")
router.register("supervision-list", SupervisionListViewSet, basename="supervision-list")

urlpatterns = router.urls
