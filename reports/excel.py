"""Statistics tables in Excel (openpyxl), in the layout a district office expects:
a merged title row, a header row, units as rows, a totals row (合计). Same figures as the dashboard."""

import calendar as _cal
import io
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from . import selectors

THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="F1E4E2")

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


def _sheet(ws, title, columns, rows, totals):
    width = len(columns)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(1, 1, title).font = Font(size=14, bold=True)
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 28
    for col, (label, _key) in enumerate(columns, 1):
        c = ws.cell(2, col, label)
        c.font, c.fill, c.border = Font(bold=True), HEAD_FILL, BOX
        c.alignment = Alignment(horizontal="center", wrap_text=True)
    for r, row in enumerate([*rows, totals], 3):
        for col, (_label, key) in enumerate(columns, 1):
            value = row.get(key)
            cell = ws.cell(r, col, value if value is not None else "—")
            cell.border = BOX
            if r == len(rows) + 3:
                cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 22
    for col in range(2, width + 1):
        ws.column_dimensions[get_column_letter(col)].width = 11
    ws.freeze_panes = "B3"


def _period(f):
    if f.start and f.end:
        return f"{f.start:%Y年%m月%d日}—{f.end:%Y年%m月%d日}"
    return "活动全程"


def statistics_workbook(f):
    """Two sheets: the monthly table per unit and the ledger summary by category; bytes of the .xlsx."""
    figures = selectors.campaign_figures(f, visits_by_unit=True)
    wb = Workbook()
    ws = wb.active
    ws.title = "走访统计月报表"
    rows = list(figures["children"]) + ([figures["own"]] if figures["own"] else [])
    _sheet(
        ws,
        f"{f.unit.name}{f.campaign.name}走访工作统计表（{_period(f)}）",
        MONTHLY_COLUMNS,
        rows,
        {**figures, "name": "合计"},
    )
    ledger = wb.create_sheet("问题台账汇总")
    categories = figures["categories"]
    totals = {"name": "合计"}
    for _label, key in LEDGER_COLUMNS[1:-1]:
        totals[key] = sum(c[key] for c in categories)
    totals["resolution_rate"] = selectors.rate(totals["grievances_solved"], totals["problems_total"])
    _sheet(ledger, f"{f.unit.name}问题整改台账汇总表（{_period(f)}）", LEDGER_COLUMNS, categories, totals)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), figures


def file_name(f):
    return f"{f.unit.name}_走访统计表_{f.start:%Y%m}.xlsx" if f.start else f"{f.unit.name}_走访统计表.xlsx"
