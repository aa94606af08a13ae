from django.contrib import admin

from .models import CardDistribution, ReportJob, Violation


@admin.register(ReportJob)
class ReportJobAdmin(admin.ModelAdmin):
    list_display = ["org_unit", "campaign", "start", "end", "status", "progress", "created_by", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["status", "progress", "file", "error", "created_by", "created_at", "finished_at"]


@admin.register(Violation)
class ViolationAdmin(admin.ModelAdmin):
    list_display = ["unit", "kind", "status", "source", "campaign", "created_at"]
    list_filter = ["status", "kind", "source"]
    search_fields = ["evidence", "unit__name"]
    raw_id_fields = ["household", "grievance", "visitor", "recorded_by", "reviewed_by"]


@admin.register(CardDistribution)
class CardDistributionAdmin(admin.ModelAdmin):
    list_display = ["household", "campaign", "distributed_at", "distributed_by"]
    raw_id_fields = ["household", "distributed_by"]
