"""Admin screens of the messages: read-only, within the staff member's scope (the rows are
written by notify() and the sweeps)."""

from django.contrib import admin

from campaigns.admin import ScopedAdminMixin

from .models import Delivery, Notification


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
