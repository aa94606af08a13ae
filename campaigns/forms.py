import uuid

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError

from . import twofactor
from .api_base import MAX_ID
from .models import Campaign, Phase


class LoginForm(AuthenticationForm):
    """Password, then the second factor's code for people who have a device (see twofactor)."""

    otp = forms.CharField(label="动态口令", required=False, max_length=16, strip=True)

    error_messages = {
        "invalid_login": "用户名或密码错误。连续失败5次将锁定30分钟。",
        "inactive": "该账户已停用。",
        "otp_required": "该账户已启用双因素认证，请输入动态口令（或恢复码）。",
        "invalid_otp": "动态口令错误或已过期。",
    }

    def clean(self):
        cleaned = super().clean()
        user = self.user_cache
        if user is not None and twofactor.has_device(user):
            code = self.cleaned_data.get("otp", "")
            device = twofactor.check(user, code) if code else None
            if device is None:
                # A wrong code counts as a failed login for the lockout, like a wrong password.
                user_login_failed.send(
                    sender=__name__, credentials={"username": user.get_username()}, request=self.request
                )
                raise ValidationError(
                    self.error_messages["invalid_otp" if code else "otp_required"],
                    code="invalid_otp" if code else "otp_required",
                )
            # django-otp's user_logged_in receiver marks the session verified with this device.
            user.otp_device = device
        return cleaned


class OtpConfirmForm(forms.Form):
    code = forms.CharField(label="动态口令", max_length=16, strip=True)


class HalfWidthIntegerField(forms.IntegerField):
    """An integer typed with ASCII digits: int() would take full-width or other scripts' digits
    ("１２"), which the rest of the product refuses (see campaigns.validators)."""

    def to_python(self, value):
        if isinstance(value, str) and not value.strip().isascii():
            raise forms.ValidationError("请使用半角数字（不要使用全角字符）", code="full_width")
        return super().to_python(value)


class KeyRangeMixin:
    """Refuse a forged id bigger than any database key like a missing one: queried, it would
    overflow (a server error) instead of matching nothing."""

    def _out_of_range(self, value):
        if self.to_field_name or value in self.empty_values:
            return False
        try:
            pk = int(str(value))
        except ValueError:
            return False  # not a number: the field's own message
        return not 0 < pk <= MAX_ID

    def to_python(self, value):
        if not isinstance(value, list | tuple) and self._out_of_range(value):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)

    def _check_values(self, value):
        for v in value:
            if self._out_of_range(v):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": v}
                )
        return super()._check_values(value)


class ScopedChoiceMixin(KeyRangeMixin):
    """A model choice in a page form, offered and accepted through the acting user's scope.

    Declare it unscoped (`ScopedModelChoiceField(Household.objects.all(), action="visit")`); a
    `ScopedForm` narrows it to `visible_to(user)` or `actionable_by(user, action)`, so the picker
    lists only what the rule allows and a forged id is refused like a missing one.
    """

    def __init__(self, queryset, *args, action=None, **kwargs):
        self.access_action = action
        kwargs.setdefault(
            "error_messages",
            {
                "invalid_choice": "所选对象不存在或不在您的管辖范围内",
                "invalid_pk_value": "所选对象不存在或不在您的管辖范围内",
            },
        )
        super().__init__(queryset, *args, **kwargs)

    def scope_to(self, user):
        qs = self.queryset
        self.queryset = qs.actionable_by(user, self.access_action) if self.access_action else qs.visible_to(user)


class ScopedModelChoiceField(ScopedChoiceMixin, forms.ModelChoiceField):
    pass


class ScopedModelMultipleChoiceField(ScopedChoiceMixin, forms.ModelMultipleChoiceField):
    def __init__(self, queryset, *args, **kwargs):
        super().__init__(queryset, *args, **kwargs)
        self.error_messages["invalid_choice"] = "所选对象不存在或不在您的管辖范围内"

    def _check_values(self, value):
        # A number beyond the largest key cannot name a row and would overflow the IN query.
        for pk in value if self.to_field_name is None else ():
            if not str(pk).isdigit() or not 0 < int(pk) <= MAX_ID:
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super()._check_values(value)


class ClientIdField(forms.UUIDField):
    """A page form's submit key (campaigns.lib.idempotency), made when the form is shown: a second
    submit of the same page (a double tap, Back, a resend after a timeout) answers the first record.
    A re-render with errors keeps the posted key; static/js/app.js keeps it on Back."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("initial", uuid.uuid4)
        super().__init__(**kwargs)


class ScopedForm(forms.Form):
    """A form that takes the acting user and scopes every `Scoped…ChoiceField` it has."""

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, ScopedChoiceMixin):
                field.scope_to(user)


class ScopedModelForm(forms.ModelForm):
    """The ModelForm twin of `ScopedForm`."""

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, ScopedChoiceMixin):
                field.scope_to(user)


class PhaseSwitchForm(ScopedForm):
    """Switch a campaign's phase by hand: only a campaign whose territory the admin manages."""

    campaign = ScopedModelChoiceField(Campaign.objects.all(), action="manage", label="活动")
    phase = forms.ChoiceField(choices=Phase.choices, label="阶段", error_messages={"invalid_choice": "请选择阶段"})


class CampaignSwitchForm(ScopedForm):
    """Work in another campaign the user may see (the session remembers it)."""

    campaign = ScopedModelChoiceField(Campaign.objects.all(), label="走访活动")
