"""The audit trail in the admin: read-only for everyone, the installation superuser included."""

from django.contrib import admin

from .models import Record


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin):
    list_display = ["id", "at", "event", "actor_name", "remote_addr", "object_type", "object_repr"]
    list_filter = ["event", "object_type"]
    search_fields = ["actor_name", "object_repr", "object_id", "remote_addr"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in Record._meta.fields]
    actions = None

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
