from django.contrib import admin

from campaigns.admin import ScopedAdminMixin

from .models import (
    BoxOpening,
    DailySummary,
    DutyShift,
    Liaison,
    LiaisonGroup,
    LiaisonReport,
    Meeting,
    PartyLink,
    VisitCadence,
)


class PartyLinkInline(ScopedAdminMixin, admin.TabularInline):
    model = PartyLink
    extra = 0
    manage_action = None
    raw_id_fields = ["member", "households"]


@admin.register(LiaisonGroup)
class LiaisonGroupAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["grid", "leader", "updated_at"]
    raw_id_fields = ["grid", "leader", "members"]
    inlines = [PartyLinkInline]


@admin.register(Liaison)
class LiaisonAdmin(ScopedAdminMixin, admin.ModelAdmin):
    manage_action = "appoint"
    list_display = ["user", "grid", "background", "certificate_no", "appointed_on", "is_active"]
    list_filter = ["background", "is_active"]
    raw_id_fields = ["grid", "user", "appointed_by"]


@admin.register(DutyShift)
class DutyShiftAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["unit", "weekday", "user"]
    raw_id_fields = ["unit", "user"]


@admin.register(VisitCadence)
class VisitCadenceAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["unit", "target", "focus_category", "period", "remind_days"]
    raw_id_fields = ["unit"]


@admin.register(BoxOpening, Meeting, LiaisonReport, DailySummary)
class RecordAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Records are written on the pages and the API; the admin only reads them."""

    manage_action = None

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
