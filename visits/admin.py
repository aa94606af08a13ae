"""Configuration screens for households, plans, assignments and visits (labels from the models)."""

from django.contrib import admin

from .models import Assignment, EventReport, HardshipPlan, Household, ImportJob, Visit, VisitPhoto


class HardshipPlanInline(admin.StackedInline):
    model = HardshipPlan
    extra = 0


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["head_name", "address", "grid", "kind", "is_hardship"]
    list_filter = ["kind", "is_hardship", "categories"]
    search_fields = ["head_name", "address", "id_number"]
    autocomplete_fields = ["grid"]
    filter_horizontal = ["categories"]
    inlines = [HardshipPlanInline]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["household", "visitor", "kind", "team", "campaign"]
    list_filter = ["kind", "campaign"]
    raw_id_fields = ["household", "visitor"]


class VisitPhotoInline(admin.TabularInline):
    model = VisitPhoto
    extra = 0


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["household", "visitor", "visited_at", "duration_minutes", "mode", "too_short"]
    list_filter = ["mode", "too_short", "is_followup", "campaign"]
    raw_id_fields = ["household", "visitor", "co_visitors"]
    inlines = [VisitPhotoInline]


@admin.register(EventReport)
class EventReportAdmin(admin.ModelAdmin):
    list_display = ["household", "kind", "reporter", "reported_at"]
    list_filter = ["kind"]
    raw_id_fields = ["household", "reporter"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["original_name", "status", "total_rows", "to_create", "to_update", "error_count", "created_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]
