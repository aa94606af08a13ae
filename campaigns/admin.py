"""Admin screens: org units, people, campaigns, categories and the calendar, in Chinese."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction

from . import calendar, services
from .models import (
    CalendarDay,
    CalendarYear,
    Campaign,
    CampaignPhase,
    ChecklistItem,
    DeadlineTier,
    FocusCategory,
    LevelName,
    Membership,
    OrgUnit,
    Team,
    TeamMember,
    User,
)


@admin.register(LevelName)
class LevelNameAdmin(admin.ModelAdmin):
    list_display = ["level", "label"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["unit"]


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["indented_name", "code", "level", "parent", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path", "depth"]

    @admin.display(description="名称", ordering="path")
    def indented_name(self, obj):
        return "　" * obj.depth + obj.name


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "phone", "post", "is_active", "is_superuser"]
    search_fields = ["username", "full_name", "phone"]
    inlines = [MembershipInline]
    fieldsets = BaseUserAdmin.fieldsets + (("工作信息", {"fields": ("full_name", "phone", "post")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("工作信息", {"fields": ("full_name", "phone", "post")}),)


@admin.register(FocusCategory)
class FocusCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_active"]
    search_fields = ["name", "code"]


class PhaseInline(admin.TabularInline):
    model = CampaignPhase
    extra = 0


class ChecklistInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0


class TierInline(admin.TabularInline):
    model = DeadlineTier
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "territory", "year", "phase", "phase_locked"]
    list_filter = ["year", "phase"]
    search_fields = ["name"]
    autocomplete_fields = ["territory"]
    filter_horizontal = ["focus_categories"]
    inlines = [PhaseInline, TierInline, ChecklistInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A new campaign without checklist or tiers gets the defaults of seeds/002.
        services.fill_campaign_defaults(campaign=form.instance)


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "campaign", "unit", "paired_unit", "quota"]
    list_filter = ["campaign"]
    autocomplete_fields = ["unit", "paired_unit"]
    inlines = [TeamMemberInline]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "name", "source"]
    list_filter = ["is_workday", "source"]
    date_hierarchy = "date"
    actions = ["reload_official"]

    def save_model(self, request, obj, form, change):
        obj.source = "admin"
        super().save_model(request, obj, form, change)
        _changed({obj.date.year})

    def delete_model(self, request, obj):
        year = obj.date.year
        super().delete_model(request, obj)
        _changed({year})

    @admin.action(description="从官方日历包重新载入")
    def reload_official(self, request, queryset):
        years = calendar.load_official_calendar()
        self.message_user(request, f"已载入：{', '.join(map(str, sorted(years))) or '无变化'}", messages.SUCCESS)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "source", "loaded_at"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _changed({obj.year})


def _changed(years):
    transaction.on_commit(lambda: calendar.schedule_changed.send(sender=CalendarDay, years=years))
