"""Admin screens of the background work.

Imported from GrievancesConfig.ready() (after admin autodiscovery), so that it does not clash
with the ledger's grievances/admin.py. Rows are written by the sweeps and the workflow: staff
who are not superusers read them within their scope; the knobs are for admins of the whole tree.
"""

from django.contrib import admin

from campaigns.admin import ScopedAdminMixin, WholeTreeAdminMixin

from .models import DeadlineSettings, FollowUp, NoticeLog, SweepRun


class ReadInScopeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    manage_action = None


@admin.register(DeadlineSettings)
class DeadlineSettingsAdmin(WholeTreeAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "reminder_days", "supervision_list_days", "followup_days"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not DeadlineSettings.objects.exists()


@admin.register(SweepRun)
class SweepRunAdmin(ReadInScopeAdmin):
    list_display = ["kind", "as_of", "started_at", "finished_at", "counts", "queries", "failures"]
    list_filter = ["kind"]
    readonly_fields = [f.name for f in SweepRun._meta.fields]


@admin.register(NoticeLog)
class NoticeLogAdmin(ReadInScopeAdmin):
    list_display = ["grievance", "deadline", "kind", "due_at", "created_at"]
    list_filter = ["kind", "deadline"]
    raw_id_fields = ["grievance", "sweep"]


@admin.register(FollowUp)
class FollowUpAdmin(ReadInScopeAdmin):
    list_display = ["__str__", "kind", "assignee", "due_at", "status", "satisfaction"]
    list_filter = ["kind", "status", "satisfaction"]
    raw_id_fields = ["grievance", "household", "assignee", "recorded_by"]
