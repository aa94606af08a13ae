"""Configuration screens: the category taxonomy and the deadline settings; the ledger itself is
read-only here (status only changes through transitions, see workflow.py).

Sweep runs, deadline notices and look-back tasks are written by the sweeps and the workflow: staff
who are not superusers read them within their scope; the settings are for admins of the whole tree.
"""

from django.contrib import admin, messages

from campaigns.admin import ScopedAdminMixin, WholeTreeAdminMixin

from .models import (
    DeadlineSettings,
    ExternalSystem,
    FollowUp,
    Grievance,
    GrievanceCategory,
    GrievanceEvent,
    HandlingRules,
    ImportJob,
    NoticeLog,
    SweepRun,
)


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


@admin.register(HandlingRules)
class HandlingRulesAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["campaign", "sign_for_days", "max_returns", "urgent_hours", "followup_working_days"]
    raw_id_fields = ["campaign"]


@admin.register(ExternalSystem)
class ExternalSystemAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "unit", "account", "is_active", "key_prefix", "last_used_at"]
    raw_id_fields = ["unit", "account", "campaign"]
    readonly_fields = ["key_prefix", "created_at", "last_used_at"]
    actions = ["reissue_key"]

    def save_model(self, request, obj, form, change):
        key = obj.issue_key() if not change else None
        super().save_model(request, obj, form, change)
        if key:
            messages.warning(request, f"接入密钥（只显示这一次，请妥善交给对方系统）：{key}")

    @admin.action(description="重新生成接入密钥（原密钥立即失效）")
    def reissue_key(self, request, queryset):
        for system in queryset:
            key = system.issue_key()
            system.save(update_fields=["key_prefix", "key_hash"])
            messages.warning(request, f"{system.name} 的新密钥（只显示这一次）：{key}")
