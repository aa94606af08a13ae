"""REST endpoints of the liaison network: list, read and create, scoped by the access layer."""

import django_filters
from django.utils import timezone
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.access import get_for
from campaigns.api_base import MAX_ID, ScopedGenericViewSet
from campaigns.models import OrgUnit

from . import selectors, services
from .choices import MeetingKind, ReportKind
from .forms import FiguresForm
from .models import BoxOpening, DailySummary, Liaison, LiaisonGroup, LiaisonReport, MapJob, Meeting
from .serializers import (
    BoxOpeningSerializer,
    DailySummarySerializer,
    LiaisonGroupSerializer,
    LiaisonGroupWriteSerializer,
    LiaisonReportSerializer,
    LiaisonSerializer,
    MapJobSerializer,
    MeetingSerializer,
)


def _id_filter(field_name=None):
    # A plain number: an id outside the scope filters to nothing, exactly like a missing one.
    return django_filters.NumberFilter(field_name=field_name, min_value=1, max_value=MAX_ID)


class _ListCreate(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    lookup_value_regex = r"\d+"

    def _input(self, serializer_class):
        data = serializer_class(data=self.request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    def _created(self, obj):
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)


class GroupFilter(django_filters.FilterSet):
    grid = _id_filter()
    village = _id_filter("grid__parent")

    class Meta:
        model = LiaisonGroup
        fields = ["grid", "village"]


@extend_schema(tags=["liaison"])
class LiaisonGroupViewSet(_ListCreate):
    """民情联络小组: by resident group, with leader, members, 联户党员 and their counts."""

    queryset = LiaisonGroup.objects.all()
    serializer_class = LiaisonGroupSerializer
    filterset_class = GroupFilter

    def get_queryset(self):
        return selectors.groups(self.request.user).order_by("grid__path")

    @extend_schema(request=LiaisonGroupWriteSerializer, responses={201: LiaisonGroupSerializer})
    def create(self, request):
        v = self._input(LiaisonGroupWriteSerializer)
        group = services.save_group(
            actor=request.user,
            grid=v["grid"],
            leader=v.get("leader"),
            members=v.get("members", []),
            party_links=v.get("party_links", []),
        )
        return self._created(group)


class LiaisonFilter(django_filters.FilterSet):
    grid = _id_filter()
    village = _id_filter("grid__parent")

    class Meta:
        model = Liaison
        fields = ["grid", "village", "background", "is_active"]


@extend_schema(tags=["liaison"])
class LiaisonViewSet(_ListCreate):
    """民情联络员 and their appointment letters (聘书)."""

    queryset = Liaison.objects.select_related("grid", "user").order_by("grid__path", "-appointed_on")
    serializer_class = LiaisonSerializer
    filterset_class = LiaisonFilter

    @extend_schema(request=LiaisonSerializer, responses={201: LiaisonSerializer})
    def create(self, request):
        v = self._input(LiaisonSerializer)
        return self._created(services.appoint_liaison(actor=request.user, **v))


class BoxFilter(django_filters.FilterSet):
    unit = _id_filter()

    class Meta:
        model = BoxOpening
        fields = ["unit"]


@extend_schema(tags=["liaison"])
class BoxOpeningViewSet(_ListCreate):
    """意见箱开箱记录: each opening by a named person; its slips become ledger entries (意见箱)."""

    queryset = BoxOpening.objects.select_related("unit").prefetch_related("grievances")
    serializer_class = BoxOpeningSerializer
    filterset_class = BoxFilter

    @extend_schema(request=BoxOpeningSerializer, responses={201: BoxOpeningSerializer})
    def create(self, request):
        v = self._input(BoxOpeningSerializer)
        return self._created(services.record_box_opening(actor=request.user, **v))


class MeetingFilter(django_filters.FilterSet):
    unit = _id_filter()
    kind = django_filters.ChoiceFilter(choices=MeetingKind.choices)

    class Meta:
        model = Meeting
        fields = ["unit", "kind"]


@extend_schema(tags=["liaison"])
class MeetingViewSet(_ListCreate):
    """民情分析会: weekly in a village, fortnightly in a town, with minutes and entries discussed."""

    queryset = Meeting.objects.select_related("unit").prefetch_related("grievances")
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter

    @extend_schema(request=MeetingSerializer, responses={201: MeetingSerializer})
    def create(self, request):
        v = self._input(MeetingSerializer)
        return self._created(services.record_meeting(actor=request.user, **v))


class ReportFilter(django_filters.FilterSet):
    unit = _id_filter()
    kind = django_filters.ChoiceFilter(choices=ReportKind.choices)

    class Meta:
        model = LiaisonReport
        fields = ["unit", "kind"]


@extend_schema(tags=["liaison"])
class LiaisonReportViewSet(_ListCreate):
    """The report chain: station reports, the town's monthly table, the quarterly analysis."""

    queryset = LiaisonReport.objects.select_related("unit", "submitted_by")
    serializer_class = LiaisonReportSerializer
    filterset_class = ReportFilter

    @extend_schema(request=LiaisonReportSerializer, responses={201: LiaisonReportSerializer})
    def create(self, request):
        v = self._input(LiaisonReportSerializer)
        report = services.submit_report(
            actor=request.user, unit=v["unit"], kind=v["kind"], period=v["period"], content=v["content"]
        )
        return self._created(report)


class StandingFiguresSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()
    standing_visits = serializers.IntegerField(help_text="日常走访次数（不属于任何活动）")
    standing_households = serializers.IntegerField(help_text="日常走访户数")
    campaign_visits = serializers.IntegerField(help_text="活动走访次数")


@extend_schema(tags=["liaison"])
class StandingFiguresView(APIView):
    """Standing visits (the liaison network's, outside campaigns) and campaign visits told apart."""

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", OpenApiTypes.INT, required=True, description="单位ID"),
            OpenApiParameter("start", OpenApiTypes.DATE, description="起始日期（默认本月1日）"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="截止日期（默认今天）"),
        ],
        responses=StandingFiguresSerializer,
    )
    def get(self, request):
        query = FiguresForm(request.query_params)
        if not query.is_valid():
            raise translate_validation(query.errors)  # the same 400 as a list's filters
        q = query.cleaned_data
        unit = get_for(request.user, OrgUnit, action="report", pk=q["unit"])
        today = timezone.localdate()
        start, end = q["start"] or today.replace(day=1), q["end"] or today
        data = selectors.standing_figures(request.user, unit, start, end)
        return Response(StandingFiguresSerializer({"unit": unit.pk, "start": start, "end": end, **data}).data)


class SummaryFilter(django_filters.FilterSet):
    team = _id_filter()
    day = django_filters.DateFilter()

    class Meta:
        model = DailySummary
        fields = ["team", "day"]


@extend_schema(tags=["liaison"])
class DailySummaryViewSet(_ListCreate):
    """意见汇总表: a work group's opinions of one day; writing the same group and day again replaces it."""

    queryset = DailySummary.objects.select_related("team")
    serializer_class = DailySummarySerializer
    filterset_class = SummaryFilter

    @extend_schema(request=DailySummarySerializer, responses={201: DailySummarySerializer})
    def create(self, request):
        v = self._input(DailySummarySerializer)
        return self._created(services.save_daily_summary(actor=request.user, **v))


@extend_schema(tags=["liaison"])
class MapJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """The network map PDF of a town, rendered in the background (202 until done)."""

    queryset = MapJob.objects.select_related("unit")
    serializer_class = MapJobSerializer
    lookup_value_regex = r"\d+"

    @extend_schema(request=MapJobSerializer, responses={202: MapJobSerializer})
    def create(self, request):
        data = MapJobSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        job = services.start_map(actor=request.user, town=data.validated_data["unit"])
        job.refresh_from_db()
        return Response(MapJobSerializer(job, context=self.get_serializer_context()).data, status=202)

    @extend_schema(request=None, responses={202: MapJobSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """重试: render a failed map again (202, then poll)."""
        job = services.retry_map(actor=request.user, job=self.get_object())
        return Response(MapJobSerializer(job, context=self.get_serializer_context()).data, status=202)
