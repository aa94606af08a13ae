"""Configuration screens: the category taxonomy; the ledger itself is read-only here (status only
changes through transitions, see workflow.py)."""

from django.contrib import admin

from .models import Grievance, GrievanceCategory, GrievanceEvent, ImportJob


@admin.register(GrievanceCategory)
class GrievanceCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "parent", "default_department", "order", "is_active"]
    list_filter = ["is_active", "parent"]
    search_fields = ["name", "code"]
    list_select_related = ["parent", "default_department"]


class EventInline(admin.TabularInline):
    model = GrievanceEvent
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "actor", "action", "from_status", "to_status", "note"]
    fields = readonly_fields


@admin.register(Grievance)
class GrievanceAdmin(admin.ModelAdmin):
    list_display = ["id", "content", "status", "tier", "unit", "handling_unit", "registered_at", "due_at"]
    list_filter = ["status", "tier", "kind", "source"]
    search_fields = ["content", "external_ref"]
    list_select_related = ["unit", "handling_unit"]
    inlines = [EventInline]

    def has_add_permission(self, request):
        return False  # entries are registered through register_grievance()

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "original_name", "status", "created_by", "to_create", "error_count", "created_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]
