"""One .xlsx writer for every download (ledger export, statistics tables, the roster template).

XlsxWriter in constant_memory mode flushes each row to disk as soon as the next one starts, so
memory stays flat whatever the row count (a 100,000-row ledger); the workbook is written to a
temporary file, returned open at its start (deleted when closed) for a response to send. Every
text cell goes through `write_string` (never a formula, number or link), and text a spreadsheet
could read as a formula (=, +, -, @, tab, CR at the start: OWASP "CSV injection") also gets a
leading apostrophe.
"""

import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO
from urllib.parse import quote

import xlsxwriter
from django.http import FileResponse, HttpResponse

from .trace import Trace

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_BORDER = {"border": 1, "border_color": "#999999"}


@dataclass
class Sheet:
    """One worksheet: an optional merged title row, the header row, the rows, an optional totals row."""

    name: str
    headers: Sequence[str]
    rows: Iterable[Sequence[object]]
    title: str = ""
    totals: Sequence[object] | None = None  # written last, in bold (合计)
    widths: Mapping[int, float] = field(default_factory=dict)  # column index -> width
    text_columns: Sequence[int] = ()  # formatted as text: Excel keeps 18-digit ID numbers whole
    freeze_columns: int = 0  # columns kept in view beside the frozen title and header rows
    boxed: bool = False  # thin borders around every cell, as a printed statistics table has
    missing: str = ""  # written where a value is None
    written: int = field(default=0, init=False)  # data rows written (set by write_xlsx)


def neutralise(value):
    """Text that a spreadsheet could read as a formula gets a leading apostrophe (OWASP)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_xlsx(sheets: Iterable[Sheet], *, trace: Trace | None) -> IO[bytes]:
    """Write the sheets to a temporary .xlsx file; return it open, positioned at its start. Each
    sheet's `written` is then its number of data rows.

    `trace` is required: every download of data carries one (use `audit.exports`, which makes
    it and records the export); only a blank template, which holds no data, passes None."""
    out = tempfile.TemporaryFile()
    try:
        wb = xlsxwriter.Workbook(
            out,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        formats = _formats(wb)
        if trace is not None:
            wb.set_properties(
                {"author": trace.user, "company": trace.unit, "comments": trace.line, "keywords": trace.keywords}
            )
        for sheet in sheets:
            _write_sheet(wb, sheet, formats, trace)
        wb.close()
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def _formats(wb):
    return {
        "title": wb.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"}),
        "title lines": wb.add_format(
            {"bold": True, "font_size": 12, "align": "center", "valign": "vcenter", "text_wrap": True}
        ),
        "header": wb.add_format(
            {"bold": True, "bg_color": "#F1E4E2", "align": "center", "valign": "vcenter", "text_wrap": True, **_BORDER}
        ),
        "text": wb.add_format({"num_format": "@"}),
        "cell": None,
        "total": wb.add_format({"bold": True}),
        "boxed cell": wb.add_format(_BORDER),
        "boxed total": wb.add_format({"bold": True, **_BORDER}),
    }


def _write_sheet(wb, sheet: Sheet, formats, trace: Trace | None = None) -> None:
    """Rows go down in order, as constant_memory needs: trace, title, headers, rows, totals."""
    ws = wb.add_worksheet(sheet_name(sheet.name))
    width = len(sheet.headers)
    for c, w in sheet.widths.items():
        ws.set_column(c, c, w)
    for c in sheet.text_columns:
        ws.set_column(c, c, sheet.widths.get(c), formats["text"])
    r = 0
    if trace is not None:
        ws.write_string(r, 0, neutralise(trace.line))
        r += 1
    if sheet.title:
        # A title of several lines (the name, then what the table covers) wraps in its merged row.
        lines = sheet.title.count("\n") + 1
        fmt = formats["title lines" if lines > 1 else "title"]
        ws.set_row(r, 28 if lines == 1 else 18 * lines + 4)
        if width > 1:
            ws.merge_range(r, 0, r, width - 1, "", fmt)
        ws.write_string(r, 0, neutralise(sheet.title), fmt)
        r += 1
    for c, header in enumerate(sheet.headers):
        ws.write_string(r, c, neutralise(header), formats["header"])
    ws.freeze_panes(r + 1, sheet.freeze_columns)
    prefix = "boxed " if sheet.boxed else ""
    cell = formats[prefix + "cell"]
    last = r
    for last, row in enumerate(sheet.rows, start=r + 1):
        _write_row(ws, last, row, cell, sheet.missing)
    sheet.written = last - r
    if sheet.totals is not None:
        _write_row(ws, last + 1, sheet.totals, formats[prefix + "total"], sheet.missing)


def _write_row(ws, r: int, row: Sequence[object], fmt, missing: str) -> None:
    for c, v in enumerate(row):
        if v is None:
            if missing:
                ws.write_string(r, c, missing, fmt)
            elif fmt is not None:
                ws.write_blank(r, c, None, fmt)
        elif isinstance(v, int | float) and not isinstance(v, bool):
            ws.write_number(r, c, v, fmt)
        elif v == "":
            if fmt is not None:
                ws.write_blank(r, c, None, fmt)
        else:
            ws.write_string(r, c, neutralise(str(v)), fmt)


def sheet_name(title: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    return "".join("_" if ch in "[]:*?/\\" else ch for ch in title)[:31] or "Sheet1"


def xlsx_response(file: IO[bytes], filename_zh: str, filename_ascii: str, *, stream: bool = True) -> HttpResponse:
    """An attachment response for a file from `write_xlsx`, named in Chinese where the browser
    reads RFC 5987 `filename*` and by the ASCII name elsewhere.

    Streamed from disk (and the file closed when sent) unless `stream` is False: then the file is
    read into the response, for small tables that clients like to hold whole."""
    if stream:
        response = FileResponse(file, content_type=XLSX)
    else:
        with file:
            response = HttpResponse(file.read(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition(filename_zh, filename_ascii)
    return response


def content_disposition(filename_zh: str, filename_ascii: str) -> str:
    """`attachment` with both names: `filename` (ASCII, quoted) and `filename*` (UTF-8)."""
    fallback = "".join(ch if " " <= ch < "\x7f" and ch not in '"\\' else "_" for ch in filename_ascii)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename_zh, safe='')}"
