"""Roster import from .xlsx: a preview that lists every problem, then one all-or-nothing write.

Design (issue 4, bench/roster_import.py):
- Reading uses python-calamine, row by row (`iter_rows`), so Python never holds the whole sheet.
- calamine yields cached values, not formulas. Formula cells are found by a cheap pass over the
  worksheet's XML inside the zip: a byte search for an `<f>` element over the decompressed
  stream (C-speed regex); only when one is there does a streaming ElementTree parse collect the
  cell references. Rosters without formulas (nearly all) pay one decompression, nothing more.
- Preview validates every row and looks existing keys up in chunks (one query per 5,000 rows),
  then stages only rows to create or update as CSV in default_storage. Unchanged rows are never
  staged, so re-importing the same file writes nothing.
- Confirm loads the staged CSV in one transaction: on PostgreSQL COPY into a temp table and a
  set-based upsert (INSERT ... ON CONFLICT (key) DO UPDATE ... WHERE IS DISTINCT FROM) plus
  set-based through-table inserts/deletes for categories; elsewhere bulk_create/bulk_update.
"""

import csv
import io
import re
import tempfile
import uuid
import zipfile
from xml.etree import ElementTree

import python_calamine
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from campaigns.access import scope
from campaigns.models import FocusCategory, Level, OrgUnit, Role

from .models import Household, HouseholdKind, ImportJob, ImportStatus
from .validators import id_number_error, normalize_id_number, phone_error

# Fixed point: the template's headers, in this order.
HEADERS = ["户主姓名", "身份证号", "联系电话", "地址", "所属网格", "家庭人数", "类型", "重点类别", "困难户"]
COL_LETTERS = "ABCDEFGHI"
KIND_BY_LABEL = {label: value for value, label in HouseholdKind.choices}
CATEGORY_SPLIT = re.compile(r"[、,，;；\s]+")
MAX_STORED_ERRORS = 1000
LOOKUP_CHUNK = 5000
PROGRESS_EVERY = 20000
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z0-9_]+:)?f[\s>/]")
_REF = re.compile(r"([A-Z]+)(\d+)")

IMPORT_ROLES = (Role.OFFICE, Role.ADMIN)


class RosterErrors:
    """Collects problems as {row, column, message}; keeps the first MAX_STORED_ERRORS."""

    def __init__(self):
        self.items = []
        self.count = 0

    def add(self, row, column, message):
        self.count += 1
        if len(self.items) < MAX_STORED_ERRORS:
            self.items.append({"row": row, "column": column, "message": message})


# --- the template ----------------------------------------------------------------------------
def template_bytes():
    """The downloadable template: headers in row 1, ID and phone columns formatted as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for letter, width in zip(COL_LETTERS, [10, 22, 15, 40, 20, 10, 8, 24, 8], strict=True):
        ws.column_dimensions[letter].width = width
    # Text format keeps Excel from turning 18-digit ID numbers into 3.7030319E+17.
    for row in range(2, 502):
        ws.cell(row=row, column=2).number_format = "@"
        ws.cell(row=row, column=3).number_format = "@"
    help_ws = wb.create_sheet("填写说明")
    for line in [
        ["列", "说明"],
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
    ]:
        help_ws.append(line)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- formula detection -------------------------------------------------------------------------
def _first_sheet_member(zf):
    """The zip member of the first worksheet (what calamine reads as sheet 0)."""
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


def formula_cells(fileobj):
    """References (row, column letters) of cells holding a formula in the first sheet."""
    fileobj.seek(0)
    with zipfile.ZipFile(fileobj) as zf:
        member = _first_sheet_member(zf)
        if member is None:
            return []
        found = False
        tail = b""
        with zf.open(member) as stream:
            while chunk := stream.read(1 << 20):
                if _FORMULA_TAG.search(tail + chunk):
                    found = True
                    break
                tail = chunk[-32:]
        if not found:
            return []
        refs = []
        with zf.open(member) as stream:
            for _event, elem in ElementTree.iterparse(stream, events=("end",)):
                tag = elem.tag.rsplit("}", 1)[-1]
                if tag == "c":
                    if any(child.tag.rsplit("}", 1)[-1] == "f" for child in elem):
                        m = _REF.match(elem.get("r", ""))
                        if m:
                            refs.append((int(m.group(2)), m.group(1)))
                    elem.clear()
                elif tag == "row":
                    elem.clear()
        return refs


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
    """Grid code -> (id, in scope) for every grid; scope decides which the user may import into."""
    s = scope(user)
    paths = s.paths(IMPORT_ROLES)
    index = {}
    for pk, code, path in OrgUnit.objects.filter(level=Level.GRID).values_list("id", "code", "path"):
        index[code] = (pk, s.is_superuser or any(path.startswith(p) for p in paths))
    return index


# --- preview ---------------------------------------------------------------------------------------
def preview(job: ImportJob):
    """Validate every row; stage the rows to write; record counts and errors. Writes no household."""
    errors = RosterErrors()
    user = job.created_by
    with default_storage.open(job.file, "rb") as f:
        data = f.read()
    buf = io.BytesIO(data)
    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(buf)
        sheet = wb.get_sheet_by_index(0)
    except Exception:  # noqa: BLE001 - any unreadable file gets the same answer
        return _finish_preview(job, errors, None, 0, 0, 0, 0, bad_file=True)
    try:
        formulas = formula_cells(io.BytesIO(data))
    except zipfile.BadZipFile:
        formulas = []
    del data, buf

    grids = _grid_index(user)
    categories = {name: pk for pk, name in FocusCategory.objects.filter(is_active=True).values_list("id", "name")}
    first_row = sheet.start[0] + 1 if sheet.start else 1
    height = max(sheet.height, 1)
    first_col = sheet.start[1] if sheet.start else 0

    seen = {}  # key -> excel row of its first occurrence
    pending = []  # validated rows awaiting the existing-key lookup
    staged_fh = tempfile.TemporaryFile(mode="w+", newline="", encoding="utf-8")
    writer = csv.writer(staged_fh)
    counts = {"create": 0, "update": 0, "same": 0}
    total = 0
    empty_rows = []
    header_ok = False
    pad = [""] * len(HEADERS)

    for idx, raw in enumerate(sheet.iter_rows()):
        excel_row = first_row + idx
        row = ([""] * first_col + list(raw)) if first_col else raw
        if len(row) < 9:
            row = list(row) + pad[: 9 - len(row)]
        if idx == 0:
            got = [_text(v) for v in row[:9]]
            if got != HEADERS:
                errors.add(excel_row, "", "表头与模板不一致，应依次为：" + "、".join(HEADERS))
                break
            header_ok = True
            continue
        if not any(v != "" and v is not None for v in row[:9]):
            empty_rows.append(excel_row)
            continue
        if empty_rows:
            for r in empty_rows:
                errors.add(r, "", f"第{r}行是空行，请删除中间的空行")
            empty_rows = []
        total += 1
        parsed = _parse_row(row, excel_row, errors, grids, categories, seen)
        if parsed is not None:
            pending.append(parsed)
        if len(pending) >= LOOKUP_CHUNK:
            _classify(pending, errors, grids, writer, counts)
            pending = []
        if total % PROGRESS_EVERY == 0:
            ImportJob.objects.filter(pk=job.pk).update(progress=min(95, int(idx * 95 / height)))
    if pending:
        _classify(pending, errors, grids, writer, counts)
    wb.close()
    for r, letter in formulas:
        col = COL_LETTERS.find(letter)
        errors.add(r, HEADERS[col] if col >= 0 else letter, f"{letter}{r}单元格是公式，请复制后“粘贴为数值”再导入")
    if header_ok and total == 0:
        errors.add(2, "", "花名册中没有数据行")
    errors.items.sort(key=lambda e: (e["row"], HEADERS.index(e["column"]) if e["column"] in HEADERS else -1))
    staged_name = ""
    if errors.count == 0:
        staged_fh.seek(0)
        staged_name = default_storage.save(f"imports/staged/{uuid.uuid4().hex}.csv", File(staged_fh))
    staged_fh.close()
    return _finish_preview(job, errors, staged_name, total, counts["create"], counts["update"], counts["same"])


def _finish_preview(job, errors, staged, total, to_create, to_update, same, bad_file=False):
    if bad_file:
        errors.add(1, "", "无法读取该文件，请上传Excel（.xlsx）格式的花名册")
    job.staged = staged or ""
    job.total_rows = total
    job.to_create = to_create
    job.to_update = to_update
    job.unchanged = same
    job.errors = errors.items
    job.error_count = errors.count
    job.progress = 100
    job.status = ImportStatus.PREVIEW
    job.message = f"共{errors.count}处问题，请修改后重新上传" if errors.count else "校验通过，请确认导入"
    job.save()
    return job


def _parse_row(row, r, errors, grids, categories, seen):
    """One row -> tuple for staging, or None when it has errors (all of them are recorded)."""
    ok = True
    head = _text(row[0])
    if not head:
        errors.add(r, "户主姓名", "户主姓名不能为空")
        ok = False
    elif len(head) > 50:
        errors.add(r, "户主姓名", "户主姓名不能超过50个字")
        ok = False

    raw_id = row[1]
    id_number = ""
    if isinstance(raw_id, int | float) and not isinstance(raw_id, bool):
        errors.add(
            r, "身份证号", "身份证号被Excel转成了数字（如3.7030319E+17），后几位已丢失，请将该列设为文本后重新填写"
        )
        ok = False
    else:
        id_number = normalize_id_number(_text(raw_id))
        if id_number:
            if "E+" in id_number or "E-" in id_number:
                errors.add(
                    r, "身份证号", "身份证号被Excel转成了科学计数法（如3.7030319E+17），请将该列设为文本后重新填写"
                )
                ok = False
            else:
                msg = id_number_error(id_number)
                if msg:
                    errors.add(r, "身份证号", msg)
                    ok = False

    phone = _text(row[2])
    if phone:
        msg = phone_error(phone)
        if msg:
            errors.add(r, "联系电话", msg)
            ok = False

    address = _text(row[3])
    if not address:
        errors.add(r, "地址", "地址不能为空")
        ok = False
    elif len(address) > 200:
        errors.add(r, "地址", "地址不能超过200个字")
        ok = False

    grid_code = _text(row[4])
    grid_id = None
    if not grid_code:
        errors.add(r, "所属网格", "所属网格不能为空，请填写网格编码")
        ok = False
    else:
        g = grids.get(grid_code)
        if g is None:
            errors.add(r, "所属网格", f"网格编码“{grid_code}”不存在")
            ok = False
        elif not g[1]:
            errors.add(r, "所属网格", f"网格“{grid_code}”不在您的管辖范围内")
            ok = False
        else:
            grid_id = g[0]

    members = row[5]
    if members == "" or members is None:
        members_count = 1
    else:
        try:
            members_count = int(float(members)) if float(members).is_integer() else -1
        except (TypeError, ValueError):
            members_count = -1
        if not 1 <= members_count <= 99:
            errors.add(r, "家庭人数", "家庭人数应为1到99之间的整数")
            ok = False

    kind_label = _text(row[6])
    kind = KIND_BY_LABEL.get(kind_label or "家庭")
    if kind is None:
        errors.add(r, "类型", "类型应为家庭、企业、学校、商铺或其他")
        ok = False

    cats = _text(row[7])
    cat_ids = []
    if cats:
        for name in CATEGORY_SPLIT.split(cats):
            if not name:
                continue
            pk = categories.get(name)
            if pk is None:
                errors.add(r, "重点类别", f"重点类别“{name}”不存在")
                ok = False
            elif pk not in cat_ids:
                cat_ids.append(pk)

    hardship_text = _text(row[8])
    if hardship_text in ("", "否"):
        hardship = False
    elif hardship_text == "是":
        hardship = True
    else:
        errors.add(r, "困难户", "困难户一栏应填“是”或“否”")
        ok = False

    if id_number or (grid_code and address and head):
        key = Household.make_key(id_number=id_number, grid_code=grid_code, address=address, head_name=head)
        first = seen.get(key)
        if first is not None:
            if id_number:
                errors.add(r, "身份证号", f"身份证号与第{first}行重复")
            else:
                errors.add(r, "地址", f"与第{first}行重复（同一网格、地址和户主姓名）")
            ok = False
        else:
            seen[key] = r
    if not ok:
        return None
    cat_ids.sort()
    return (r, key, grid_id, head, id_number, phone, address, members_count, kind, hardship, tuple(cat_ids))


def _classify(rows, errors, grids, writer, counts):
    """Look the chunk's keys up at once; stage rows that are new or changed."""
    keys = [row[1] for row in rows]
    existing = {}
    for rec in Household.objects.filter(key__in=keys).values_list(
        "key", "id", "grid_id", "head_name", "id_number", "phone", "address", "members_count", "kind", "is_hardship"
    ):
        existing[rec[0]] = rec
    cats = {}
    if existing:
        through = Household.categories.through
        for hid, cid in through.objects.filter(household_id__in=[e[1] for e in existing.values()]).values_list(
            "household_id", "focuscategory_id"
        ):
            cats.setdefault(hid, []).append(cid)
    allowed = {pk for pk, ok in grids.values() if ok}
    for r, key, grid_id, head, id_number, phone, address, members, kind, hardship, cat_ids in rows:
        old = existing.get(key)
        if old is None:
            counts["create"] += 1
        else:
            if old[2] not in allowed:
                errors.add(r, "身份证号", "该户已登记在您管辖范围以外的网格，不能修改")
                continue
            same = (
                old[2:] == (grid_id, head, id_number, phone, address, members, kind, hardship)
                and tuple(sorted(cats.get(old[1], ()))) == cat_ids
            )
            if same:
                counts["same"] += 1
                continue
            counts["update"] += 1
        writer.writerow(
            [
                key,
                grid_id,
                head,
                id_number,
                phone,
                address,
                members,
                kind,
                "t" if hardship else "f",
                "{" + ",".join(map(str, cat_ids)) + "}",
            ]
        )


# --- confirm ---------------------------------------------------------------------------------------
def confirm(job: ImportJob):
    """Write every staged row in one transaction, or none. Safe to call twice (the job row is locked)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status == ImportStatus.IMPORTED:
            return job
        if job.status != ImportStatus.PREVIEW or job.error_count:
            return job
        if job.staged:
            with default_storage.open(job.staged, "rb") as f:
                text = io.TextIOWrapper(f, encoding="utf-8", newline="")
                if connection.vendor == "postgresql":
                    _write_postgres(text)
                else:
                    _write_generic(text)
        job.status = ImportStatus.IMPORTED
        job.progress = 100
        job.finished_at = timezone.now()
        job.message = f"导入完成：新增{job.to_create}户，更新{job.to_update}户"
        job.save()
    if job.staged:
        default_storage.delete(job.staged)
    return job


_COLUMNS = "key, grid_id, head_name, id_number, phone, address, members_count, kind, is_hardship"


def _write_postgres(text):
    household = Household._meta.db_table
    through = Household.categories.through._meta.db_table
    now = timezone.now()
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE roster_stage (key varchar(200), grid_id bigint, head_name varchar(50), "
            "id_number varchar(18), phone varchar(20), address varchar(200), members_count smallint, "
            "kind varchar(20), is_hardship boolean, categories bigint[]) ON COMMIT DROP"
        )
        cur.copy_expert("COPY roster_stage FROM STDIN WITH (FORMAT csv)", text)
        # Only rows whose data changed are touched, so updated_at stays put otherwise.
        cur.execute(
            f"INSERT INTO {household} ({_COLUMNS}, created_at, updated_at) "
            f"SELECT {_COLUMNS}, %s, %s FROM roster_stage "
            "ON CONFLICT (key) DO UPDATE SET grid_id = EXCLUDED.grid_id, head_name = EXCLUDED.head_name, "
            "id_number = EXCLUDED.id_number, phone = EXCLUDED.phone, address = EXCLUDED.address, "
            "members_count = EXCLUDED.members_count, kind = EXCLUDED.kind, is_hardship = EXCLUDED.is_hardship, "
            "updated_at = EXCLUDED.updated_at "
            f"WHERE ({household}.grid_id, {household}.head_name, {household}.id_number, {household}.phone, "
            f"{household}.address, {household}.members_count, {household}.kind, {household}.is_hardship) "
            "IS DISTINCT FROM (EXCLUDED.grid_id, EXCLUDED.head_name, EXCLUDED.id_number, EXCLUDED.phone, "
            "EXCLUDED.address, EXCLUDED.members_count, EXCLUDED.kind, EXCLUDED.is_hardship)",
            [now, now],
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


def _write_generic(text, chunk=2000):
    through = Household.categories.through
    now = timezone.now()
    reader = csv.reader(text)
    while True:
        rows = [r for _, r in zip(range(chunk), reader, strict=False)]
        if not rows:
            break
        keys = [r[0] for r in rows]
        existing = {h.key: h for h in Household.objects.filter(key__in=keys)}
        new, changed = [], []
        for key, grid_id, head, id_number, phone, address, members, kind, hardship, _cats in rows:
            values = {
                "grid_id": int(grid_id),
                "head_name": head,
                "id_number": id_number,
                "phone": phone,
                "address": address,
                "members_count": int(members),
                "kind": kind,
                "is_hardship": hardship == "t",
            }
            h = existing.get(key)
            if h is None:
                new.append(Household(key=key, created_at=now, updated_at=now, **values))
            elif any(getattr(h, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(h, k, v)
                h.updated_at = now
                changed.append(h)
        Household.objects.bulk_create(new, batch_size=500)
        if changed:
            Household.objects.bulk_update(changed, [*values.keys(), "updated_at"], batch_size=500)
        ids = dict(Household.objects.filter(key__in=keys).values_list("key", "id"))
        wanted = {(ids[r[0]], int(c)) for r in rows for c in r[9].strip("{}").split(",") if c}
        have = set(
            through.objects.filter(household_id__in=ids.values()).values_list("household_id", "focuscategory_id")
        )
        stale = have - wanted
        for hid, cid in stale:  # only rows whose categories changed: rare, so one delete each is fine
            through.objects.filter(household_id=hid, focuscategory_id=cid).delete()
        through.objects.bulk_create(
            [through(household_id=h, focuscategory_id=c) for h, c in wanted - have], batch_size=1000
        )
