"""Admin screens: org units, people, campaigns, categories and the calendar, in Chinese.

The installation superuser configures everything (and appoints the three administrators). The
system administrator edits units, campaigns, categories and the calendar; the security
administrator people and their roles (`campaigns.backends` gives each their permissions). Other staff work within their scope (`ScopedAdminMixin`): an
admin of a street edits the street's units, people, campaigns and teams, never the district's,
and the installation-wide tables (calendar, categories, level names) are for admins of the whole
tree (`WholeTreeAdminMixin`).
"""

from auditlog.mixins import LogEntryAdminMixin
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction

from . import calendar, services
from .access import ScopedQuerySet, can
from .api_base import MAX_ID
from .choices import ADMIN_ROLES, TierCode
from .errors import DomainError
from .forms import KeyRangeMixin
from .models import (
    TIER_ORDER,
    CalendarDay,
    CalendarYear,
    Campaign,
    CampaignPhase,
    ChecklistItem,
    DeadlineTier,
    FocusCategory,
    LevelName,
    LevelTable,
    Membership,
    OrgUnit,
    Phase,
    Role,
    Team,
    TeamMember,
    User,
    VisitMode,
)

# django-auditlog names this column in English outside its catalogue: the admin is Chinese throughout.
LogEntryAdminMixin.cid_url.short_description = "关联编号"


def _pickable(qs, user):
    """What a non-superuser may pick in a form: the rows they manage, or else those they see."""
    if isinstance(qs, ScopedQuerySet) and "manage" in qs.rules:
        return qs.actionable_by(user, "manage")
    if hasattr(qs, "visible_to"):
        return qs.visible_to(user)
    return qs


class _SafeAutocompleteMixin:
    """Django's autocomplete widget looks the submitted value up to show it again, and a value that
    is not a key ("<script>", "NO-SUCH") would make that lookup a server error after the form has
    already refused it: such values are left out of the lookup, the field's message stays."""

    def optgroups(self, name, value, attr=None):
        keys = [v for v in value if str(v).isdigit() and 0 < int(str(v)) <= MAX_ID]
        return super().optgroups(name, keys, attr)


class SafeAutocompleteSelect(_SafeAutocompleteMixin, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(_SafeAutocompleteMixin, AutocompleteSelectMultiple):
    pass


class _KeyChoiceField(KeyRangeMixin, forms.ModelChoiceField):
    pass


class _KeyMultipleChoiceField(KeyRangeMixin, forms.ModelMultipleChoiceField):
    pass


class SafeAutocompleteMixin:
    """Pickers that refuse a forged key bigger than any database key like a missing one, and
    autocompletes that re-show a refused, non-key value, without a server error."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        kwargs.setdefault("form_class", _KeyChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        kwargs.setdefault("form_class", _KeyMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ScopedPickersMixin(SafeAutocompleteMixin):
    """Foreign-key and many-to-many pickers offer (and accept) only what the user may pick."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and not request.user.is_superuser:
            field.queryset = _pickable(field.queryset, request.user)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and not request.user.is_superuser:
            field.queryset = _pickable(field.queryset, request.user)
        return field


class ScopedAdminMixin(ScopedPickersMixin):
    """Lists show what `visible_to` gives a non-superuser; a row opens for change or delete only
    when the model's `manage_action` rule grants it (None: read-only for them)."""

    manage_action: str | None = "manage"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.visible_to(request.user)

    def _grants(self, request, obj):
        if obj is None or request.user.is_superuser:
            return True
        return self.manage_action is not None and can(request.user, self.manage_action, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._grants(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._grants(request, obj)

    def delete_queryset(self, request, queryset):
        # "Delete selected" asks has_delete_permission() without a row: check every selected one.
        if not request.user.is_superuser:
            allowed = (
                queryset.model._default_manager.actionable_by(request.user, self.manage_action)
                if self.manage_action
                else queryset.none()
            )
            if queryset.exclude(pk__in=allowed.values("pk")).exists():
                raise PermissionDenied
        super().delete_queryset(request, queryset)


class WholeTreeAdminMixin:
    """Installation-wide configuration: only admins of every unit change it."""

    def _whole_tree(self, request):
        return request.user.is_superuser or OrgUnit.objects.all_actionable_by(request.user, "manage")

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) and self._whole_tree(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._whole_tree(request)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._whole_tree(request)


@admin.register(LevelName)
class LevelNameAdmin(WholeTreeAdminMixin, admin.ModelAdmin):
    """What each level is called: for the whole installation, or for one branch (a town's 镇 > 村 >
    村民小组)."""

    list_display = ["level", "label", "branch"]
    list_filter = ["level"]
    autocomplete_fields = ["branch"]


class MembershipInline(admin.TabularInline):
    """Roles are given by a security administrator over the unit (rule "staff"), never to
    themself, and never one of the three administrator roles: those the installation's
    superuser appoints (三员分立: no role grants itself another's rights)."""

    model = Membership
    extra = 0
    autocomplete_fields = ["unit"]

    def get_queryset(self, request):
        # A street's security administrator neither sees nor removes roles outside the street.
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(unit__in=OrgUnit.objects.actionable_by(request.user, "staff"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "unit" and field is not None and not request.user.is_superuser:
            field.queryset = OrgUnit.objects.actionable_by(request.user, "staff")
        return field

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not request.user.is_superuser:
            kwargs["choices"] = [(v, label) for v, label in Role.choices if v not in ADMIN_ROLES]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def _own(self, request, obj):
        return obj is not None and obj.pk == request.user.pk and not request.user.is_superuser

    def has_add_permission(self, request, obj=None):
        return not self._own(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._own(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._own(request, obj) and super().has_delete_permission(request, obj)


@admin.register(OrgUnit)
class OrgUnitAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["indented_name", "code", "level", "parent", "is_active"]  # "level" named per branch below
    list_filter = ["level", "is_active"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path", "depth"]

    @admin.display(description="名称", ordering="path")
    def indented_name(self, obj):
        return "　" * obj.depth + obj.name

    def get_list_display(self, request):
        # The level column in the installation's (or the unit's branch's) words, from one query.
        table = LevelTable.load()

        @admin.display(description="层级", ordering="level")
        def level_name(obj):
            return table.of(obj)

        return [level_name if f == "level" else f for f in super().get_list_display(request)]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not request.user.is_superuser and "parent" in form.base_fields:
            # A new top-level unit would be outside everyone's subtree but the superuser's.
            form.base_fields["parent"].required = True
        return form


# Who may log into the admin and with which permissions: the superuser decides, nobody grants it
# to themself or to the people of their subtree.
GRANTS = ("is_superuser", "is_staff", "groups", "user_permissions")


@admin.register(User)
class UserAdmin(ScopedAdminMixin, BaseUserAdmin):
    list_display = ["username", "full_name", "phone", "post", "is_active", "is_superuser"]
    search_fields = ["username", "full_name", "phone"]
    inlines = [MembershipInline]
    fieldsets = BaseUserAdmin.fieldsets + (("工作信息", {"fields": ("full_name", "phone", "post")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("工作信息", {"fields": ("full_name", "phone", "post")}),)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else [*fields, *GRANTS, "last_login", "date_joined"]


@admin.register(FocusCategory)
class FocusCategoryAdmin(WholeTreeAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "is_active"]
    search_fields = ["name", "code"]


class PhaseInline(admin.TabularInline):
    model = CampaignPhase
    extra = 0


class ChecklistInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0


class TierFormSet(forms.BaseInlineFormSet):
    """Across a campaign's rows: each code once, and the days in the order of the tiers (a plan
    before a general answer, a larger problem more time than a smaller one)."""

    def clean(self):
        super().clean()
        rows = [
            f.cleaned_data
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("code")
        ]
        seen = {}
        for row in rows:
            if row["code"] in seen:
                raise forms.ValidationError(f"编码“{TierCode(row['code']).label}”重复，每个办理时限只能有一行")
            seen[row["code"]] = row.get("working_days")
        ordered = [(c, seen[c]) for c in TIER_ORDER if seen.get(c) is not None]
        for (a, a_days), (b, b_days) in zip(ordered, ordered[1:], strict=False):
            if b_days < a_days or (a != TierCode.PLAN and b_days == a_days):
                raise forms.ValidationError(
                    f"“{TierCode(b).label}”的期限（{b_days}个工作日）应长于“{TierCode(a).label}”（{a_days}个工作日）"
                )


class TierInline(admin.TabularInline):
    model = DeadlineTier
    formset = TierFormSet
    extra = 0


def _switch_action(kind, label):
    """An action switching the selected campaigns to one phase by hand (and locking it there)."""

    def action(modeladmin, request, queryset):
        for campaign in queryset:
            try:
                work = services.switch_phase(actor=request.user, campaign=campaign, phase=kind)
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


@admin.action(description="按日期同步阶段")
def _sync_action(modeladmin, request, queryset):
    # Syncs every campaign of the tree, not only the selected ones: for admins of all of it.
    if not OrgUnit.objects.all_actionable_by(request.user, "manage"):
        modeladmin.message_user(request, "只有管理全部单位的管理员可以按日期同步全部活动阶段", messages.ERROR)
        return
    services.sync_phases()
    modeladmin.message_user(request, "已按日期同步各活动阶段（锁定的活动除外）")


class CampaignAdminForm(forms.ModelForm):
    """The allowed visit modes as checkboxes, not the JSON list they are stored as."""

    allowed_modes = forms.MultipleChoiceField(
        label="允许的走访方式",
        choices=VisitMode.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "至少选择一种走访方式"},
    )

    class Meta:
        model = Campaign
        fields = [
            "name",
            "territory",
            "year",
            "phase",
            "phase_locked",
            "min_visit_minutes",
            "allowed_modes",
            "visit_content",
            "ask_location",
            "assessment_weight",
            "focus_categories",
        ]


@admin.register(Campaign)
class CampaignAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = CampaignAdminForm
    list_display = ["name", "territory", "year", "phase", "phase_locked"]
    list_filter = ["year", "phase"]
    search_fields = ["name"]
    autocomplete_fields = ["territory"]
    filter_horizontal = ["focus_categories"]
    inlines = [PhaseInline, TierInline, ChecklistInline]
    actions = [*(_switch_action(kind, label) for kind, label in Phase.choices), _sync_action]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A new campaign without checklist or tiers gets the defaults of seeds/002.
        services.fill_campaign_defaults(campaign=form.instance)


class TeamMemberInline(ScopedPickersMixin, admin.TabularInline):
    model = TeamMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "campaign", "unit", "paired_unit", "quota"]
    list_filter = ["campaign"]
    autocomplete_fields = ["unit", "paired_unit"]
    inlines = [TeamMemberInline]


@admin.register(CalendarDay)
class CalendarDayAdmin(WholeTreeAdminMixin, admin.ModelAdmin):
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
class CalendarYearAdmin(WholeTreeAdminMixin, admin.ModelAdmin):
    list_display = ["year", "source", "loaded_at"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _changed({obj.year})


def _changed(years):
    transaction.on_commit(lambda: calendar.schedule_changed.send(sender=CalendarDay, years=years))
