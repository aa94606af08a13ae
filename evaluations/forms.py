"""Browser form of an evaluation: the target the questionnaire's rater kind rates, one answer per question."""

from django import forms

from campaigns.forms import ScopedForm, ScopedModelChoiceField
from campaigns.models import OrgUnit, Team, User

from .choices import SATISFACTION_LABELS, SCALE_VALUES, TARGET_FIELD, Scale

_TARGETS = {
    "target_team": (Team.objects.all(), "被评工作组"),
    "target_unit": (OrgUnit.objects.filter(is_active=True), "被评支部/单位"),
    "target_user": (User.objects.filter(is_active=True), "被评党员"),
}


class EvaluationForm(ScopedForm):
    rater_name = forms.CharField(label="测评人（可不填）", max_length=50, required=False)

    def __init__(self, *args, questionnaire, **kwargs):
        self.questionnaire = questionnaire
        self.target_field = TARGET_FIELD[questionnaire.rater_kind]
        qs, label = _TARGETS[self.target_field]
        if self.target_field == "target_team":
            qs = qs.filter(campaign=questionnaire.campaign)
        super().__init__(*args, **kwargs)
        target = ScopedModelChoiceField(qs, label=label)
        target.scope_to(self.user)
        self.fields = {self.target_field: target, **self.fields}
        for q in questionnaire.questions.all():
            values = SCALE_VALUES[q.scale]
            choices = [(v, SATISFACTION_LABELS[v] if q.scale == Scale.SATISFACTION else f"{v}分") for v in values]
            self.fields[f"q{q.pk}"] = forms.TypedChoiceField(
                label=q.text, choices=list(reversed(choices)), coerce=int, widget=forms.RadioSelect
            )

    def answers(self):
        return {k[1:]: v for k, v in self.cleaned_data.items() if k.startswith("q") and k[1:].isdigit()}
