"""Reports API: figures, summary jobs, Excel tables, violations and scores, service cards."""

import django_filters
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.access import scope
from campaigns.api_base import ScopedViewSetMixin
from campaigns.errors import Conflict, NotAllowed
from campaigns.models import Campaign, OrgUnit
from visits.models import Household

from . import cards, excel, selectors, services
from .detectors import detect_all
from .models import INSPECTOR_ROLES, ReportJob, Violation
from .serializers import (
    CardQuerySerializer,
    CardRateSerializer,
    DetectResultSerializer,
    DetectSerializer,
    DistributedSerializer,
    DistributeSerializer,
    ExcelQuerySerializer,
    FigureQuerySerializer,
    ReportJobCreatedSerializer,
    ReportJobCreateSerializer,
    ReportJobSerializer,
    ReviewSerializer,
    ScoresSerializer,
    StatsSerializer,
    ViolationSerializer,
)


def _filters(request, data=None):
    q = FigureQuerySerializer(data=request.query_params if data is None else data)
    q.is_valid(raise_exception=True)
    d = q.validated_data
    f = selectors.resolve_filters(
        user=request.user, campaign_id=d["campaign"], unit_id=d["org_unit"], start=d.get("start"), end=d.get("end")
    )
    return f, d


class StatsView(APIView):
    """The dashboard figures of a campaign for an org unit (and optional date range), with its children."""

    @extend_schema(parameters=[FigureQuerySerializer], responses=StatsSerializer, tags=["stats"])
    def get(self, request):
        f, d = _filters(request)
        return Response(selectors.campaign_figures(f, detail=d.get("detail", True)))


class ReportNotReady(Conflict):
    code = "report_not_ready"
    message = "报告尚未生成完成，请稍后再下载"


class ReportFailed(Conflict):
    code = "report_failed"
    message = "报告生成失败，请重新创建"


@extend_schema(tags=["reports"])
class ReportJobViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Summary PDF jobs: create (202), poll `status`/`progress`, download once done."""

    queryset = ReportJob.objects.select_related("campaign", "org_unit")
    serializer_class = ReportJobSerializer
    filterset_fields = ["campaign", "org_unit", "status"]

    @extend_schema(request=ReportJobCreateSerializer, responses={202: ReportJobCreatedSerializer})
    def create(self, request, *args, **kwargs):
        data = ReportJobCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        f = selectors.resolve_filters(
            user=request.user, campaign_id=d["campaign"], unit_id=d["org_unit"], start=d.get("start"), end=d.get("end")
        )
        job = services.create_report_job(actor=request.user, filters=f)
        job.refresh_from_db()
        return Response({"id": job.pk, "status": job.status, "progress": job.progress}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            409: OpenApiResponse(description="报告尚未生成完成"),
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        job = self.get_object()
        if job.status == ReportJob.State.FAILED:
            raise ReportFailed()
        if job.status != ReportJob.State.DONE or not job.file:
            raise ReportNotReady()
        return FileResponse(
            job.file.open("rb"), as_attachment=True, filename=job.file_name, content_type="application/pdf"
        )


def _excel_filters(request):
    q = ExcelQuerySerializer(data=request.query_params)
    q.is_valid(raise_exception=True)
    d = q.validated_data
    start, end = excel.month_range(d["month"]) if d.get("month") else (d.get("start"), d.get("end"))
    return selectors.resolve_filters(
        user=request.user, campaign_id=d["campaign"], unit_id=d["org_unit"], start=start, end=end
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class StatsExcelView(APIView):
    """The monthly statistics table per unit and the ledger summary, as .xlsx."""

    @extend_schema(parameters=[ExcelQuerySerializer], responses={(200, XLSX): OpenApiTypes.BINARY}, tags=["stats"])
    def get(self, request):
        f = _excel_filters(request)
        data, _figures = excel.statistics_workbook(f)
        return excel_response(data, excel.file_name(f))


def excel_response(data, name):
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


class ScoresView(APIView):
    """千分制 scores of the communities/villages under a unit, and the 约谈 list (three or more)."""

    @extend_schema(parameters=[FigureQuerySerializer], responses=ScoresSerializer, tags=["scoring"])
    def get(self, request):
        f, _d = _filters(request)
        rows = selectors.scores(f)
        return Response({"results": rows, "talks": [r for r in rows if r["talk"]]})


class ViolationFilter(django_filters.FilterSet):
    class Meta:
        model = Violation
        fields = ["campaign", "unit", "status", "kind", "source"]


@extend_schema(tags=["scoring"])
class ViolationViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Violations: inspectors record (confirmed at once), confirm or dismiss candidates, run the detectors."""

    queryset = Violation.objects.select_related("unit")
    serializer_class = ViolationSerializer
    filterset_class = ViolationFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def perform_create(self, serializer):
        d = serializer.validated_data
        campaign = get_object_or_404(Campaign.objects.visible_to(self.request.user), pk=d["campaign"].pk)
        unit = get_object_or_404(OrgUnit.objects.visible_to(self.request.user), pk=d["unit"].pk)
        serializer.instance = services.record_violation(
            actor=self.request.user,
            campaign=campaign,
            unit=unit,
            kind=d["kind"],
            evidence=d["evidence"],
            evidence_file=d.get("evidence_file"),
        )

    @extend_schema(request=ReviewSerializer, responses=ViolationSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._review(request, confirm=True)

    @extend_schema(request=ReviewSerializer, responses=ViolationSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        return self._review(request, confirm=False)

    def _review(self, request, *, confirm):
        v = self.get_object()
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = services.review_violation(
            actor=request.user, violation_id=v.pk, confirm=confirm, note=data.validated_data["note"]
        )
        return Response(ViolationSerializer(v, context={"request": request}).data)

    @extend_schema(request=DetectSerializer, responses=DetectResultSerializer)
    @action(detail=False, methods=["post"])
    def detect(self, request):
        data = DetectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        campaign = get_object_or_404(
            Campaign.objects.visible_to(request.user).select_related("territory"), pk=d["campaign"]
        )
        unit = (
            get_object_or_404(OrgUnit.objects.visible_to(request.user), pk=d["org_unit"])
            if d.get("org_unit")
            else campaign.territory
        )
        if not scope(request.user).covers(unit, INSPECTOR_ROLES):
            raise NotAllowed("只有督导人员可以运行违规发现")
        return Response({"created": detect_all(campaign=campaign, unit=unit)})


class CardRateView(APIView):
    """Service-card distribution rate of a grid or community."""

    @extend_schema(parameters=[CardQuerySerializer], responses=CardRateSerializer, tags=["cards"])
    def get(self, request):
        campaign, unit = _card_target(request)
        return Response(cards.distribution_rate(campaign, unit))


class CardSheetView(APIView):
    """Printable PDF sheet of service cards (连心卡), one per household of a grid or community."""

    @extend_schema(
        parameters=[CardQuerySerializer], responses={(200, "application/pdf"): OpenApiTypes.BINARY}, tags=["cards"]
    )
    def get(self, request):
        campaign, unit = _card_target(request)
        response = HttpResponse(cards.card_sheet_pdf(campaign, unit), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(False, f"{unit.name}_连心卡.pdf")
        return response


class CardDistributionView(APIView):
    """Record that households received their card (already recorded ones are kept)."""

    @extend_schema(request=DistributeSerializer, responses={201: DistributedSerializer}, tags=["cards"])
    def post(self, request):
        data = DistributeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        campaign = get_object_or_404(Campaign.objects.visible_to(request.user), pk=d["campaign"])
        found = list(Household.objects.visible_to(request.user).filter(pk__in=d["households"]).select_related("grid"))
        if len(found) != len(set(d["households"])):
            raise Http404
        created = services.distribute_cards(actor=request.user, campaign=campaign, households=found)
        return Response({"created": created}, status=status.HTTP_201_CREATED)


def _card_target(request):
    q = CardQuerySerializer(data=request.query_params)
    q.is_valid(raise_exception=True)
    d = q.validated_data
    campaign = get_object_or_404(
        Campaign.objects.visible_to(request.user).select_related("territory"), pk=d["campaign"]
    )
    unit = get_object_or_404(OrgUnit.objects.visible_to(request.user), pk=d["org_unit"])
    cards.check_unit(request.user, campaign, unit)
    return campaign, unit
