"""Reports API: figures, summary jobs, Excel tables, violations and scores, service cards."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors
from .serializers import FigureQuerySerializer, StatsSerializer


def _filters(request, serializer_class=FigureQuerySerializer):
    q = serializer_class(data=request.query_params)
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


__all__ = ["OpenApiParameter"]
