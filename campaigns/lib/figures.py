"""How figures are written wherever a person reads them (pages, PDFs, Excel tables).

One way for every percentage ("47.2%", "—" when there is nothing to divide by), one way to name a
report after its unit and campaign without saying the unit twice, and dates the way official
documents write them (二〇二六年十二月二日).
"""

from __future__ import annotations

from datetime import date

NONE = "—"
_DIGITS = "〇一二三四五六七八九"


def rate(numerator: float, denominator: float) -> float | None:
    """numerator ÷ denominator in percent, one decimal; None when there is nothing to divide by."""
    return round(100.0 * numerator / denominator, 1) if denominator else None


def percent(value: float | None) -> str:
    """A rate in percent (one decimal, as the selectors give it) written the one way: '47.2%'."""
    if value is None:
        return NONE
    return f"{float(value):.1f}%"


def report_title(unit_name: str, campaign_name: str, suffix: str = "") -> str:
    """'<unit><campaign><suffix>', leaving the unit out when the campaign's name already carries it
    (a campaign is often named after its territory: 青枫区2026年度大走访)."""
    prefix = "" if unit_name and unit_name in campaign_name else unit_name
    return f"{prefix}{campaign_name}{suffix}"


def _number(n: int) -> str:
    """1..31 as Chinese numerals (十二, 二十一)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones or not head else "")


def chinese_date(day: date) -> str:
    """The date of an official document's 落款: 二〇二六年十二月二日 (GB/T 9704: year digit by digit)."""
    year = "".join(_DIGITS[int(d)] for d in str(day.year))
    return f"{year}年{_number(day.month)}月{_number(day.day)}日"


def cn_number(n: int) -> str:
    """1..99 as Chinese numerals, for numbered headings (一、 （二）)."""
    return _number(n) if 0 < n < 100 else str(n)
