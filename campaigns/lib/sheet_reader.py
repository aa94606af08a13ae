"""Spreadsheet parsing in a child process with a memory cap, so a hostile file costs a refusal,
never the worker.

`read_sheet(path, kind)` (in the import task) checks the file with `uploads.scan_sheet`, then
runs this module as a child (`python -m campaigns.lib.sheet_reader SRC DST [--formulas]`) under
`resource.setrlimit(RLIMIT_AS)` (`SHEET_LIMITS[kind]["memory_bytes"]`) and a CPU-time limit. The
child imports no Django: it reads the first sheet with python-calamine and writes it as JSON lines
to DST (a first line with the used range, then one line per batch of `BATCH_ROWS` rows; dates
tagged), and with `--formulas` the cells holding a formula to DST.formulas (found in a thread
while calamine parses); with `--all` it writes every sheet, each
after a line naming it with its used range (`ParsedBook`). The parent reads the rows back a batch at
a time (`ParsedSheet.iter_rows()`, `iter_batches()`), so it never holds the whole sheet; the child
holds what calamine needs (the whole sheet as Rust values: python-calamine has no streaming
reader), under the cap.

A child that runs out of memory or time dies alone; the import is refused with the limit named.
"""

import datetime as dt
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from xml.etree import ElementTree

EXIT_UNREADABLE = 3
BATCH_ROWS = 1000  # rows per line of the child's output
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z0-9_]+:)?f[\s>/]")
_REF = re.compile(r"([A-Z]+)(\d+)")
_TYPES = {"datetime": dt.datetime, "date": dt.date, "time": dt.time}


# --- encoding of cell values -------------------------------------------------------------------
def _encode(value):
    for tag, kind in _TYPES.items():
        if type(value) is kind:
            return {"$t": tag, "v": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"$t": "timedelta", "v": value.total_seconds()}
    return str(value)


def _decode(obj):
    tag = obj.get("$t")
    if tag == "timedelta":
        return dt.timedelta(seconds=obj["v"])
    if tag in _TYPES:
        return _TYPES[tag].fromisoformat(obj["v"])
    return obj


# --- formula cells (the child) -----------------------------------------------------------------
def _first_sheet_member(zf):
    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    try:
        wb = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        sheet = wb.find(f"{ns_main}sheets/{ns_main}sheet")
        rid = sheet.get(f"{ns_rel}id")
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        for rel in rels:
            if rel.get("Id") == rid:
                target = rel.get("Target")
                return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    except (KeyError, AttributeError, ElementTree.ParseError):
        pass
    names = sorted(n for n in zf.namelist() if n.startswith("xl/worksheets/sheet"))
    return names[0] if names else None


def _has_formula(buf, prefixed):
    if prefixed:
        return _FORMULA_TAG.search(buf) is not None
    i = buf.find(b"<f")
    while i != -1:
        if buf[i + 2 : i + 3] in (b">", b" ", b"/", b"\t", b"\n", b"\r"):
            return True
        i = buf.find(b"<f", i + 2)
    return False


def formula_cells(fileobj) -> Iterator[tuple[int, str]]:
    """(row, column letters) of the cells holding a formula in the first sheet. A byte search for
    an `<f>` element first (C speed); only when there is one does a streaming parse find them."""
    fileobj.seek(0)
    with zipfile.ZipFile(fileobj) as zf:
        member = _first_sheet_member(zf)
        if member is None:
            return
        found = False
        with zf.open(member) as stream:
            first = stream.read(1 << 20)
            # Most writers use the default namespace (<f>); some prefix it (<x:f>): then a regex.
            prefixed = b"<worksheet" not in first[:2048]
            tail, chunk = b"", first
            while chunk:
                if _has_formula(tail + chunk, prefixed):
                    found = True
                    break
                tail = chunk[-32:]
                chunk = stream.read(1 << 22)
        if not found:
            return
        with zf.open(member) as stream:
            for _event, elem in ElementTree.iterparse(stream, events=("end",)):
                tag = elem.tag.rsplit("}", 1)[-1]
                if tag == "c":
                    if any(child.tag.rsplit("}", 1)[-1] == "f" for child in elem):
                        m = _REF.match(elem.get("r", ""))
                        if m:
                            yield int(m.group(2)), m.group(1)
                    elem.clear()
                elif tag == "row":
                    elem.clear()


def _extent(sheet) -> dict:
    return {"start": list(sheet.start) if sheet.start else None, "height": sheet.height}


def _child(src: str, dst: str, formulas: bool, all_sheets: bool = False) -> int:
    import python_calamine

    # The formula scan (zlib releases the GIL) runs in a thread while calamine parses the sheet.
    scan, failed = None, []
    if formulas:
        scan = threading.Thread(target=_write_formulas, args=(src, dst + ".formulas", failed))
        scan.start()
    try:
        wb = python_calamine.CalamineWorkbook.from_path(src)
        sheets = [wb.get_sheet_by_name(name) for name in wb.sheet_names] if all_sheets else [wb.get_sheet_by_index(0)]
    except Exception:  # noqa: BLE001 - any unreadable file gets the same answer
        if scan is not None:
            scan.join()
        return EXIT_UNREADABLE
    with open(dst, "w", encoding="utf-8") as out:
        for sheet in sheets:
            head = {"$sheet": sheet.name, **_extent(sheet)} if all_sheets else _extent(sheet)
            out.write(json.dumps(head, ensure_ascii=False) + "\n")
            rows = sheet.iter_rows()
            # One line per batch of rows: one encode and one decode per batch, not per row.
            while batch := list(itertools.islice(rows, BATCH_ROWS)):
                out.write(json.dumps(batch, ensure_ascii=False, default=_encode) + "\n")
    wb.close()
    if scan is not None:
        scan.join()
    return 1 if failed else 0


def _write_formulas(src: str, dst: str, failed: list) -> None:
    try:
        with open(dst, "w", encoding="utf-8") as out, open(src, "rb") as f:
            try:
                for ref in formula_cells(f):
                    out.write(json.dumps(ref) + "\n")
            except zipfile.BadZipFile:
                pass
    except BaseException:  # out of memory, say: the child fails as it would without the thread
        failed.append(True)
        raise


# --- the parent ----------------------------------------------------------------------------------
class ParsedSheet:
    """The first sheet as the child wrote it: `start` (row, column) of the used range, `height`,
    rows one at a time, and the formula cells. Delete its files with `close()`."""

    def __init__(self, path: str):
        self.path = path
        with open(path, encoding="utf-8") as f:
            meta = json.loads(f.readline())
        self.start = tuple(meta["start"]) if meta["start"] else None
        self.height = meta["height"]

    def iter_batches(self) -> Iterator[list[list]]:
        """The rows in batches of up to `BATCH_ROWS`, as the child wrote them: one batch in memory
        at a time."""
        with open(self.path, encoding="utf-8") as f:
            f.readline()
            for line in f:
                yield json.loads(line, object_hook=_decode)

    def iter_rows(self) -> Iterator[list]:
        for batch in self.iter_batches():
            yield from batch

    def rows_from_a1(self) -> list[list]:
        """Every row, padded so that index 0 is row 1 and column A (as calamine's
        `to_python(skip_empty_area=False)`)."""
        return _from_a1(self.start, list(self.iter_rows()))

    def formulas(self) -> list[tuple[int, str]]:
        path = self.path + ".formulas"
        if not os.path.exists(path):
            return []
        with open(path, encoding="utf-8") as f:
            return [tuple(json.loads(line)) for line in f]

    def close(self) -> None:
        for p in (self.path, self.path + ".formulas"):
            if os.path.exists(p):
                os.unlink(p)


def _from_a1(start, rows: list[list]) -> list[list]:
    top, left = start or (0, 0)
    return [[] for _ in range(top)] + [[""] * left + row for row in rows]


class ParsedBook:
    """Every sheet as the child wrote it (`--all`): `sheets()` gives (name, rows) for each, rows
    padded from A1. Delete its file with `close()`."""

    def __init__(self, path: str):
        self.path = path

    def sheets(self) -> Iterator[tuple[str, list[list]]]:
        name, start, rows = None, None, []
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                value = json.loads(line, object_hook=_decode)
                if isinstance(value, dict):  # the next sheet begins
                    if name is not None:
                        yield name, _from_a1(start, rows)
                    name, start, rows = value["$sheet"], value["start"], []
                else:  # a batch of rows
                    rows.extend(value)
        if name is not None:
            yield name, _from_a1(start, rows)

    def close(self) -> None:
        _unlink(self.path)


class ParseFailed(Exception):
    """The child died: out of memory or time (a message naming the limit) or unreadable (None)."""

    def __init__(self, message: str | None):
        self.message = message
        super().__init__(message or "unreadable")


def parse_in_child(
    src: str, *, memory_bytes: int, cpu_seconds: int, formulas: bool = False, all_sheets: bool = False
) -> ParsedSheet | ParsedBook:
    """Parse the first sheet (every sheet with `all_sheets`: a `ParsedBook`) of the local file
    `src` in a child process under the given limits."""
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))

    fd, dst = tempfile.mkstemp(suffix=".jsonl", prefix="sheet-")
    os.close(fd)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    args = [sys.executable, "-m", "campaigns.lib.sheet_reader", src, dst]
    args += (["--formulas"] if formulas else []) + (["--all"] if all_sheets else [])
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and module, paths we made
            args, cwd=root, preexec_fn=limit, capture_output=True, timeout=cpu_seconds * 2 + 30, check=False
        )
    except subprocess.TimeoutExpired:
        _unlink(dst)
        raise ParseFailed(f"解析超过{cpu_seconds}秒的时间上限") from None
    if done.returncode == EXIT_UNREADABLE:
        _unlink(dst)
        raise ParseFailed(None)
    if done.returncode != 0:
        _unlink(dst)
        mib = memory_bytes // (1024 * 1024)
        raise ParseFailed(f"解析超过{mib}MB的内存上限或{cpu_seconds}秒的时间上限")
    return ParsedBook(dst) if all_sheets else ParsedSheet(dst)


def _unlink(path: str) -> None:
    for p in (path, path + ".formulas"):
        if os.path.exists(p):
            os.unlink(p)


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1], sys.argv[2], "--formulas" in sys.argv[3:], "--all" in sys.argv[3:]))
