"""Admin screens of the messages: read-only within the staff member's scope (the rows are written
by notify() and the sweeps); the channel settings, for admins of the whole tree."""

from django.contrib import admin

from campaigns.admin import ScopedAdminMixin, WholeTreeAdminMixin

from .models import ChannelSettings, Delivery, Notification


@admin.register(ChannelSettings)
class ChannelSettingsAdmin(WholeTreeAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "email_enabled", "sms_enabled"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ChannelSettings.objects.exists()


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    readonly_fields = ["channel", "status", "attempts", "last_error", "sent_at"]


@admin.register(Notification)
class NotificationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    manage_action = None
    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "recipient__username", "recipient__full_name"]
    raw_id_fields = ["recipient", "grievance", "notice"]
    inlines = [DeliveryInline]
