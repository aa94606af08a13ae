from rest_framework import serializers

from .models import Record


class RecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = Record
        fields = [
            "id", "at", "event", "actor_id", "actor_name", "remote_addr", "object_type", "object_id",
            "object_repr", "changes", "data", "prev_hash", "hash",
        ]  # fmt: skip
        read_only_fields = fields


class ChainStatusSerializer(serializers.Serializer):
    whole = serializers.BooleanField()
    checked = serializers.IntegerField()
    broken_record = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
