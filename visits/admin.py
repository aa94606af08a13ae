"""Configuration screens for households, plans, assignments and visits (labels from the models)."""

from django import forms
from django.contrib import admin

from campaigns.admin import SafeAutocompleteMixin

from .models import Assignment, EventReport, HardshipPlan, Household, ImportJob, Visit, VisitImportJob, VisitPhoto
from .validators import id_number_error, members_count_error, normalize_id_number, phone_error


class HardshipPlanInline(admin.StackedInline):
    model = HardshipPlan
    extra = 0


class MembersCountFormField(forms.IntegerField):
    def to_python(self, value):
        if msg := members_count_error(value):
            raise forms.ValidationError(msg)
        return super().to_python(value)


class HouseholdAdminForm(forms.ModelForm):
    """The same rules as the API and the roster: ID number and phone checked (a final x
    upper-cased), digits half-width, one record per household key."""

    members_count = MembersCountFormField(label="家庭人数", min_value=1, max_value=99, initial=1)

    class Meta:
        model = Household
        fields = [
            "grid",
            "head_name",
            "id_number",
            "phone",
            "address",
            "members_count",
            "kind",
            "categories",
            "is_hardship",
        ]

    def clean_id_number(self):
        value = normalize_id_number(self.cleaned_data.get("id_number") or "")
        if value and (msg := id_number_error(value)):
            raise forms.ValidationError(msg)
        return value

    def clean_phone(self):
        value = (self.cleaned_data.get("phone") or "").strip()
        if value and (msg := phone_error(value)):
            raise forms.ValidationError(msg)
        return value

    def clean(self):
        data = super().clean()
        grid = data.get("grid")
        if grid is not None and grid.level != "grid":
            self.add_error("grid", "农户只能登记到网格")
        if self.errors or grid is None:
            return data
        key = Household.make_key(
            id_number=data.get("id_number", ""),
            grid_code=grid.code,
            address=data.get("address", ""),
            head_name=data.get("head_name", ""),
        )
        if Household.objects.filter(key=key).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("该户已登记（身份证号或网格、地址、户主姓名相同）")
        self.instance.key = key
        return data


@admin.register(Household)
class HouseholdAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    form = HouseholdAdminForm
    list_display = ["head_name", "address", "grid", "kind", "is_hardship"]
    list_filter = ["kind", "is_hardship", "categories"]
    search_fields = ["head_name", "address"]
    autocomplete_fields = ["grid"]
    filter_horizontal = ["categories"]
    inlines = [HardshipPlanInline]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["household", "visitor", "kind", "team", "campaign"]
    list_filter = ["kind", "campaign"]
    raw_id_fields = ["household", "visitor"]


class VisitPhotoInline(admin.TabularInline):
    model = VisitPhoto
    extra = 0


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["household", "visitor", "visited_at", "duration_minutes", "mode", "too_short"]
    list_filter = ["mode", "too_short", "is_followup", "campaign"]
    raw_id_fields = ["household", "visitor", "co_visitors"]
    inlines = [VisitPhotoInline]


@admin.register(EventReport)
class EventReportAdmin(admin.ModelAdmin):
    list_display = ["household", "kind", "reporter", "reported_at"]
    list_filter = ["kind"]
    raw_id_fields = ["household", "reporter"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["original_name", "status", "total_rows", "to_create", "to_update", "error_count", "created_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]


@admin.register(VisitImportJob)
class VisitImportJobAdmin(admin.ModelAdmin):
    list_display = ["original_name", "status", "total_rows", "to_create", "unchanged", "error_count", "created_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in VisitImportJob._meta.fields]
