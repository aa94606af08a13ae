"""Browser forms of the reports pages (same checks as the API serializers)."""

from django import forms

from campaigns import defaults
from campaigns.models import Campaign, Level, OrgUnit


class FigureForm(forms.Form):
    campaign = forms.ModelChoiceField(Campaign.objects.none(), label="活动")
    org_unit = forms.ModelChoiceField(OrgUnit.objects.none(), label="单位")
    start = forms.DateField(label="开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.visible_to(user)
        self.fields["org_unit"].queryset = OrgUnit.objects.visible_to(user).exclude(level=Level.DEPARTMENT)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "结束日期不能早于开始日期")
        return data


class ViolationForm(forms.Form):
    campaign = forms.ModelChoiceField(Campaign.objects.none(), label="活动")
    unit = forms.ModelChoiceField(OrgUnit.objects.none(), label="社区/村或网格")
    kind = forms.ChoiceField(choices=defaults.VIOLATION_KINDS, label="违规类型")
    evidence = forms.CharField(label="情况说明", widget=forms.Textarea)
    evidence_file = forms.FileField(label="佐证材料", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.visible_to(user)
        self.fields["unit"].queryset = OrgUnit.objects.visible_to(user).filter(level__in=[Level.COMMUNITY, Level.GRID])
