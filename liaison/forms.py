"""Page forms and query forms of the liaison network: every id through the caller's scope."""

from django import forms
from django.db.models import Q

from campaigns.api_base import MAX_ID
from campaigns.choices import Level
from campaigns.filters import IdField
from campaigns.forms import ClientIdField, ScopedForm, ScopedModelChoiceField
from campaigns.models import OrgUnit, Team
from grievances.models import Grievance, GrievanceCategory
from visits.choices import AREA_EVENT_KINDS, EventKind
from visits.models import standing_village_q

from .choices import MeetingKind, ReportKind


class ScopedCategoryField(forms.ModelChoiceField):
    """A ledger category in use: reference data, the same for every unit."""

    def __init__(self, **kwargs):
        super().__init__(
            GrievanceCategory.objects.filter(is_active=True).select_related("parent").order_by("order", "id"), **kwargs
        )


class FiguresForm(forms.Form):
    unit = IdField(max_value=MAX_ID, label="单位")
    start = forms.DateField(required=False, label="起始日期")
    end = forms.DateField(required=False, label="截止日期")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("起始日期不能晚于截止日期")
        return data


def _units():
    return OrgUnit.objects.territorial().filter(is_active=True).order_by("path")


class MapForm(ScopedForm):
    unit = ScopedModelChoiceField(
        OrgUnit.objects.filter(level__in=[Level.STREET, Level.COMMUNITY], is_active=True),
        label="乡镇（街道）或村（社区）",
    )


class BoxOpeningForm(ScopedForm):
    unit = ScopedModelChoiceField(_units(), label="设箱单位")
    opened_at = forms.DateTimeField(label="开箱时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    opened_by = forms.CharField(label="开箱人", max_length=50)
    slips = forms.CharField(
        label="信件内容", required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text="每行一件，逐件登记为台账"
    )
    category = ScopedCategoryField(label="问题类别", required=False)
    notes = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("slips", "").strip() and not data.get("category"):
            self.add_error("category", "登记信件时请选择问题类别")
        return data


class MeetingForm(ScopedForm):
    unit = ScopedModelChoiceField(_units().filter(level__in=[Level.STREET, Level.COMMUNITY]), label="召开单位")
    kind = forms.ChoiceField(label="类型", choices=MeetingKind.choices)
    held_on = forms.DateField(label="召开日期", widget=forms.DateInput(attrs={"type": "date"}))
    chair = forms.CharField(label="主持人", max_length=50, required=False)
    attendees = forms.CharField(label="参会人员", max_length=500, required=False)
    minutes = forms.CharField(label="会议纪要", widget=forms.Textarea(attrs={"rows": 5}))
    grievances = forms.CharField(label="研究的台账编号", required=False, help_text="多个编号用逗号分隔")

    def clean_grievances(self):
        raw = [p.strip() for p in self.cleaned_data["grievances"].replace("，", ",").split(",") if p.strip()]
        if any(not p.isdigit() or not 0 < int(p) <= MAX_ID for p in raw):
            raise forms.ValidationError("所选对象不存在或不在您的管辖范围内")
        ids = {int(p) for p in raw}
        found = list(Grievance.objects.visible_to(self.user).select_related("unit").filter(pk__in=ids))
        if len(found) != len(ids):
            raise forms.ValidationError("所选对象不存在或不在您的管辖范围内")
        return found


class ReportForm(ScopedForm):
    unit = ScopedModelChoiceField(_units().filter(level__in=[Level.STREET, Level.COMMUNITY]), label="报送单位")
    kind = forms.ChoiceField(label="报表", choices=ReportKind.choices)
    period = forms.DateField(label="期间内任一日期", widget=forms.DateInput(attrs={"type": "date"}))
    content = forms.CharField(label="情况说明", widget=forms.Textarea(attrs={"rows": 4}))


class AreaEventForm(ScopedForm):
    unit = forms.ModelChoiceField(OrgUnit.objects.none(), label="所属单位")
    kind = forms.ChoiceField(label="事项", choices=[(k, EventKind(k).label) for k in AREA_EVENT_KINDS])
    description = forms.CharField(label="情况说明", widget=forms.Textarea(attrs={"rows": 3}))
    client_id = ClientIdField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        network = standing_village_q(user, "pk") | standing_village_q(user, "parent_id")
        visible = OrgUnit.objects.visible_to(user).values("pk")
        self.fields["unit"].queryset = (
            _units().filter(Q(pk__in=visible) | Q(pk__in=OrgUnit.objects.filter(network))).exclude(level=Level.DISTRICT)
        )
        self.fields["unit"].error_messages["invalid_choice"] = "所选对象不存在或不在您的管辖范围内"


class SummaryForm(ScopedForm):
    team = ScopedModelChoiceField(
        Team.objects.select_related("campaign").order_by("-campaign_id", "name"), label="工作组"
    )
    day = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    items = forms.CharField(
        label="当日意见",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="每行一条：反映人｜地址｜意见内容｜处理建议",
    )
    summary = forms.CharField(label="汇总说明", widget=forms.Textarea(attrs={"rows": 3}))

    def clean_items(self):
        rows = []
        for line in self.cleaned_data["items"].splitlines():
            parts = [p.strip() for p in line.replace("|", "｜").split("｜")]
            if not any(parts):
                continue
            parts += [""] * (4 - len(parts))
            if len(parts) == 1 or not parts[2]:
                parts = ["", "", line.strip(), ""]
            rows.append(dict(zip(("reporter", "address", "content", "suggestion"), parts[:4], strict=True)))
        return rows
