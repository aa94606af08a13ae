"""Browser forms of the background work: ids resolved through the acting user's access rules."""

from django import forms

from campaigns.forms import ScopedForm, ScopedModelChoiceField
from campaigns.models import Campaign, Phase


class PhaseSwitchForm(ScopedForm):
    """Switch a campaign's phase by hand: only a campaign whose territory the admin manages."""

    campaign = ScopedModelChoiceField(Campaign.objects.all(), action="manage", label="活动")
    phase = forms.ChoiceField(choices=Phase.choices, label="阶段", error_messages={"invalid_choice": "请选择阶段"})
