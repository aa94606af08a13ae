"""Admin screens of the background work, and the hand switch of a campaign's phase.

Imported from GrievancesConfig.ready() (after admin autodiscovery), so that it does not clash
with the ledger's grievances/admin.py. Rows are written by the sweeps and the workflow: staff
who are not superusers read them within their scope; the knobs are for admins of the whole tree.
"""

from django.contrib import admin, messages

from campaigns.admin import ScopedAdminMixin, WholeTreeAdminMixin
from campaigns.errors import DomainError
from campaigns.models import Campaign, Phase

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


def _switch_action(kind, label):
    def action(modeladmin, request, queryset):
        from .followups import switch_phase

        for campaign in queryset:
            try:
                work = switch_phase(actor=request.user, campaign=campaign, phase=kind)
            except DomainError as exc:
                modeladmin.message_user(request, exc.message, messages.ERROR)
                return
            extra = "，".join(f"{k}：{v}" for k, v in work.items())
            modeladmin.message_user(
                request, f"{campaign}：已切换为{label}（已锁定阶段）{'，' + extra if extra else ''}"
            )

    action.__name__ = f"switch_phase_to_{kind}"
    action.short_description = f"手动切换阶段为：{label}"
    return action


def _sync_action(modeladmin, request, queryset):
    from .followups import sync_phases

    # Syncs every campaign of the tree, not only the selected ones: for admins of all of it.
    if not SweepRun.objects.may_start(request.user):
        modeladmin.message_user(request, "只有管理全部单位的管理员可以按日期同步全部活动阶段", messages.ERROR)
        return
    sync_phases()
    modeladmin.message_user(request, "已按日期同步各活动阶段（锁定的活动除外）")


_sync_action.short_description = "按日期同步阶段"

campaign_admin = admin.site._registry.get(Campaign)
if campaign_admin is not None:
    extra_actions = [_switch_action(kind, label) for kind, label in Phase.choices] + [_sync_action]
    campaign_admin.actions = [*(campaign_admin.actions or []), *extra_actions]
