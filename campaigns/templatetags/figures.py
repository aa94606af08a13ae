"""Template filters writing figures the one way (`campaigns.lib.figures`)."""

from django import template

from campaigns.lib import figures

register = template.Library()


@register.filter
def pct(value):
    """A rate as '47.2%', '—' without a denominator."""
    return figures.percent(value)


@register.filter
def chinese_date(value):
    return figures.chinese_date(value) if value else ""


@register.filter
def figure(row, column):
    """One cell of a figures table: `column` is (label, key, is_rate); a rate as '47.2%', a missing
    count as '—'."""
    _label, key, is_rate = column
    value = row.get(key) if row else None
    if is_rate:
        return figures.percent(value)
    return figures.NONE if value is None else value


@register.filter
def cn_number(value):
    """1 → 一 … 10 → 十, for （一）-style headings."""
    return figures.cn_number(int(value))
