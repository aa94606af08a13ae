"""Statistics tables in Excel, in the layout a district office expects: a merged title row, a
header row, units as rows, a totals row (合计). Same figures as the dashboard."""

import calendar as _cal
from datetime import date

from campaigns.lib.figures import percent, report_title
from campaigns.lib.xlsx import Sheet

from . import selectors

# The 三率 of receive-and-answer beside the resolution and satisfaction rates (docs/figures.md).
RATE_COLUMNS = [
    ("响应率", "signing_rate", True),
    ("按时办结率", "on_time_rate", True),
    ("平均办理工作日", "avg_working_days_to_answer", False),
]
# The per-unit table of the dashboard and the summary (selectors.UNIT_COLUMNS), with the visits
# made and the adopted suggestions that only the monthly table shows.
MONTHLY_COLUMNS = [
    ("单位", "name", False),
    ("走访次数", "visits_total", False),
    *selectors.UNIT_COLUMNS,
    ("建议采纳", "suggestions_adopted", False),
    ("回应率", "response_rate", True),
    *RATE_COLUMNS,
]
LEDGER_COLUMNS = [
    ("问题类别", "name", False),
    ("合计", "grievances_total", False),
    ("问题", "problems_total", False),
    ("已解决", "grievances_solved", False),
    ("解释说明", "problems_explained", False),
    ("办理中", "problems_in_progress", False),
    ("超期", "grievances_overdue", False),
    ("建议", "suggestions_total", False),
    ("建议采纳", "suggestions_adopted", False),
    ("解决率", "resolution_rate", True),
]


def month_range(value):
    """'2026-11' → (first day, last day)."""
    year, month = (int(x) for x in value.split("-"))
    return date(year, month, 1), date(year, month, _cal.monthrange(year, month)[1])


def _cells(row, columns):
    # Rates as the pages write them ('47.2%', '—'), so a table and a page never differ in form.
    return [percent(row.get(key)) if is_rate else row.get(key) for _label, key, is_rate in columns]


def _sheet(name, title, columns, rows, totals) -> Sheet:
    return Sheet(
        name=name,
        title=title,
        headers=[label for label, _key, _rate in columns],
        rows=[_cells(row, columns) for row in rows],
        totals=_cells(totals, columns),
        widths={0: 22} | {col: 11 for col in range(1, len(columns))},
        freeze_columns=1,
        boxed=True,
        missing="—",
    )


def _period(f):
    if f.start and f.end:
        return f"{f.start:%Y年%m月%d日}—{f.end:%Y年%m月%d日}"
    return "活动全程"


def statistics_sheets(f) -> tuple[list[Sheet], dict]:
    """Three sheets: the monthly table per unit (with the 三率), the ledger summary by category and
    by seeds/000's four groups of opinions (for `audit.exports.xlsx_download`); and the figures
    they show."""
    figures = selectors.campaign_figures(f, visits_by_unit=True)
    three = selectors.three_rates(f, figures)
    rated = {r["id"]: r for r in three["rows"]}
    keys = [key for _label, key, _rate in RATE_COLUMNS]

    def with_rates(row, rates):
        return {**row, **{k: (rates or {}).get(k) for k in keys}}

    rows = [with_rates(c, rated.get(c["id"])) for c in figures["children"]]
    if figures["own"]:
        rows.append(with_rates(figures["own"], three["own"]))
    monthly = _sheet(
        "走访统计月报表",
        report_title(f.unit.name, f.campaign.name, f"走访工作统计表（{_period(f)}）"),
        MONTHLY_COLUMNS,
        rows,
        with_rates({**figures, "name": "合计"}, three["totals"]),
    )
    categories = figures["categories"]
    totals = {"name": "合计"}
    for _label, key, _rate in LEDGER_COLUMNS[1:-1]:
        totals[key] = sum(c[key] for c in categories)
    totals["resolution_rate"] = selectors.rate(totals["grievances_solved"], totals["problems_total"])
    ledger = _sheet(
        "问题台账汇总", f"{f.unit.name}问题整改台账汇总表（{_period(f)}）", LEDGER_COLUMNS, categories, totals
    )
    # seeds/000's four groups of opinions: the same rows summed by group, the same total.
    groups = _sheet(
        "意见分类汇总",
        f"{f.unit.name}群众意见分类汇总表（{_period(f)}）",
        [("意见类别", "name", False), *LEDGER_COLUMNS[1:]],
        figures["opinion_groups"],
        totals,
    )
    return [monthly, ledger, groups], figures


def file_names(f) -> tuple[str, str]:
    """The download's name in Chinese, and in ASCII for clients that cannot read that."""
    if f.start:
        return f"{f.unit.name}_走访统计表_{f.start:%Y%m}.xlsx", f"statistics-{f.unit.code}-{f.start:%Y%m}.xlsx"
    return f"{f.unit.name}_走访统计表.xlsx", f"statistics-{f.unit.code}.xlsx"


def download(request, f):
    """The statistics tables as a download, traced and audited with the filters that made them."""
    from audit.exports import xlsx_download

    sheets, _figures = statistics_sheets(f)
    zh, ascii_name = file_names(f)
    filters = {"campaign": f.campaign.pk, "unit": f.unit.pk, "start": f.start or "", "end": f.end or ""}
    return xlsx_download(
        request,
        sheets,
        export="reports.statistics",
        filename_zh=zh,
        filename_ascii=ascii_name,
        filters=filters,
        stream=False,
    )
