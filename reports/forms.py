"""Browser forms of the reports pages (same checks as the API serializers).

Every id is a scoped choice: a campaign the user can see, a unit they may read ("report"),
score ("inspect") or hand out cards in ("cards"). An id outside that is refused like a missing one.
"""

from django import forms
from django.db.models import Q

from campaigns.access import path_prefixes
from campaigns.choices import HOUSEHOLD_LEVELS, Level
from campaigns.forms import ScopedForm, ScopedModelChoiceField, ScopedModelMultipleChoiceField
from campaigns.lib.uploads import FormUploadValidator
from campaigns.models import Campaign, OrgUnit
from visits.models import Household

from .choices import ViolationKind

OUTSIDE_CAMPAIGN = "该单位不在本次活动范围内"


def _campaign_field():
    return ScopedModelChoiceField(Campaign.objects.select_related("territory"), label="活动")


class _InCampaign:
    """The unit in `unit_field` lies in the campaign's territory."""

    unit_field = "org_unit"

    def clean(self):
        data = super().clean()
        unit, campaign = data.get(self.unit_field), data.get("campaign")
        if unit is not None and campaign is not None and not unit.path.startswith(campaign.territory.path):
            self.add_error(self.unit_field, OUTSIDE_CAMPAIGN)
        return data


# A picker over more units than this (a city has 20,000) lists only the way to the chosen unit
# and its children; any unit in scope is still accepted, and the figures link to every child.
UNIT_PICKER_MAX = 300


class FigureForm(_InCampaign, ScopedForm):
    campaign = _campaign_field()
    org_unit = ScopedModelChoiceField(OrgUnit.objects.territorial(), action="report", label="单位")
    start = forms.DateField(label="开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["org_unit"]
        units = field.queryset
        if units[UNIT_PICKER_MAX : UNIT_PICKER_MAX + 1].exists():
            chosen = self.data.get("org_unit") if self.is_bound else self.initial.get("org_unit")
            chosen = getattr(chosen, "pk", chosen)
            unit = units.filter(pk=chosen).first() if str(chosen or "").isdigit() else None
            top = units.order_by("depth").values_list("depth", flat=True).first()
            near = Q(depth=top)
            if unit is not None:
                near |= Q(path__in=path_prefixes(unit.path)) | Q(parent_id=unit.pk)
            field.widget.choices = [
                ("", field.empty_label),
                *((u.pk, field.label_from_instance(u)) for u in units.filter(near).order_by("path")),
            ]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "结束日期不能早于开始日期")
        return data


class ViolationForm(_InCampaign, ScopedForm):
    unit_field = "unit"

    campaign = _campaign_field()
    unit = ScopedModelChoiceField(
        OrgUnit.objects.filter(level__in=[Level.STREET, Level.COMMUNITY, *HOUSEHOLD_LEVELS]),
        action="inspect",
        label="街道/镇、社区/村或其网格",
    )
    kind = forms.ChoiceField(choices=ViolationKind.choices, label="违规类型")
    evidence = forms.CharField(label="情况说明", widget=forms.Textarea)
    evidence_file = forms.FileField(
        label="佐证材料",
        required=False,
        validators=[FormUploadValidator("violation", field="evidence_file", label="佐证材料")],
    )


class DetectForm(_InCampaign, ScopedForm):
    campaign = _campaign_field()
    org_unit = ScopedModelChoiceField(OrgUnit.objects.all(), action="inspect", label="单位")


class _CardHouseholds(ScopedModelMultipleChoiceField):
    """Households the user can see, in grids where they may hand out service cards."""

    def scope_to(self, user):
        super().scope_to(user)
        self.queryset = self.queryset.filter(grid__in=OrgUnit.objects.actionable_by(user, "cards"))


class DistributeForm(ScopedForm):
    campaign = _campaign_field()
    household = _CardHouseholds(Household.objects.select_related("grid"), label="农户")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].error_messages["required"] = "请选择已发放连心卡的农户"

    def clean(self):
        data = super().clean()
        campaign, households = data.get("campaign"), data.get("household")
        if campaign is not None and households:
            if any(not h.grid.path.startswith(campaign.territory.path) for h in households):
                self.add_error("household", "所选农户不在本次活动范围内")
        return data


class SummaryForm(forms.Form):
    """The office's edit of a summary document; `cases` are offered from the unit's ledger."""

    title = forms.CharField(label="标题", max_length=120)
    issuing_body = forms.CharField(label="发文机关（落款）", max_length=80)
    signed_on = forms.DateField(label="成文日期", widget=forms.DateInput(attrs={"type": "date"}))
    basic_situation = forms.CharField(label="一、基本情况", required=False, widget=forms.Textarea(attrs={"rows": 6}))
    practices = forms.CharField(label="主要做法", required=False, widget=forms.Textarea(attrs={"rows": 6}))
    results = forms.CharField(label="取得成效", required=False, widget=forms.Textarea(attrs={"rows": 5}))
    cases = forms.ModelMultipleChoiceField(
        queryset=None, label="典型案例（从台账选取）", required=False, widget=forms.CheckboxSelectMultiple
    )
    problems = forms.CharField(label="存在问题", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    next_steps = forms.CharField(label="下一步打算", required=False, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        # The choices are the unit's answered problems (the service checks them again).
        self.fields["cases"].queryset = candidates
        self.fields["cases"].label_from_instance = lambda g: f"{g.unit.name}｜{g.category.name}｜{g.content[:40]}"
        self.fields["basic_situation"].label = "基本情况"
