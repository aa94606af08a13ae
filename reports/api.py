"""Reports API: figures, summary jobs, Excel tables, violations and scores, service cards."""

import django_filters
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.access import can
from campaigns.api_base import ScopedModelChoiceFilter, ScopedViewSetMixin
from campaigns.errors import Conflict, NotAllowed
from campaigns.lib.xlsx import XLSX, xlsx_response
from campaigns.models import Campaign, OrgUnit

from . import cards, excel, selectors, services
from .detectors import detect_all
from .models import ReportJob, Violation
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


def _resolve(request, d, start=None, end=None):
    """The figures' filters from validated (scoped) ids: the selector checks them again."""
    return selectors.resolve_filters(
        user=request.user,
        campaign_id=d["campaign"].pk,
        unit_id=d["org_unit"].pk,
        start=d.get("start") if start is None else start,
        end=d.get("end") if end is None else end,
    )


def _filters(request):
    q = FigureQuerySerializer(data=request.query_params, context={"request": request})
    q.is_valid(raise_exception=True)
    return _resolve(request, q.validated_data), q.validated_data


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


class ReportJobFilter(django_filters.FilterSet):
    campaign = ScopedModelChoiceFilter(queryset=Campaign.objects.all())
    org_unit = ScopedModelChoiceFilter(queryset=OrgUnit.objects.all())

    class Meta:
        model = ReportJob
        fields = ["campaign", "org_unit", "status"]


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
    filterset_class = ReportJobFilter

    @extend_schema(request=ReportJobCreateSerializer, responses={202: ReportJobCreatedSerializer})
    def create(self, request, *args, **kwargs):
        data = ReportJobCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        job = services.create_report_job(actor=request.user, filters=_resolve(request, data.validated_data))
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
    q = ExcelQuerySerializer(data=request.query_params, context={"request": request})
    q.is_valid(raise_exception=True)
    d = q.validated_data
    start, end = excel.month_range(d["month"]) if d.get("month") else (None, None)
    return _resolve(request, d, start, end)


class StatsExcelView(APIView):
    """The monthly statistics table per unit and the ledger summary, as .xlsx."""

    @extend_schema(parameters=[ExcelQuerySerializer], responses={(200, XLSX): OpenApiTypes.BINARY}, tags=["stats"])
    def get(self, request):
        f = _excel_filters(request)
        file, _figures = excel.statistics_workbook(f)
        return xlsx_response(file, *excel.file_names(f), stream=False)


class ScoresView(APIView):
    """千分制 scores of the communities/villages under a unit, and the 约谈 list (three or more)."""

    @extend_schema(parameters=[FigureQuerySerializer], responses=ScoresSerializer, tags=["scoring"])
    def get(self, request):
        f, _d = _filters(request)
        rows = selectors.scores(f)
        return Response({"results": rows, "talks": [r for r in rows if r["talk"]]})


class ViolationFilter(django_filters.FilterSet):
    campaign = ScopedModelChoiceFilter(queryset=Campaign.objects.all())
    unit = ScopedModelChoiceFilter(queryset=OrgUnit.objects.all())

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
    object_actions = {"confirm": "review", "dismiss": "review"}

    def perform_create(self, serializer):
        d = serializer.validated_data
        serializer.instance = services.record_violation(
            actor=self.request.user,
            campaign=d["campaign"],
            unit=d["unit"],
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
        data = DetectSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        campaign = data.validated_data["campaign"]
        unit = data.validated_data.get("org_unit") or campaign.territory
        if not can(request.user, "inspect", unit):  # the campaign's whole territory, when no unit is given
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
        data = DistributeSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        d = data.validated_data
        households = list({h.pk: h for h in d["households"]}.values())
        created = services.distribute_cards(actor=request.user, campaign=d["campaign"], households=households)
        return Response({"created": created}, status=status.HTTP_201_CREATED)


def _card_target(request):
    q = CardQuerySerializer(data=request.query_params, context={"request": request})
    q.is_valid(raise_exception=True)
    return q.validated_data["campaign"], q.validated_data["org_unit"]
