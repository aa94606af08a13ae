"""Links from a figure to the list it counts (`reports.selectors.figure_list_url`)."""

from django import template

from reports import selectors

register = template.Library()


@register.simple_tag
def figure_url(figures, unit_id, key):
    """The ledger or household list behind figure `key` of unit `unit_id` in `figures` (the
    campaign and dates of `campaign_figures()`), or '' for a figure without one."""
    return selectors.figure_list_url(
        campaign_id=figures["campaign"]["id"],
        unit_id=unit_id,
        key=key,
        start=figures.get("start"),
        end=figures.get("end"),
    )


@register.filter
def get_item(mapping, key):
    """`mapping[key]`, or None."""
    return mapping.get(key) if mapping else None
