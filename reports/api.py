"""Reports API: figures, summary jobs, Excel tables, violations and scores, service cards."""

import django_filters
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
from campaigns.lib.xlsx import XLSX
from campaigns.models import Campaign, OrgUnit
from grievances.petitions import petition_counts

from . import cards, excel, rollup, selectors, services
from .detectors import detect_all
from .models import ReportJob, SummaryDocument, Talk, Violation
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
    SummaryDocumentSerializer,
    SummaryDocumentUpdateSerializer,
    TalkHeldSerializer,
    TalkSerializer,
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
        detail = d.get("detail", True)

        def compute():
            figures = selectors.campaign_figures(f, detail=detail)
            # 三率 of receive-and-answer per handling unit and per territorial unit (the ledger's own).
            figures["handling_rates"] = rollup.rates(f)
            # The petition cycle (信访): reception days, appointments, visits down, 息访, 积案, 越级.
            figures["petitions"] = petition_counts(campaign=f.campaign, unit=f.unit, start=f.start, end=f.end)
            return figures

        return Response(rollup.served(f, f"stats:{int(detail)}", compute))


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
        fields = ["kind", "campaign", "org_unit", "status"]


@extend_schema(tags=["reports"])
class ReportJobViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Summary PDF jobs: create (202), poll `status`/`progress`, download once done."""

    throttle_scopes = {"create": "pdf"}

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
        from audit.exports import pdf_download

        return pdf_download(request, job, kind=f"reports.{job.kind}", filename=job.file_name)

    @extend_schema(request=None, responses={202: ReportJobSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Render a failed summary again (重试): 202, then poll as after a create."""
        job = services.retry_report_job(actor=request.user, job=self.get_object())
        return Response(ReportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class SummaryDocumentFilter(django_filters.FilterSet):
    campaign = ScopedModelChoiceFilter(queryset=Campaign.objects.all())
    org_unit = ScopedModelChoiceFilter(queryset=OrgUnit.objects.all())

    class Meta:
        model = SummaryDocument
        fields = ["campaign", "org_unit"]


@extend_schema(tags=["reports"])
class SummaryDocumentViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Summary documents: create a first draft from the figures, edit the narrative and the typical
    cases, then generate the PDF (a report job, 202)."""

    queryset = SummaryDocument.objects.select_related("campaign", "org_unit").prefetch_related(
        "cases__unit", "cases__category"
    )
    serializer_class = SummaryDocumentSerializer
    filterset_class = SummaryDocumentFilter
    object_actions = {"partial_update": "edit", "generate": "edit"}

    @extend_schema(request=ReportJobCreateSerializer, responses={201: SummaryDocumentSerializer})
    def create(self, request, *args, **kwargs):
        data = ReportJobCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        doc = services.draft_summary(actor=request.user, filters=_resolve(request, data.validated_data))
        return Response(self.get_serializer(self.get_queryset().get(pk=doc.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SummaryDocumentUpdateSerializer, responses=SummaryDocumentSerializer)
    def partial_update(self, request, *args, **kwargs):
        doc = self.get_object()
        data = SummaryDocumentUpdateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        services.update_summary(actor=request.user, document_id=doc.pk, **data.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=doc.pk)).data)

    @extend_schema(request=None, responses={202: ReportJobCreatedSerializer})
    @action(detail=True, methods=["post"])
    def generate(self, request, pk=None):
        doc = self.get_object()
        job = services.generate_summary_pdf(actor=request.user, document_id=doc.pk)
        job.refresh_from_db()
        return Response({"id": job.pk, "status": job.status, "progress": job.progress}, status=status.HTTP_202_ACCEPTED)


def _excel_filters(request):
    q = ExcelQuerySerializer(data=request.query_params, context={"request": request})
    q.is_valid(raise_exception=True)
    d = q.validated_data
    start, end = excel.month_range(d["month"]) if d.get("month") else (None, None)
    return _resolve(request, d, start, end)


class StatsExcelView(APIView):
    """The monthly statistics table per unit and the ledger summary, as .xlsx."""

    throttle_scope = "export"

    @extend_schema(parameters=[ExcelQuerySerializer], responses={(200, XLSX): OpenApiTypes.BINARY}, tags=["stats"])
    def get(self, request):
        f = _excel_filters(request)
        return excel.download(request, f)


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
    object_actions = {"confirm": "review", "dismiss": "review", "undo": "review"}

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

    @extend_schema(request=None, responses=ViolationSerializer)
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        """Take back a confirmation or dismissal while the campaign is on (audited)."""
        v = services.undo_review(actor=request.user, violation_id=self.get_object().pk)
        return Response(ViolationSerializer(v, context={"request": request}).data)

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


class TalkFilter(django_filters.FilterSet):
    campaign = ScopedModelChoiceFilter(queryset=Campaign.objects.all())
    unit = ScopedModelChoiceFilter(queryset=OrgUnit.objects.all())

    class Meta:
        model = Talk
        fields = ["campaign", "unit"]


@extend_schema(tags=["scoring"])
class TalkViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """约谈 (seed 002): a community with three or more confirmed cases; the people it names (its
    包村居干部 and “两委” members) and its holding (date, by whom, notes)."""

    queryset = Talk.objects.select_related("unit").prefetch_related("people")
    serializer_class = TalkSerializer
    filterset_class = TalkFilter
    object_actions = {"held": "record"}

    def perform_create(self, serializer):
        d = serializer.validated_data
        serializer.instance = services.record_talk(
            actor=self.request.user,
            campaign=d["campaign"],
            unit=d["unit"],
            held_on=d.get("held_on"),
            held_by=d.get("held_by", ""),
            notes=d.get("notes", ""),
        )

    @extend_schema(request=TalkHeldSerializer, responses=TalkSerializer)
    @action(detail=True, methods=["post"])
    def held(self, request, pk=None):
        """Record that the 约谈 was held: when, by whom, what was said."""
        talk = self.get_object()
        data = TalkHeldSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        talk = services.record_talk(actor=request.user, campaign=talk.campaign, unit=talk.unit, **data.validated_data)
        return Response(TalkSerializer(self.get_queryset().get(pk=talk.pk), context={"request": request}).data)


class CardRateView(APIView):
    """Service-card distribution rate of a grid or community."""

    @extend_schema(parameters=[CardQuerySerializer], responses=CardRateSerializer, tags=["cards"])
    def get(self, request):
        campaign, unit = _card_target(request)
        return Response(cards.distribution_rate(campaign, unit))


class CardSheetView(APIView):
    """Printable PDF sheet of service cards (连心卡), one per household of a grid or community."""

    throttle_scope = "pdf"

    @extend_schema(
        request=CardQuerySerializer,
        responses={202: ReportJobCreatedSerializer},
        tags=["cards"],
        description="生成连心卡PDF（后台任务）：轮询 /api/reports/{id}/，完成后从 download_url 下载",
    )
    def post(self, request):
        q = CardQuerySerializer(data=request.data, context={"request": request})
        q.is_valid(raise_exception=True)
        job = services.create_card_job(
            actor=request.user, campaign=q.validated_data["campaign"], unit=q.validated_data["org_unit"]
        )
        job.refresh_from_db()
        return Response({"id": job.pk, "status": job.status, "progress": job.progress}, status=status.HTTP_202_ACCEPTED)


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
