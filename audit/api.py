"""The audit trail for the audit administrator's scripts: list and search, check the chain."""

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.api_base import HoldsRule, ScopedGenericViewSet

from . import services
from .forms import RecordFilterForm
from .models import Event, Record
from .serializers import ChainStatusSerializer, RecordSerializer


class RecordFilter(django_filters.FilterSet):
    event = django_filters.ChoiceFilter(choices=Event.choices, help_text="事件")
    actor = django_filters.CharFilter(field_name="actor_name", help_text="操作人用户名")
    object_type = django_filters.CharFilter(help_text="对象类型，如 visits.household")
    object_id = django_filters.CharFilter(help_text="对象ID")
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte", help_text="起始时间")
    until = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt", help_text="截止时间")

    class Meta:
        model = Record
        fields = ["event", "actor", "object_type", "object_id", "since", "until"]


class RecordViewSet(mixins.ListModelMixin, ScopedGenericViewSet):
    """Audit records, newest first (审计管理员)."""

    queryset = Record.objects.all()
    serializer_class = RecordSerializer
    filterset_class = RecordFilter
    permission_classes = [HoldsRule]
    required_rule = (Record, "read")
    ordering_fields = ["id", "at"]
    ordering = ["-id"]

    @extend_schema(tags=["audit"])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class ChainStatusView(APIView):
    """Check the whole chain: the first broken record, if any."""

    permission_classes = [HoldsRule]
    required_rule = (Record, "read")

    @extend_schema(responses=ChainStatusSerializer, tags=["audit"])
    def get(self, request):
        checked, broken = services.verify()
        return Response(
            {
                "whole": broken is None,
                "checked": checked,
                "broken_record": broken.record_id if broken else None,
                "reason": broken.reason if broken else "",
            }
        )


class RecordExportView(APIView):
    """The filtered trail as .xlsx, traced (导出人, 单位, 时间) and itself audited (审计管理员)."""

    permission_classes = [HoldsRule]
    required_rule = (Record, "read")
    throttle_scope = "export"

    @extend_schema(
        parameters=[
            OpenApiParameter("event", str, enum=[c for c, _ in Event.choices], description="事件"),
            OpenApiParameter("actor", str, description="操作人用户名"),
            OpenApiParameter("q", str, description="对象、对象类型、对象ID或客户端地址"),
            OpenApiParameter("since", OpenApiTypes.DATE, description="起始日期"),
            OpenApiParameter("until", OpenApiTypes.DATE, description="截止日期"),
        ],
        responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY},
        tags=["audit"],
    )
    def get(self, request):
        from rest_framework.exceptions import ValidationError

        from .views import export_response

        form = RecordFilterForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({k: [str(e) for e in v] for k, v in form.errors.items()})
        return export_response(request, {k: v for k, v in form.cleaned_data.items() if v})
