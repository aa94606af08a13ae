from django import forms

from .models import Event


class RecordFilterForm(forms.Form):
    event = forms.ChoiceField(label="事件", choices=[("", "全部"), *Event.choices], required=False)
    actor = forms.CharField(label="操作人（用户名）", required=False, max_length=150)
    q = forms.CharField(label="对象/地址", required=False, max_length=100)
    since = forms.DateField(label="起始日期", required=False)
    until = forms.DateField(label="截止日期", required=False)
