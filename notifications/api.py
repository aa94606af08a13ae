"""The inbox API: the caller's own messages, read one or all."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from campaigns.api_base import ScopedReadOnlyViewSet

from . import services
from .models import Notification
from .selectors import unread_count
from .serializers import MarkReadSerializer, NotificationSerializer


class NotificationViewSet(ScopedReadOnlyViewSet):
    """The caller's own notices (站内消息), newest first."""

    queryset = Notification.objects.select_related("grievance")
    serializer_class = NotificationSerializer
    filterset_fields = ["kind"]
    object_actions = {"read": "read"}

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action == "list" and self.request.query_params.get("unread") in ("1", "true"):
            queryset = queryset.filter(read_at__isnull=True)
        return queryset

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one notice read."""
        notice = self.get_object()
        services.mark_read(actor=request.user, ids=[notice.pk])
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
        data = MarkReadSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        given = data.validated_data.get("ids")
        marked = services.mark_read(actor=request.user, ids=None if given is None else [n.pk for n in given])
        return Response({"marked": marked, "unread": unread_count(request.user)})

    @extend_schema(responses=inline_serializer("UnreadCount", {"unread": serializers.IntegerField()}))
    @action(detail=False, methods=["get"])
    def unread(self, request):
        return Response({"unread": unread_count(request.user)})
