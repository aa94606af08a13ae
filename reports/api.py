"""Reports API: figures, summary jobs, Excel tables, violations and scores, service cards."""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.api_base import ScopedQuerysetMixin
from campaigns.errors import Conflict

from . import selectors, services
from .models import ReportJob
from .serializers import (
    FigureQuerySerializer,
    ReportJobCreatedSerializer,
    ReportJobCreateSerializer,
    ReportJobSerializer,
    StatsSerializer,
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
    ScopedQuerysetMixin,
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
