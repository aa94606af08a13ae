"""`{% load levels %}{% level_name unit %}`: what the unit's level is called here (the level
table, read once per request)."""

from django import template

from campaigns.models import LevelTable

register = template.Library()


@register.simple_tag(takes_context=True)
def level_name(context, unit):
    if unit is None:
        return ""
    request = context.get("request")
    table = getattr(request, "_level_table", None) or context.render_context.get("level_table")
    if table is None:
        table = LevelTable.load()
        context.render_context["level_table"] = table
        if request is not None:
            request._level_table = table
    return table.of(unit)
