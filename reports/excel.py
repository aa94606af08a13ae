"""Statistics tables in Excel, in the layout a district office expects: a merged title row, a
header row, units as rows, a totals row (合计). Same figures as the dashboard."""

import calendar as _cal
from datetime import date
from typing import IO

from campaigns.lib.xlsx import Sheet, write_xlsx

from . import selectors

MONTHLY_COLUMNS = [
    ("单位", "name"),
    ("走访次数", "visits_total"),
    ("总户数", "households_total"),
    ("已走访户数", "households_visited"),
    ("走访覆盖率(%)", "coverage_rate"),
    ("问题建议数", "grievances_total"),
    ("其中问题", "problems_total"),
    ("已解决", "grievances_solved"),
    ("解释说明", "problems_explained"),
    ("办理中", "problems_in_progress"),
    ("超期", "grievances_overdue"),
    ("建议采纳", "suggestions_adopted"),
    ("解决率(%)", "resolution_rate"),
    ("答复率(%)", "response_rate"),
    ("满意率(%)", "satisfaction_rate"),
]
LEDGER_COLUMNS = [
    ("问题类别", "name"),
    ("合计", "grievances_total"),
    ("问题", "problems_total"),
    ("已解决", "grievances_solved"),
    ("解释说明", "problems_explained"),
    ("办理中", "problems_in_progress"),
    ("超期", "grievances_overdue"),
    ("建议", "suggestions_total"),
    ("建议采纳", "suggestions_adopted"),
    ("解决率(%)", "resolution_rate"),
]


def month_range(value):
    """'2026-11' → (first day, last day)."""
    year, month = (int(x) for x in value.split("-"))
    return date(year, month, 1), date(year, month, _cal.monthrange(year, month)[1])


def _sheet(name, title, columns, rows, totals) -> Sheet:
    return Sheet(
        name=name,
        title=title,
        headers=[label for label, _key in columns],
        rows=[[row.get(key) for _label, key in columns] for row in rows],
        totals=[totals.get(key) for _label, key in columns],
        widths={0: 22} | {col: 11 for col in range(1, len(columns))},
        freeze_columns=1,
        boxed=True,
        missing="—",
    )


def _period(f):
    if f.start and f.end:
        return f"{f.start:%Y年%m月%d日}—{f.end:%Y年%m月%d日}"
    return "活动全程"


def statistics_workbook(f) -> tuple[IO[bytes], dict]:
    """Two sheets: the monthly table per unit and the ledger summary by category, as a temporary
    .xlsx file (open at its start); and the figures they show."""
    figures = selectors.campaign_figures(f, visits_by_unit=True)
    rows = list(figures["children"]) + ([figures["own"]] if figures["own"] else [])
    monthly = _sheet(
        "走访统计月报表",
        f"{f.unit.name}{f.campaign.name}走访工作统计表（{_period(f)}）",
        MONTHLY_COLUMNS,
        rows,
        {**figures, "name": "合计"},
    )
    categories = figures["categories"]
    totals = {"name": "合计"}
    for _label, key in LEDGER_COLUMNS[1:-1]:
        totals[key] = sum(c[key] for c in categories)
    totals["resolution_rate"] = selectors.rate(totals["grievances_solved"], totals["problems_total"])
    ledger = _sheet(
        "问题台账汇总", f"{f.unit.name}问题整改台账汇总表（{_period(f)}）", LEDGER_COLUMNS, categories, totals
    )
    return write_xlsx([monthly, ledger]), figures


def file_names(f) -> tuple[str, str]:
    """The download's name in Chinese, and in ASCII for clients that cannot read that."""
    if f.start:
        return f"{f.unit.name}_走访统计表_{f.start:%Y%m}.xlsx", f"statistics-{f.unit.code}-{f.start:%Y%m}.xlsx"
    return f"{f.unit.name}_走访统计表.xlsx", f"statistics-{f.unit.code}.xlsx"
