"""Browser forms; they validate the shape, the services enforce the rules. Every choice of a row
is offered and accepted through the acting user's scope, like the API's ids."""

from datetime import date

from django import forms
from django.utils import timezone

from campaigns.api_base import MAX_ID
from campaigns.choices import VisitMode
from campaigns.filters import IdField
from campaigns.forms import (
    ClientIdField,
    HalfWidthIntegerField,
    KeyRangeMixin,
    ScopedForm,
    ScopedModelChoiceField,
    ScopedModelMultipleChoiceField,
)
from campaigns.models import User
from grievances.forms import CategorySelect

from .choices import AssignmentKind, EventKind, RevealReason, SupporterKind, SupportKind
from .models import OUT_OF_SCOPE, Household, Pairing, assignable_visitors


class CoverageQuery(forms.Form):
    """The query string of the coverage page and endpoint: a campaign and a unit, each optional
    (the views resolve them through the user's scope)."""

    campaign = IdField(max_value=MAX_ID, required=False)
    unit = IdField(max_value=MAX_ID, required=False)


class PersonChoiceField(KeyRangeMixin, forms.ModelChoiceField):
    """One person among those a view offers (its queryset is set per request, from a rule)."""

    def __init__(self, **kwargs):
        kwargs["error_messages"] = {"invalid_choice": OUT_OF_SCOPE, **kwargs.get("error_messages", {})}
        super().__init__(queryset=User.objects.none(), **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.display_name}（{obj.post}）" if obj.post else obj.display_name


class PeopleChoiceField(KeyRangeMixin, forms.ModelMultipleChoiceField):
    """People among those a view offers (its queryset is set per request, from a rule)."""

    def __init__(self, **kwargs):
        super().__init__(queryset=User.objects.none(), **kwargs)
        self.error_messages.update({"invalid_choice": OUT_OF_SCOPE, "invalid_pk_value": OUT_OF_SCOPE})

    def label_from_instance(self, obj):
        return f"{obj.display_name}（{obj.post}）" if obj.post else obj.display_name


class VisitForm(forms.Form):
    client_id = ClientIdField(required=True)
    visited_at = forms.DateTimeField(
        label="走访开始时间",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    duration_minutes = HalfWidthIntegerField(label="走访时长（分钟）", min_value=1, max_value=600)
    mode = forms.ChoiceField(label="走访方式", choices=VisitMode.choices, initial=VisitMode.IN_PERSON)
    mode_reason = forms.CharField(label="非入户原因", required=False, max_length=200)
    notes = forms.CharField(label="民情日记", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    co_visitors = PeopleChoiceField(label="同行人员", required=False)
    latitude = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    accuracy_m = forms.FloatField(required=False, min_value=0, widget=forms.HiddenInput)
    confirm_repeat = forms.BooleanField(label="确认再次登记", required=False)

    def __init__(self, *args, checklist=(), people=None, grievance_categories=(), **kwargs):
        """`people`: the co-visitors the actor may name (`co_visitor_choices`), a queryset."""
        super().__init__(*args, **kwargs)
        self.checklist = list(checklist)
        if people is not None:
            self.fields["co_visitors"].queryset = people
        for item in self.checklist:
            self.fields[f"answer_{item.pk}"] = forms.CharField(
                label=f"{item.order}. {item.question}", required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
        cats = [("", "请选择问题类别")] + [(str(c.pk), str(c)) for c in grievance_categories]
        for i in (1, 2):
            self.fields[f"g{i}_content"] = forms.CharField(
                label="群众反映的问题或建议", required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
            self.fields[f"g{i}_category"] = forms.ChoiceField(
                label="问题类别", required=False, choices=cats, widget=CategorySelect
            )
            self.fields[f"g{i}_kind"] = forms.ChoiceField(
                label="类型", choices=[("problem", "问题"), ("suggestion", "建议")], initial="problem"
            )

    def clean(self):
        data = super().clean()
        for i in (1, 2):
            if (data.get(f"g{i}_content") or "").strip() and not data.get(f"g{i}_category"):
                self.add_error(f"g{i}_category", "请选择问题类别")
        if data.get("mode") and data["mode"] != VisitMode.IN_PERSON and not (data.get("mode_reason") or "").strip():
            self.add_error("mode_reason", "电话、微信、短信走访仅限长期外出等情况，请填写原因")
        return data

    def answer_fields(self):
        return [self[f"answer_{item.pk}"] for item in self.checklist]

    def location(self):
        return {k: self.cleaned_data.get(k) for k in ("latitude", "longitude", "accuracy_m")}

    def answers(self):
        return {str(item.pk): self.cleaned_data.get(f"answer_{item.pk}", "") for item in self.checklist}

    @staticmethod
    def initial_for(campaign):
        now = timezone.localtime().replace(second=0, microsecond=0)
        return {"visited_at": now.strftime("%Y-%m-%dT%H:%M"), "duration_minutes": campaign.min_visit_minutes}


class EventReportForm(forms.Form):
    client_id = ClientIdField()
    kind = forms.ChoiceField(label="十必报事项", choices=[("", "请选择"), *EventKind.choices])
    description = forms.CharField(label="情况说明", widget=forms.Textarea(attrs={"rows": 3}))
    to_grievance = forms.BooleanField(label="同时登记为问题（进入整改台账）", required=False)
    category = forms.ChoiceField(label="问题类别", required=False, choices=[], widget=CategorySelect)

    def __init__(self, *args, grievance_categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "请选择问题类别")] + [(str(c.pk), str(c)) for c in grievance_categories]

    def clean(self):
        data = super().clean()
        if data.get("to_grievance") and not data.get("category"):
            self.add_error("category", "转为问题时请选择问题类别")
        return data


class RevealForm(forms.Form):
    """Why the whole ID number and phone are opened (the API's RevealSerializer, for the page)."""

    reason = forms.ChoiceField(label="查看原因", choices=RevealReason.choices)
    text = forms.CharField(label="原因说明", max_length=200, required=False, help_text="选择“其他”时必填")

    def clean(self):
        data = super().clean()
        if data.get("reason") == RevealReason.OTHER and not (data.get("text") or "").strip():
            self.add_error("text", "选择“其他”时请说明原因")
        return data


class RosterUploadForm(forms.Form):
    file = forms.FileField(label="花名册文件（.xlsx）", widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))


class VisitUploadForm(forms.Form):
    file = forms.FileField(label="走访记录表（.xlsx）", widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))


class BulkAssignForm(ScopedForm):
    """Households the actor may assign (rule "assign") to someone they may give them to."""

    households = ScopedModelMultipleChoiceField(Household.objects.select_related("grid"), action="assign", label="农户")
    visitor = PersonChoiceField(label="走访人", error_messages={"required": "请选择走访人"})
    kind = forms.ChoiceField(label="分配方式", choices=AssignmentKind.choices, initial=AssignmentKind.GRID)
    replace = forms.BooleanField(label="改派（替换已有走访人）", required=False)

    def __init__(self, *args, user, campaign, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["households"].error_messages["required"] = "请选择农户"
        self.fields["visitor"].queryset = assignable_visitors(user, campaign).order_by("username")

    def first_error(self):
        return next((str(e) for errors in self.errors.values() for e in errors), "")


class PairingForm(ScopedForm):
    household = ScopedModelChoiceField(
        Household.objects.order_by("-is_hardship", "grid_id", "address").select_related("grid"),
        action="pair",
        label="帮扶对象",
    )
    supporter_kind = forms.ChoiceField(choices=SupporterKind.choices, label="帮扶方类型")
    supporter_name = forms.CharField(max_length=100, label="帮扶方")
    goal = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="帮扶目标")
    start_date = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label="结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))


class SupportRecordForm(ScopedForm):
    pairing = ScopedModelChoiceField(Pairing.objects.all(), action="edit", label="结对", widget=forms.HiddenInput)
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(choices=SupportKind.choices, label="帮扶方式")
    amount = forms.DecimalField(label="金额（元）", required=False, min_value=0, max_digits=12, decimal_places=2)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.FileField(label="佐证材料", required=False)
    client_id = ClientIdField()


class HardshipPlanForm(ScopedForm):
    situation = forms.CharField(label="困难情况", widget=forms.Textarea(attrs={"rows": 3}))
    measures = forms.CharField(label="帮扶措施", widget=forms.Textarea(attrs={"rows": 3}))
    responsible = forms.CharField(label="责任人", max_length=50)
    responsible_user = ScopedModelChoiceField(
        User.objects.filter(is_active=True).order_by("username"), label="责任人账号", required=False
    )
    review_dates = forms.CharField(
        label="复核日期",
        required=False,
        help_text="每行一个日期，如 2026-12-31；已复核的日期保留",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_review_dates(self):
        days, bad = [], []
        for line in self.cleaned_data["review_dates"].replace("，", "\n").replace(",", "\n").splitlines():
            if not (line := line.strip()):
                continue
            try:
                days.append(date.fromisoformat(line))
            except ValueError:
                bad.append(line[:20])
        if bad:
            raise forms.ValidationError(
                "日期格式不正确：%(bad)s（应为 年-月-日，如 2026-12-31）", params={"bad": "、".join(bad)}
            )
        if len(days) > 24:
            raise forms.ValidationError("复核日期最多 24 个")
        return days


class PlanReviewForm(forms.Form):
    review = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    outcome = forms.CharField(label="复核情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
