from django.contrib import admin

from campaigns.admin import ScopedAdminMixin

from .models import CardDistribution, ReportJob, Violation


class ReadInScopeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Jobs, scores and cards are written through their pages and services (which keep the
    history and the rules): staff who are not superusers read them here within their scope."""

    manage_action = None


@admin.register(ReportJob)
class ReportJobAdmin(ReadInScopeAdmin):
    list_display = ["org_unit", "campaign", "start", "end", "status", "progress", "created_by", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["status", "progress", "file", "error", "created_by", "created_at", "finished_at"]


@admin.register(Violation)
class ViolationAdmin(ReadInScopeAdmin):
    list_display = ["unit", "kind", "status", "source", "campaign", "created_at"]
    list_filter = ["status", "kind", "source"]
    search_fields = ["evidence", "unit__name"]
    raw_id_fields = ["household", "grievance", "visitor", "recorded_by", "reviewed_by"]


@admin.register(CardDistribution)
class CardDistributionAdmin(ReadInScopeAdmin):
    list_display = ["household", "campaign", "distributed_at", "distributed_by"]
    raw_id_fields = ["household", "distributed_by"]
