"""API shapes of the inbox."""

from rest_framework import serializers

from campaigns.api_base import ScopedRelatedField

from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()
    body = serializers.CharField(source="text", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "grievance", "created_at", "read", "title", "body"]
        read_only_fields = fields

    def get_read(self, obj) -> bool:
        return obj.read_at is not None


class MarkReadSerializer(serializers.Serializer):
    ids = ScopedRelatedField(
        queryset=Notification.objects.all(),
        action="read",
        many=True,
        required=False,
        max_length=1000,
        help_text="不填则全部标为已读",
    )
