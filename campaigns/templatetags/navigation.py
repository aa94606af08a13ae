"""`{% back_url 'grievances:ledger' as back %}`: the page the user came from, else the named one."""

from django import template
from django.urls import NoReverseMatch, reverse

from campaigns.lib.back import back_url as _back_url

register = template.Library()


@register.simple_tag(takes_context=True)
def back_url(context, default=""):
    request = context.get("request")
    try:
        fallback = reverse(default) if default else None
    except NoReverseMatch:
        fallback = default or None
    if request is None:
        return fallback
    return _back_url(request, fallback)
