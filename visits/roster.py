"""Roster import from .xlsx: a preview that lists every problem, then one all-or-nothing write.

The job, its statuses and its tasks follow the shared import design (`campaigns.lib.imports`);
this module is the roster's `Importer`. Design (bench/roster_import.py):
- Reading: the sheet's extent is checked against `SHEET_LIMITS["roster"]`, then python-calamine
  parses it in a child process under a memory cap (`campaigns.lib.sheet_reader`), which hands the
  rows back a batch at a time; the child holds calamine's sheet, the worker one batch.
- calamine yields cached values, not formulas. Formula cells are found by a cheap pass over the
  worksheet's XML inside the zip: a byte search for an `<f>` element over the decompressed
  stream (C-speed regex); only when one is there does a streaming ElementTree parse collect the
  cell references. Rosters without formulas (nearly all) pay one decompression, nothing more.
- Preview validates every row a chunk of 5,000 rows at a time: the keys of earlier chunks wait in
  a temporary table for the in-file duplicate check (`SeenKeys`), existing keys are looked up
  once per chunk, and a chunk's errors are handed on in row order (`ChunkErrors`), so the worker's
  memory does not grow with the sheet. Only rows to create or update are staged, as CSV in
  default_storage. Unchanged rows are never staged, so re-importing the same file writes nothing.
- Confirm loads the staged CSV in one transaction: on PostgreSQL new rows are COPY'd straight
  into the table and changed rows go through a temp table and one set-based UPDATE ... WHERE ...
  IS DISTINCT FROM, plus set-based through-table inserts/deletes for categories; elsewhere
  bulk_create/bulk_update.
"""

import csv
import functools
import io
import itertools
import re
import tempfile
import uuid
from collections.abc import Callable
from operator import mul
from typing import IO

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from campaigns.lib import imports
from campaigns.lib.crypto import encrypt_many, hmac_of
from campaigns.lib.imports import MAX_STORED_ERRORS, Importer, ImportErrors
from campaigns.lib.sheet_reader import ParsedSheet
from campaigns.lib.xlsx import Sheet, write_xlsx
from campaigns.models import FocusCategory

from .choices import HouseholdKind
from .models import UNREGISTRABLE, Household, ImportJob
from .validators import (
    _CHECK,
    _WEIGHTS,
    _ZERO,
    _valid_birth_date,
    id_number_error,
    members_count_error,
    normalize_id_number,
    phone_error,
)

# Fixed point: the template's headers, in this order.
HEADERS = ["户主姓名", "身份证号", "联系电话", "地址", "所属网格", "家庭人数", "类型", "重点类别", "困难户"]
COL_LETTERS = "ABCDEFGHI"


@functools.cache
def kind_by_label() -> dict[str, str]:
    """Household kind by its Chinese label. Plain strings as keys: a lazy label as a dict key
    makes every lookup a translation call (a few seconds per 20,000 rows)."""
    return {str(label): value for value, label in HouseholdKind.choices}


CATEGORY_SPLIT = re.compile(r"[、,，;；\s]+")
LOOKUP_CHUNK = 5000
PROGRESS_EVERY = 20000
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z0-9_]+:)?f[\s>/]")
_REF = re.compile(r"([A-Z]+)(\d+)")


# --- the template ----------------------------------------------------------------------------
TEMPLATE_HELP = [
    ["户主姓名", "必填"],
    ["身份证号", "18位居民身份证号，请保持文本格式；有身份证号时按身份证号匹配已有农户"],
    ["联系电话", "11位手机号或带区号的固定电话，可不填"],
    ["地址", "必填，例如：锦绣路12号锦绣家园3号楼2单元302室"],
    ["所属网格", "必填，填写网格编码，例如 D01-S01-C01-G01"],
    ["家庭人数", "1到99之间的整数，不填按1人"],
    ["类型", "家庭、企业、学校、商铺或其他，不填按家庭"],
    ["重点类别", "可填多个，用顿号或逗号分隔，例如：困难户、老党员"],
    ["困难户", "是 或 否，不填按否"],
    ["注意", "不要使用公式，中间不要留空行；没有身份证号时按网格+地址+户主姓名匹配"],
]


def template_file() -> IO[bytes]:
    """The downloadable template: headers in row 1, ID and phone columns formatted as text (which
    keeps Excel from turning 18-digit ID numbers into 3.7030319E+17), and a sheet of instructions."""
    widths = dict(enumerate([10, 22, 15, 40, 20, 10, 8, 24, 8]))
    return write_xlsx(
        [
            Sheet(name="花名册", headers=HEADERS, rows=[], widths=widths, text_columns=[1, 2]),
            Sheet(name="填写说明", headers=["列", "说明"], rows=TEMPLATE_HELP, widths={0: 10, 1: 70}),
        ],
        trace=None,  # a blank template: no data to trace, and its first row must stay the headers
    )


# --- cell helpers --------------------------------------------------------------------------------
def _text(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _grid_index(user):
    """Grid code -> id for the grids the user may import into (rule "import"). Any other code reads
    as unknown: a roster must not tell which grids exist outside the user's scope."""
    units = Household.objects.units_for(user, "import").household_units()
    return dict(units.values_list("code", "id"))


# --- preview ---------------------------------------------------------------------------------------
class Stage:
    """The preview's output, COPY-ready: new rows, their categories (by key), and changed rows. Kept in local temp files until the preview
    is clean, then saved through default_storage for the confirm task (which may run elsewhere).

    Rows are written a lookup chunk at a time (`writerows` into a StringIO, one encode and one
    file write per part), not one `writerow` per row through a text-mode file."""

    PARTS = ("new", "cats", "upd")

    def __init__(self):
        self.files = {p: tempfile.TemporaryFile(mode="w+b") for p in self.PARTS}

    def write(self, part, rows):
        buf = io.StringIO()
        csv.writer(buf).writerows(rows)
        if buf.tell():
            self.files[part].write(buf.getvalue().encode("utf-8"))

    def save(self):
        base = f"imports/staged/{uuid.uuid4().hex}"
        for part, f in self.files.items():
            f.seek(0)
            default_storage.save(f"{base}-{part}.csv", File(f))
        return base

    def close(self):
        for f in self.files.values():
            f.close()


class RosterImporter(Importer):
    """The roster as an import: rows checked against the template, written as households."""

    model = ImportJob
    noun = "花名册"
    kind = "roster"
    storage_dir = "imports"
    refused = "只有活动办工作人员可以导入花名册"
    wrong_format = "请上传Excel（.xlsx）格式的花名册"
    unreadable = "无法读取该文件，请上传Excel（.xlsx）格式的花名册"

    def may_upload(self, user) -> bool:
        return Household.objects.units_for(user, "import").exists()

    def preview(self, job: ImportJob, errors: ImportErrors, progress: Callable[[float], None]) -> None:
        """Validate every row; stage the rows to create or update and count them. Writes no household."""
        sheet = imports.read_upload(self, job, formulas=True)
        if sheet is None:
            errors.add(1, "", self.unreadable)
            return
        stage = Stage()
        try:
            counts = _check_rows(sheet, _grid_index(job.created_by), errors, stage, progress)
            for r, letter in sheet.formulas():
                col = COL_LETTERS.find(letter)
                errors.add(
                    r, HEADERS[col] if col >= 0 else letter, f"{letter}{r}单元格是公式，请复制后“粘贴为数值”再导入"
                )
            errors.items.sort(key=lambda e: (e["row"], HEADERS.index(e["column"]) if e["column"] in HEADERS else -1))
            if errors.count == 0 and (counts["create"] or counts["update"]):
                job.staged = stage.save()
        finally:
            stage.close()
            sheet.close()
        job.total_rows = counts["total"]
        job.to_create, job.to_update, job.unchanged = counts["create"], counts["update"], counts["same"]

    def write(self, job: ImportJob) -> str:
        """Write every staged row (inside the confirm's transaction)."""
        if job.staged:
            parts = {}
            for part in Stage.PARTS:
                parts[part] = io.TextIOWrapper(
                    default_storage.open(f"{job.staged}-{part}.csv", "rb"), encoding="utf-8", newline=""
                )
            try:
                if connection.vendor == "postgresql":
                    _write_postgres(parts)
                else:
                    _write_generic(parts)
            finally:
                for f in parts.values():
                    f.close()
        return f"导入完成：新增{job.to_create}户，更新{job.to_update}户"

    def discard(self, job: ImportJob) -> None:
        if job.staged:
            for part in Stage.PARTS:
                default_storage.delete(f"{job.staged}-{part}.csv")


def _check_rows(
    sheet: ParsedSheet,
    grids: dict[str, int],
    errors: ImportErrors,
    stage: Stage,
    progress: Callable[[float], None],
) -> dict[str, int]:
    """Parse the sheet a chunk of LOOKUP_CHUNK data rows at a time: check each row, find the
    chunk's keys that earlier chunks had (`SeenKeys`), classify its rows against the database and
    stage them; the counts (data rows, to create, to update, unchanged). Nothing grows with the
    sheet but the counts: rows, keys and errors are held for one chunk."""
    categories = {name: pk for pk, name in FocusCategory.objects.filter(is_active=True).values_list("id", "name")}
    first_row = sheet.start[0] + 1 if sheet.start else 1
    first_col = sheet.start[1] if sheet.start else 0
    height = max(sheet.height, 1)
    width = len(HEADERS)
    chunk = _Chunk(ChunkErrors(errors), grids, categories, stage)
    blank = None  # (first, last) excel row of the blank rows since the last data row
    header_ok = False
    with SeenKeys() as seen:
        for idx, raw in enumerate(sheet.iter_rows()):
            excel_row = first_row + idx
            row = _padded(raw, first_col, width)
            if idx == 0:
                if [_text(v) for v in row[:width]] != HEADERS:
                    errors.add(excel_row, "", "表头与模板不一致，应依次为：" + "、".join(HEADERS))
                    return chunk.counts
                header_ok = True
                continue
            if row.count("") >= len(row):
                blank = (blank[0] if blank else excel_row, excel_row)
                continue
            if blank:  # a gap before this row; blank rows at the end are no problem
                for r in range(blank[0], blank[1] + 1):
                    chunk.errors.add(r, "", f"第{r}行是空行，请删除中间的空行")
                blank = None
            total = chunk.check(row, excel_row)
            if total % LOOKUP_CHUNK == 0:
                chunk.flush(seen)
            if total % PROGRESS_EVERY == 0:
                progress(idx / height)
        chunk.flush(seen)
    if header_ok and chunk.counts["total"] == 0:
        errors.add(2, "", "花名册中没有数据行")
    return chunk.counts


class _Chunk:
    """The rows checked since the last lookup: their parsed rows, keys and errors."""

    def __init__(self, errors: "ChunkErrors", grids: dict[str, int], categories: dict[str, int], stage: Stage):
        self.errors = errors
        self.grids = grids
        self.stage = stage
        self.parse = _RowParser(errors, grids, categories, seen={})
        self.pending = []  # rows without errors, awaiting the existing-key lookup
        self.counts = {"total": 0, "create": 0, "update": 0, "same": 0}

    def check(self, row: list, excel_row: int) -> int:
        """Check one data row; the number of data rows so far."""
        self.counts["total"] += 1
        parsed = self.parse(row, excel_row)
        if parsed is not None:
            self.pending.append(parsed)
        return self.counts["total"]

    def flush(self, seen: "SeenKeys") -> None:
        keys = self.parse.seen
        earlier = seen.add(keys)  # key -> row, for the chunk's keys an earlier chunk had
        if earlier:
            for key, r in keys.items():
                if (first := earlier.get(key)) is not None:
                    self.parse.duplicate(key, r, first)
            self.pending = [row for row in self.pending if row[1] not in earlier]
        if self.pending:
            _classify(self.pending, self.errors, self.grids, self.stage, self.counts)
        self.errors.flush()
        keys.clear()
        self.pending = []


class ChunkErrors:
    """The errors of one chunk of rows, handed on to `ImportErrors` in row order when the chunk is
    done: a duplicate of a key from an earlier chunk is only known then, and the stored errors
    (the first MAX_STORED_ERRORS of the sheet) must not depend on when a problem was found. Holds
    at most twice MAX_STORED_ERRORS: beyond that, those that cannot be among the stored ones are
    only counted."""

    def __init__(self, errors: ImportErrors):
        self.errors = errors
        self.items = []
        self.order = itertools.count()  # keeps a row's errors in the order they were found

    def add(self, row: int, column: str, message: str) -> None:
        if len(self.errors.items) >= MAX_STORED_ERRORS:
            self.errors.count += 1
            return
        self.items.append((row, next(self.order), column, message))
        if len(self.items) >= 2 * MAX_STORED_ERRORS:
            self.items.sort()
            room = MAX_STORED_ERRORS - len(self.errors.items)
            self.errors.count += len(self.items) - room
            del self.items[room:]

    def flush(self) -> None:
        self.items.sort()
        for row, _n, column, message in self.items:
            self.errors.add(row, column, message)
        self.items.clear()


class SeenKeys:
    """The match keys of the rows read so far, in a temporary table (a full sheet has a million):
    `add(chunk)` records a chunk's {key: first row} and returns those an earlier chunk had, with
    the row that had them first.

    On PostgreSQL the chunk is COPY'd into a second temporary table, which the existing-key lookup
    of the chunk (`_existing`) joins as well. The seen keys are looked up by a 64-bit hash of the
    key (Python's, stable within the process), indexed, and compared whole in Python: an index of
    a million 67-character keys outgrows the session's temp_buffers and makes each chunk slower
    than the last; one of bigints stays small."""

    def __enter__(self):
        self.postgres = connection.vendor == "postgresql"
        self.schema = "pg_temp" if self.postgres else "temp"
        with connection.cursor() as cur:
            for table in ("roster_seen", "roster_chunk"):
                cur.execute(f"DROP TABLE IF EXISTS {self.schema}.{table}")
            if self.postgres:
                cur.execute("CREATE TEMPORARY TABLE roster_seen (h bigint NOT NULL, row integer NOT NULL, key text)")
                cur.execute("CREATE INDEX ON roster_seen (h)")
                cur.execute("CREATE TEMPORARY TABLE roster_chunk (h bigint, row integer, key text)")
            else:
                cur.execute("CREATE TEMPORARY TABLE roster_seen (key text PRIMARY KEY, row integer NOT NULL)")
        return self

    def __exit__(self, *exc):
        with connection.cursor() as cur:
            for table in ("roster_seen", "roster_chunk"):
                cur.execute(f"DROP TABLE IF EXISTS {self.schema}.{table}")

    def add(self, chunk: dict[str, int]) -> dict[str, int]:
        if not chunk:
            return {}
        with connection.cursor() as cur:
            if self.postgres:
                buf = io.StringIO()
                csv.writer(buf).writerows((hash(key), row, key) for key, row in chunk.items())
                cur.execute("TRUNCATE roster_chunk")
                with (
                    connection.wrap_database_errors,
                    cur.copy("COPY roster_chunk FROM STDIN WITH (FORMAT csv)") as copy,
                ):
                    copy.write(buf.getvalue())
                # The main query reads roster_seen as it was before the statement: without this
                # chunk, which the INSERT in the WITH adds. = ANY(ARRAY(...)) probes the index: the
                # tables have no statistics, and a join might scan roster_seen.
                cur.execute(
                    "WITH ins AS (INSERT INTO roster_seen SELECT h, row, key FROM roster_chunk) "
                    "SELECT key, row FROM roster_seen WHERE h = ANY(ARRAY(SELECT h FROM roster_chunk))"
                )
                earlier = {}
                for key, row in cur.fetchall():
                    if key in chunk and row < earlier.get(key, row + 1):  # a hash shared by another key is no match
                        earlier[key] = row
                return earlier
            keys = list(chunk)
            earlier = {}
            for i in range(0, len(keys), 500):
                part = keys[i : i + 500]
                cur.execute(f"SELECT key, row FROM roster_seen WHERE key IN ({', '.join(['%s'] * len(part))})", part)
                earlier.update(cur.fetchall())
            cur.executemany(
                "INSERT INTO roster_seen (key, row) VALUES (%s, %s)",
                [(k, r) for k, r in chunk.items() if k not in earlier],
            )
            return earlier


def _padded(raw: list, first_col: int, width: int) -> list:
    """A sheet row as the template's columns: shifted right when the used range starts late,
    padded with empty cells up to the template's width."""
    row = ([""] * first_col + raw) if first_col else raw
    return row + [""] * (width - len(row)) if len(row) < width else row


_MSG_ID_NUMBER = "身份证号被Excel转成了数字（如3.7030319E+17），后几位已丢失，请将该列设为文本后重新填写"
_MSG_ID_SCI = "身份证号被Excel转成了科学计数法（如3.7030319E+17），请将该列设为文本后重新填写"


class _RowParser:
    """One row -> tuple for staging, or None when it has errors (all of them are recorded).

    Written for speed (300,000 rows per import): plain string operations, no per-row queries.
    Each column's check cleans its value and records its problems; `ok` says whether the row
    had none."""

    def __init__(self, errors: ImportErrors, grids: dict[str, int], categories: dict[str, int], seen: dict[str, int]):
        self.add = errors.add
        self.grids = grids
        self.categories = categories
        self.seen = seen  # key -> excel row of its first occurrence (in the rows checked so far)
        self.kinds = kind_by_label()
        self.ok = True

    def __call__(self, row: list, r: int) -> tuple | None:
        self.ok = True
        head, raw_id, phone, address, grid_code, members, kind_label, cats, hardship = row[:9]
        head = self._required(head, r, "户主姓名", 50)
        id_number = self._id_number(raw_id, r)
        phone = phone.strip() if type(phone) is str else _text(phone)
        if phone and (msg := phone_error(phone)):
            self._bad(r, "联系电话", msg)
        address = self._required(address, r, "地址", 200)
        grid_code = grid_code.strip() if type(grid_code) is str else _text(grid_code)
        grid_id = self._grid(grid_code, r)
        members = self._members(members, r)
        kind = self.kinds.get(kind_label.strip() if type(kind_label) is str and kind_label else "家庭")
        if kind is None:
            self._bad(r, "类型", "类型应为家庭、企业、学校、商铺或其他")
        cat_ids = self._categories(cats, r) if cats else ()
        hardship = self._hardship(hardship, r)
        id_hmac = hmac_of(id_number)
        key = self._key(id_number, id_hmac, grid_code, address, head, r)
        if key is None or not self.ok:
            return None
        # The HMACs stand where the values are compared; the values themselves come last, to be
        # encrypted in one batch per chunk, and only for the rows that are staged.
        return (r, key, grid_id, head, id_hmac, hmac_of(phone), address, members, kind, hardship, cat_ids,
                id_number, phone)  # fmt: skip

    def _bad(self, r: int, column: str, message: str) -> None:
        self.add(r, column, message)
        self.ok = False

    def _required(self, value: object, r: int, column: str, max_length: int) -> str:
        value = value.strip() if type(value) is str else _text(value)
        if not value:
            self._bad(r, column, f"{column}不能为空")
        elif len(value) > max_length:
            self._bad(r, column, f"{column}不能超过{max_length}个字")
        return value

    def _id_number(self, raw_id: object, r: int) -> str:
        """The ID number as the key uses it ("" when there is none or Excel destroyed it)."""
        if type(raw_id) is str:
            id_number = raw_id.strip()
            if not id_number:
                return ""
            if len(id_number) != 18 or not id_number.isdigit():
                id_number = id_number.replace(" ", "").upper()
                if "E+" in id_number or "E-" in id_number:
                    self._bad(r, "身份证号", _MSG_ID_SCI)
                elif msg := id_number_error(id_number):
                    self._bad(r, "身份证号", msg)
            # The common case (18 ASCII digits): date and check digit inline, no regex.
            elif not id_number.isascii() or (
                not _valid_birth_date(id_number[6:14])
                or _CHECK[(sum(map(mul, id_number[:17].encode(), _WEIGHTS)) - _ZERO) % 11] != id_number[17]
            ):
                self._bad(r, "身份证号", id_number_error(id_number))
            return id_number
        if isinstance(raw_id, int | float) and not isinstance(raw_id, bool):
            self._bad(r, "身份证号", _MSG_ID_NUMBER)
            return ""
        id_number = normalize_id_number(_text(raw_id))
        if id_number and (msg := id_number_error(id_number)):
            self._bad(r, "身份证号", msg)
        return id_number

    def _grid(self, grid_code: str, r: int) -> int | None:
        if not grid_code:
            self._bad(r, "所属网格", "所属网格不能为空，请填写网格编码")
            return None
        grid_id = self.grids.get(grid_code)
        if grid_id is None:
            self._bad(r, "所属网格", f"网格编码“{grid_code}”不存在或不在您的管辖范围内")
        return grid_id

    def _members(self, members: object, r: int) -> int:
        if members == "" or members is None:
            return 1
        if msg := members_count_error(members):
            self._bad(r, "家庭人数", msg)
            return -1
        try:
            f = float(members)
            count = int(f) if f.is_integer() else -1
        except (TypeError, ValueError):
            count = -1
        if not 1 <= count <= 99:
            self._bad(r, "家庭人数", "家庭人数应为1到99之间的整数")
        return count

    def _categories(self, cats: object, r: int) -> tuple[int, ...]:
        cats = cats if type(cats) is str else _text(cats)
        found = set()
        for name in CATEGORY_SPLIT.split(cats):
            if name:
                pk = self.categories.get(name)
                if pk is None:
                    self._bad(r, "重点类别", f"重点类别“{name}”不存在")
                else:
                    found.add(pk)
        return tuple(sorted(found))

    def _hardship(self, value: object, r: int) -> bool:
        if value == "否" or value == "":
            return False
        if value == "是":
            return True
        value = _text(value)
        if value not in ("是", "否", ""):
            self._bad(r, "困难户", "困难户一栏应填“是”或“否”")
        return value == "是"

    def _key(self, id_number: str, id_hmac: str, grid_code: str, address: str, head: str, r: int) -> str | None:
        """The match key; None without one, or when an earlier row of the file has it too."""
        if id_number:
            key = f"id:{id_hmac}"
        elif grid_code and address and head:
            key = f"addr:{grid_code}|{address}|{head}"
        else:
            return None
        first = self.seen.get(key)
        if first is not None:
            self.duplicate(key, r, first)
            return None
        self.seen[key] = r
        return key

    def duplicate(self, key: str, r: int, first: int) -> None:
        """Row r has the key that row `first` had."""
        if key.startswith("id:"):
            self.add(r, "身份证号", f"身份证号与第{first}行重复")
        else:
            self.add(r, "地址", f"与第{first}行重复（同一网格、地址和户主姓名）")


_LOOKUP_SQL = (
    "SELECT h.key, h.id, h.grid_id, h.head_name, h.id_number_hmac, h.phone_hmac, h.address, h.members_count, h.kind, "
    "h.is_hardship, COALESCE(array_agg(c.focuscategory_id ORDER BY c.focuscategory_id) "
    "FILTER (WHERE c.focuscategory_id IS NOT NULL), '{{}}') "
    "FROM {household} h LEFT JOIN {through} c ON c.household_id = h.id "
    "WHERE h.key = ANY(ARRAY(SELECT key FROM pg_temp.roster_chunk)) GROUP BY h.id"
)


def _existing(keys):
    """Existing households for a chunk's keys, with their categories: one query."""
    household = Household._meta.db_table
    through = Household.categories.through._meta.db_table
    if connection.vendor == "postgresql":
        # The chunk's keys are in roster_chunk (`SeenKeys`), not in a 5,000-element array parameter
        # (which psycopg adapts in Python); = ANY(ARRAY(...)) keeps the plan on the unique index. It finds the keys of rows with errors too;
        # the caller asks only for its own.
        with connection.cursor() as cur:
            cur.execute(_LOOKUP_SQL.format(household=household, through=through))
            return {row[0]: (*row[1:10], tuple(row[10])) for row in cur.fetchall()}
    found = {}
    for rec in Household.objects.filter(key__in=keys).values_list(
        "key",
        "id",
        "grid_id",
        "head_name",
        "id_number_hmac",
        "phone_hmac",
        "address",
        "members_count",
        "kind",
        "is_hardship",
    ):
        found[rec[0]] = [*rec[1:], []]
    if found:
        by_id = {v[0]: v for v in found.values()}
        for hid, cid in (
            Household.categories.through.objects.filter(household_id__in=list(by_id))
            .order_by("focuscategory_id")
            .values_list("household_id", "focuscategory_id")
        ):
            by_id[hid][9].append(cid)
    return {k: (*v[:9], tuple(v[9])) for k, v in found.items()}


def _encrypted(rows):
    """(row, encrypted ID number, encrypted phone) for staged rows: staged files hold no clear text."""
    return zip(rows, encrypt_many([row[11] for row in rows]), encrypt_many([row[12] for row in rows]), strict=True)


def _classify(rows, errors, grids, stage, counts):
    """Look the chunk's keys up at once; stage rows that are new or changed."""
    existing = _existing([row[1] for row in rows])
    if not existing:  # the common case of a first import: every row is new
        new = rows
    else:
        allowed = set(grids.values())
        new = []
        changed = []
        for row in rows:
            old = existing.get(row[1])
            if old is None:
                new.append(row)
            elif old[1] not in allowed:
                # Held by a household the user may not import into: say nothing about where it is.
                errors.add(row[0], "身份证号" if row[4] else "地址", UNREGISTRABLE)
            elif old[1:] == row[2:11]:
                counts["same"] += 1
            else:
                changed.append(row)
        counts["update"] += len(changed)
        stage.write(
            "upd",
            (
                (key, grid_id, head, id_enc, id_hmac, phone_enc, phone_hmac, address, members, kind,
                 "t" if hardship else "f", "{" + ",".join(map(str, cat_ids)) + "}")
                for (_r, key, grid_id, head, id_hmac, phone_hmac, address, members, kind, hardship, cat_ids, _id,
                     _phone), id_enc, phone_enc in _encrypted(changed)
            ),
        )  # fmt: skip
    if not new:
        return
    counts["create"] += len(new)
    stage.write(
        "new",
        (
            (row[1], row[2], row[3], id_enc, row[4], phone_enc, row[5], *row[6:9], "t" if row[9] else "f")
            for row, id_enc, phone_enc in _encrypted(new)
        ),
    )
    stage.write("cats", ((row[1], cid) for row in new if row[10] for cid in row[10]))


# --- confirm ---------------------------------------------------------------------------------------
_COLUMNS = (
    "key, grid_id, head_name, id_number, id_number_hmac, phone, phone_hmac, address, members_count, kind, is_hardship"
)
# Empty text is "", not NULL (CSV's unquoted empty field would be NULL).
_NOT_NULL = "FORCE_NOT_NULL (key, head_name, id_number, id_number_hmac, phone, phone_hmac, address, kind)"


def _write_postgres(parts):
    household = Household._meta.db_table
    through = Household.categories.through._meta.db_table
    now = timezone.now()
    # cursor.copy() bypasses Django's cursor wrapper: translate driver errors (IntegrityError) here.
    with connection.wrap_database_errors, connection.cursor() as cur:
        # New households: straight COPY, the fastest path PostgreSQL has; ids come from the
        # sequence and created_at/updated_at from the column defaults (migration 0003).
        _copy_in(cur, f"COPY {household} ({_COLUMNS}) FROM STDIN WITH (FORMAT csv, {_NOT_NULL})", parts["new"])
        # Their categories: COPY by key into a temp table, then one join to the new ids.
        cur.execute("DROP TABLE IF EXISTS pg_temp.roster_cats")
        cur.execute("CREATE TEMP TABLE roster_cats (key varchar(200), category_id bigint) ON COMMIT DROP")
        _copy_in(cur, "COPY roster_cats FROM STDIN WITH (FORMAT csv)", parts["cats"])
        cur.execute(
            f"INSERT INTO {through} (household_id, focuscategory_id) "
            f"SELECT h.id, c.category_id FROM roster_cats c JOIN {household} h ON h.key = c.key"
        )
        # Changed households: a temp table and set-based statements. (Dropped first: a test runs
        # everything inside one transaction, so ON COMMIT has not fired yet.)
        cur.execute("DROP TABLE IF EXISTS pg_temp.roster_stage")
        cur.execute(
            "CREATE TEMP TABLE roster_stage (key varchar(200), grid_id bigint, head_name varchar(50), "
            "id_number varchar(200), id_number_hmac varchar(64), phone varchar(200), phone_hmac varchar(64), "
            "address varchar(200), members_count smallint, "
            "kind varchar(20), is_hardship boolean, categories bigint[]) ON COMMIT DROP"
        )
        _copy_in(cur, f"COPY roster_stage FROM STDIN WITH (FORMAT csv, {_NOT_NULL})", parts["upd"])
        cur.execute(
            f"UPDATE {household} h SET grid_id = s.grid_id, head_name = s.head_name, id_number = s.id_number, "
            "id_number_hmac = s.id_number_hmac, phone = s.phone, phone_hmac = s.phone_hmac, address = s.address, "
            "members_count = s.members_count, kind = s.kind, "
            "is_hardship = s.is_hardship, updated_at = %s FROM roster_stage s WHERE h.key = s.key "
            "AND (h.grid_id, h.head_name, h.id_number_hmac, h.phone_hmac, h.address, h.members_count, h.kind, "
            "h.is_hardship) IS DISTINCT FROM (s.grid_id, s.head_name, s.id_number_hmac, s.phone_hmac, s.address, "
            "s.members_count, s.kind, s.is_hardship)",
            [now],
        )
        cur.execute(
            f"DELETE FROM {through} t USING {household} h, roster_stage s "
            "WHERE t.household_id = h.id AND h.key = s.key AND NOT (t.focuscategory_id = ANY(s.categories))"
        )
        cur.execute(
            f"INSERT INTO {through} (household_id, focuscategory_id) "
            f"SELECT h.id, c.id FROM roster_stage s JOIN {household} h ON h.key = s.key "
            "CROSS JOIN LATERAL unnest(s.categories) AS c(id) ON CONFLICT DO NOTHING"
        )


def _copy_in(cur, sql, f):
    """Stream the file `f` into `COPY ... FROM STDIN` in chunks (psycopg 3's copy API)."""
    with cur.copy(sql) as copy:
        while data := f.read(1 << 16):
            copy.write(data)


def _write_generic(parts, chunk=2000):
    """Any other database (SQLite in development and tests): bulk ORM writes in chunks."""
    through = Household.categories.through
    now = timezone.now()
    fields = ["grid_id", "head_name", "id_number", "id_number_hmac", "phone", "phone_hmac", "address"]
    fields += ["members_count", "kind", "is_hardship"]
    encrypted = {"id_number", "phone"}  # compared through their HMACs

    def values(rec):
        key, grid_id, head, id_enc, id_hmac, phone_enc, phone_hmac, address, members, kind, hardship = rec[:11]
        return key, dict(
            zip(
                fields,
                (int(grid_id), head, id_enc, id_hmac, phone_enc, phone_hmac, address, int(members), kind,
                 hardship == "t"),
                strict=True,
            )
        )  # fmt: skip

    reader = csv.reader(parts["new"])
    while rows := [r for _, r in zip(range(chunk), reader, strict=False)]:
        Household.objects.bulk_create(
            [Household(key=k, created_at=now, updated_at=now, **v) for k, v in map(values, rows)],
            batch_size=500,
        )
    reader = csv.reader(parts["cats"])
    while rows := [r for _, r in zip(range(chunk), reader, strict=False)]:
        ids = dict(Household.objects.filter(key__in={r[0] for r in rows}).values_list("key", "id"))
        through.objects.bulk_create(
            [through(household_id=ids[k], focuscategory_id=int(c)) for k, c in rows],
            batch_size=1000,
            ignore_conflicts=True,
        )
    reader = csv.reader(parts["upd"])
    while rows := [r for _, r in zip(range(chunk), reader, strict=False)]:
        existing = {h.key: h for h in Household.objects.filter(key__in=[r[0] for r in rows])}
        changed = []
        for r in rows:
            key, v = values(r)
            h = existing[key]
            if any(getattr(h, k) != x for k, x in v.items() if k not in encrypted):
                for k, x in v.items():
                    setattr(h, k, x)
                h.updated_at = now
                changed.append(h)
            wanted = {int(c) for c in r[11].strip("{}").split(",") if c}
            have = set(through.objects.filter(household_id=h.pk).values_list("focuscategory_id", flat=True))
            if wanted != have:
                through.objects.filter(household_id=h.pk, focuscategory_id__in=have - wanted).delete()
                through.objects.bulk_create([through(household_id=h.pk, focuscategory_id=c) for c in wanted - have])
        Household.objects.bulk_update(changed, [*fields, "updated_at"], batch_size=500)


IMPORTER = RosterImporter()
