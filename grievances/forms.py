"""Page forms of the ledger. Every id resolves through the acting user's scope (a picker lists only
what the rule allows, a forged id is refused like a missing one); every choice is a choice."""

from django import forms
from django.apps import apps

from campaigns.forms import ClientIdField, ScopedForm, ScopedModelChoiceField, ScopedModelMultipleChoiceField
from campaigns.models import Campaign, OrgUnit, Role, User

from . import workflow
from .choices import Kind, Source, Tier
from .models import Grievance, GrievanceCategory, ReceptionKind, handling_units_for

# The ledger points at visits by name only (visits imports the ledger to register what it hears).
Household = apps.get_model("visits", "Household")

REQUIRED = {"required": "此项为必填项"}
CHOICE = {"required": "此项为必填项", "invalid_choice": "请从列表中选择"}


class CategorySelect(forms.Select):
    """Leaf categories grouped under their parent (<optgroup>), labelled "parent / leaf" by their
    choices. Without script that is already a usable picker; static/js/app.js turns every
    `data-category-picker` into two selects, the parent first, then its leaves."""

    def __init__(self, attrs=None):
        super().__init__({"data-category-picker": "", **(attrs or {})})

    def optgroups(self, name, value, attrs=None):
        loose, groups = [], {}
        for option_value, label in self.choices:
            parent, sep, leaf = str(label).partition(" / ")
            if sep:
                groups.setdefault(parent, []).append((option_value, leaf))
            else:
                loose.append((option_value, label))
        choices = self.choices
        self.choices = loose + list(groups.items())
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = choices


class GrievanceCreateForm(ScopedForm):
    """A new entry from the browser; the service checks what depends on more than one field (the
    campaign's territory must contain the entry's unit)."""

    content = forms.CharField(label="反映内容", error_messages=REQUIRED)
    reporter_name = forms.CharField(label="反映人", max_length=50, required=False)
    reporter_phone = forms.CharField(label="联系电话", max_length=20, required=False)
    category = ScopedModelChoiceField(
        GrievanceCategory.objects.filter(parent__isnull=False)
        .select_related("parent")
        .order_by("parent__order", "parent_id", "order", "id"),
        label="问题类别",
        widget=CategorySelect,
    )
    kind = forms.ChoiceField(label="类型", choices=Kind.choices, initial=Kind.PROBLEM, error_messages=CHOICE)
    # No default: an office walk-in or a hotline call is not a visit, the registrar says which.
    source = forms.ChoiceField(
        label="来源", choices=[("", "请选择来源"), *Source.choices], error_messages={**CHOICE, "required": "请选择来源"}
    )
    tier = forms.ChoiceField(label="层级", choices=Tier.choices, initial=Tier.GENERAL, error_messages=CHOICE)
    urgent = forms.BooleanField(label="急难险重（按小时计时，同时通知两级单位）", required=False)
    # Only territorial units the user may register in: an entry belongs to a place.
    unit = ScopedModelChoiceField(
        OrgUnit.objects.territorial().filter(is_active=True).order_by("path"),
        action="register",
        label="所属单位",
        required=False,
    )
    household = ScopedModelChoiceField(Household.objects.all(), label="农户", required=False)
    campaign = ScopedModelChoiceField(Campaign.objects.all(), label="活动", required=False)
    proposed_solution = forms.CharField(label="拟解决措施", required=False)
    # Rendered once per page: a second submit of the same page (a double tap, the back button,
    # a resend after a timeout) opens the first entry instead of a second one.
    client_id = ClientIdField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].error_messages["required"] = "请选择问题类别"


class MergeForm(ScopedForm):
    """Entries to merge into the page's entry: only those the user may merge."""

    sources = ScopedModelMultipleChoiceField(Grievance.objects.all(), action="merge", label="重复条目")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sources"].error_messages["required"] = "请选择要合并的条目"


class BulkForm(ScopedForm):
    """One bulk action on the ticked entries. The routing target is checked again per entry
    (within that entry's district) by the service."""

    ids = ScopedModelMultipleChoiceField(Grievance.objects.all(), label="条目")
    name = forms.ChoiceField(
        label="批量操作", choices=[(n, workflow.BY_NAME[n].label) for n in workflow.BULK], error_messages=CHOICE
    )
    handling_unit = forms.ModelChoiceField(
        OrgUnit.objects.none(),
        label="责任单位",
        required=False,
        error_messages={"invalid_choice": "所选责任单位不存在或不在本区可交办的范围内"},
    )
    tier = forms.ChoiceField(label="层级", choices=[("", "")] + Tier.choices, required=False, error_messages=CHOICE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].error_messages["required"] = "请先勾选要处理的条目"
        self.fields["handling_unit"].queryset = handling_units_for(self.user)

    def clean(self):
        data = super().clean()
        if data.get("name") == "assign" and not data.get("handling_unit"):
            self.add_error("handling_unit", "交办时请选择责任单位")
        if data.get("name") == "set_tier" and not data.get("tier"):
            self.add_error("tier", "调整层级时请选择层级")
        return data


class ReceptionForm(ScopedForm):
    """A reception day, an appointment or a visit down, from the petitions page; the service checks
    the unit is the caller's to record in and the leader leads it or a unit above."""

    kind = forms.ChoiceField(label="类型", choices=ReceptionKind.choices, error_messages=CHOICE)
    unit = ScopedModelChoiceField(OrgUnit.objects.filter(is_active=True).order_by("path"), label="单位")
    leader = ScopedModelChoiceField(
        User.objects.filter(memberships__role=Role.LEADER).distinct().order_by("id"),
        label="接访领导",
        required=False,
        empty_label="本人",
    )
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}), error_messages=REQUIRED)
    place = forms.CharField(label="地点", max_length=100, required=False)
    note = forms.CharField(label="情况说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReceptionVisitorForm(ScopedForm):
    """A line of a reception's register: the entry is named by its number (编号)."""

    name = forms.CharField(label="来访人", max_length=50, error_messages=REQUIRED)
    matter = forms.CharField(label="反映事项", error_messages=REQUIRED)
    grievance = ScopedModelChoiceField(
        Grievance.objects.all(), label="台账编号", required=False, widget=forms.NumberInput(attrs={"min": 1})
    )
    outcome = forms.CharField(label="处理结果", required=False)


class VisitorOutcomeForm(ScopedForm):
    outcome = forms.CharField(label="处理结果", required=False)
    grievance = ScopedModelChoiceField(
        Grievance.objects.all(), label="台账编号", required=False, widget=forms.NumberInput(attrs={"min": 1})
    )


class PetitionFlagsForm(forms.Form):
    is_backlog = forms.BooleanField(label="信访积案", required=False)
    skipped_level = forms.BooleanField(label="越级信访", required=False)
    settled = forms.BooleanField(label="已息访", required=False)
