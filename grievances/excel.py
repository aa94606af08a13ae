"""The ledger in Excel (台账): streamed export and offline import with preview/confirm.

Export: XlsxWriter in constant_memory mode, fed by a queryset iterator and written to a
temporary file that the response streams from disk, so 100,000 rows never sit in memory.
Formula-like text (=, +, -, @, tab, CR at the start: OWASP "CSV injection") is written as a
string cell with a leading apostrophe, never as a formula. Import strips the apostrophe.
"""

import re
import tempfile
from datetime import datetime

import xlsxwriter
from django.db import transaction
from django.utils import timezone

from campaigns import calendar, presets
from campaigns.choices import Level
from campaigns.errors import DomainError, InvalidInput, NotAllowed
from campaigns.lib.masking import mask_phone
from campaigns.models import Campaign, DeadlineTier, OrgUnit, tier_label

from .choices import Kind, Satisfaction, Source, Status, Tier
from .models import GrievanceCategory, ImportJob

HEADERS = [
    "序号",
    "台账编号",
    "登记时间",
    "反映人",
    "联系电话",
    "所属单位",
    "反映内容",
    "类型",
    "问题类别",
    "来源",
    "层级",
    "状态",
    "责任单位",
    "包案领导",
    "拟解决措施",
    "方案期限",
    "办结期限",
    "是否超期",
    "办理结果",
    "满意度",
    "解决层级",
]
# Columns an offline ledger must have for import (the same layout; extra columns are ignored).
IMPORT_REQUIRED = ["登记时间", "所属单位", "反映内容", "问题类别"]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# An exported tier reads 一般问题（15个工作日）: the days are the campaign's, the tier is the name.
DAYS_SUFFIX = re.compile(r"\s*[（(]\s*\d+\s*个工作日\s*[）)]$")

STATUS = dict(Status.choices)
KIND = dict(Kind.choices)
SOURCE = dict(Source.choices)
TIER = dict(Tier.choices)
SATISFACTION = dict(Satisfaction.choices)
LEVEL = dict(Level.choices)


def neutralise(value):
    """Text that a spreadsheet could read as a formula gets a leading apostrophe (OWASP)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _local(dt):
    return dt.astimezone(calendar.SHANGHAI).strftime("%Y-%m-%d %H:%M") if dt else ""


def _tier_labels():
    """The label of a tier with its campaign's working days, by (campaign id, tier code).

    One small query for every campaign's deadline table (five rows each), not one per entry."""
    days = {(c, code): d for c, code, d in DeadlineTier.objects.values_list("campaign_id", "code", "working_days")}
    labels = {}

    def label(campaign_id, tier):
        key = (campaign_id, tier)
        if key not in labels:
            d = days.get(key)
            labels[key] = tier_label(tier, presets.tier_days(tier) if d is None else d) if tier in TIER else tier
        return labels[key]

    return label


def export_rows(qs, now=None):
    """Tuples of the ledger layout, read in chunks from the database (no model instances kept)."""
    now = now or timezone.now()
    tier_of = _tier_labels()
    fields = [
        "external_ref",
        "registered_at",
        "reporter_name",
        "reporter_phone",
        "unit__name",
        "content",
        "kind",
        "category__name",
        "source",
        "tier",
        "status",
        "handling_unit__name",
        "case_owner__full_name",
        "proposed_solution",
        "plan_due_at",
        "due_at",
        "overdue",
        "result",
        "satisfaction",
        "resolved_level",
        "campaign_id",
    ]
    for i, r in enumerate(qs.values_list(*fields).iterator(chunk_size=2000), start=1):
        (
            ref,
            reg,
            name,
            phone,
            unit,
            content,
            kind,
            cat,
            source,
            tier,
            status,
            handling,
            owner,
            plan,
            plan_due,
            due,
            overdue,
            result,
            sat,
            level,
            campaign_id,
        ) = r
        yield (
            i,
            ref,
            _local(reg),
            name,
            mask_phone(phone),
            unit,
            content,
            KIND.get(kind, kind),
            cat,
            SOURCE.get(source, source),
            tier_of(campaign_id, tier),
            STATUS.get(status, status),
            handling or "",
            owner or "",
            plan,
            _local(plan_due),
            _local(due),
            "是" if overdue else "否",
            result,
            SATISFACTION.get(sat, ""),
            LEVEL.get(level, ""),
        )


def write_xlsx(rows, title="问题整改台账"):
    """Write an .xlsx with a title row, the Chinese header row and `rows` to a temporary file.

    XlsxWriter in constant_memory mode flushes each row to disk as soon as the next one starts,
    so memory stays flat whatever the row count; the finished workbook is returned as an open
    temporary file positioned at its start (deleted when closed), for a FileResponse to stream.
    Every text cell goes through `write_string` (never a formula, number or link), and
    formula-like text also gets the OWASP leading apostrophe.
    """
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
        ws = wb.add_worksheet(_sheet_name(title))
        bold = wb.add_format({"bold": True, "font_name": "宋体"})
        ws.set_column(6, 6, 60)
        ws.freeze_panes(2, 0)
        ws.merge_range(0, 0, 0, len(HEADERS) - 1, "", bold)
        ws.write_string(0, 0, neutralise(title), bold)
        for c, header in enumerate(HEADERS):
            ws.write_string(1, c, header, bold)
        for r, row in enumerate(rows, start=2):
            for c, v in enumerate(row):
                if v is None or v == "":
                    continue
                if isinstance(v, int | float) and not isinstance(v, bool):
                    ws.write_number(r, c, v)
                else:
                    ws.write_string(r, c, neutralise(str(v)))
        wb.close()
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def _sheet_name(title):
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    return "".join("_" if ch in "[]:*?/\\" else ch for ch in title)[:31] or "Sheet1"


# --- import --------------------------------------------------------------------------------


def _strip(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.startswith("'") and text[1:2] in FORMULA_PREFIXES:
        text = text[1:]
    return text


def _parse_time(value):
    if isinstance(value, datetime):
        return value.replace(tzinfo=calendar.SHANGHAI) if timezone.is_naive(value) else value
    text = _strip(value)
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%Y/%m/%d", "%Y/%m/%d %H:%M"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=calendar.SHANGHAI)
        except ValueError:
            continue
    return None


def read_sheet(f):
    """The rows of the first sheet as lists of values (python-calamine: fast, read-only)."""
    from python_calamine import CalamineWorkbook

    data = f.read()
    try:
        wb = CalamineWorkbook.from_filelike(__import__("io").BytesIO(data))
        return wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # noqa: BLE001 (any unreadable file is the same error to the user)
        raise InvalidInput("无法读取文件，请上传 .xlsx 格式的台账", fields={"file": ["无法读取文件"]}) from exc


def validate_rows(actor, rows):
    """Check every row, report every problem with row and column; return (clean rows, errors)."""
    header_at = next((i for i, r in enumerate(rows[:5]) if "反映内容" in [_strip(c) for c in r]), None)
    if header_at is None:
        return [], [{"row": 1, "column": "", "message": "未找到表头（须包含：" + "、".join(IMPORT_REQUIRED) + "）"}]
    header = [_strip(c) for c in rows[header_at]]
    missing = [h for h in IMPORT_REQUIRED if h not in header]
    if missing:
        return [], [{"row": header_at + 1, "column": h, "message": f"缺少列：{h}"} for h in missing]
    col = {h: header.index(h) for h in HEADERS if h in header}
    categories = {c.name: c.pk for c in GrievanceCategory.objects.visible_to(actor)}
    units = {}
    # The units the uploader may register in: entries belong to a place, never to a department.
    for u in OrgUnit.objects.territorial().actionable_by(actor, "register"):
        units.setdefault(u.name, u.pk)
        units[u.code] = u.pk
    kinds = {str(v): k for k, v in KIND.items()} | {k: k for k in KIND}
    sources = {str(v): k for k, v in SOURCE.items()} | {k: k for k in SOURCE}
    tiers = {str(v): k for k, v in TIER.items()} | {k: k for k in TIER}
    tier_names = [str(label) for label in Tier.labels]
    clean, errors = [], []
    now = timezone.now()
    for n, raw in enumerate(rows[header_at + 1 :], start=header_at + 2):

        def cell(h, raw=raw):
            i = col.get(h)
            return raw[i] if i is not None and i < len(raw) else None

        if not any(_strip(v) for v in raw):
            continue
        row_errors = []

        def err(column, message, n=n, row_errors=row_errors):
            row_errors.append({"row": n, "column": column, "message": message})

        content = _strip(cell("反映内容"))
        if not content:
            err("反映内容", "反映内容不能为空")
        registered = _parse_time(cell("登记时间"))
        if registered is None:
            err("登记时间", "登记时间格式应为 2026-01-31 或 2026-01-31 09:30")
        elif registered > now:
            err("登记时间", "登记时间不能晚于当前时间")
        unit_id = units.get(_strip(cell("所属单位")))
        if unit_id is None:
            err("所属单位", f"单位“{_strip(cell('所属单位'))}”不存在或不在您的管辖范围内")
        cat_id = categories.get(_strip(cell("问题类别")))
        if cat_id is None:
            err("问题类别", f"问题类别“{_strip(cell('问题类别'))}”不存在")
        kind = kinds.get(_strip(cell("类型")) or Kind.PROBLEM)
        if kind is None:
            err("类型", "类型应为“问题”或“建议”")
        source = sources.get(_strip(cell("来源")) or Source.VISIT)
        if source is None:
            err("来源", "来源无效")
        tier = tiers.get(DAYS_SUFFIX.sub("", _strip(cell("层级"))) or Tier.GENERAL)
        if tier is None:
            err("层级", f"层级应为{'、'.join(tier_names[:-1])}或{tier_names[-1]}")
        if row_errors:
            errors.extend(row_errors)
            continue
        clean.append(
            {
                "row": n,
                "external_ref": _strip(cell("台账编号"))[:40],
                "registered_at": registered.isoformat(),
                "reporter_name": _strip(cell("反映人"))[:50],
                "reporter_phone": _strip(cell("联系电话"))[:20],
                "unit": unit_id,
                "content": content,
                "kind": kind,
                "category": cat_id,
                "source": source,
                "tier": tier,
                "proposed_solution": _strip(cell("拟解决措施")),
            }
        )
    return clean, errors


def preview_import(*, actor, upload):
    """Store the file, check every row and keep the result; nothing enters the ledger yet."""
    from django.core.files.base import ContentFile

    data = upload.read()
    rows = read_sheet(__import__("io").BytesIO(data))
    clean, errors = validate_rows(actor, rows)
    if not clean and not errors:
        errors = [{"row": 0, "column": "", "message": "文件中没有数据行"}]
    job = ImportJob(
        created_by=actor,
        file_name=getattr(upload, "name", "")[:200],
        rows=clean,
        errors=errors,
        state=ImportJob.State.FAILED if errors else ImportJob.State.PREVIEW,
    )
    job.file.save(job.file_name or "import.xlsx", ContentFile(data), save=False)
    job.save()
    return job


def confirm_import(*, actor, job):
    """Create every previewed entry in one transaction: all rows or none."""
    from .services import register_grievance

    with transaction.atomic():
        job = ImportJob.objects.actionable_by(actor, "confirm").select_for_update().filter(pk=job.pk).first()
        if job is None:
            raise NotAllowed("只能确认自己上传的导入")
        if job.state == ImportJob.State.DONE:
            return job  # confirming twice changes nothing
        if job.state != ImportJob.State.PREVIEW or job.errors:
            raise InvalidInput("导入文件有错误，请修改后重新上传")
        units = {u.pk: u for u in OrgUnit.objects.filter(pk__in={r["unit"] for r in job.rows})}
        categories = {c.pk: c for c in GrievanceCategory.objects.filter(pk__in={r["category"] for r in job.rows})}
        campaigns = {}
        for r in job.rows:
            unit = units[r["unit"]]
            if unit.pk not in campaigns:
                campaigns[unit.pk] = Campaign.objects.current_for_unit(unit)
            try:
                _register_row(register_grievance, actor, r, unit, categories, campaigns)
            except DomainError as exc:
                # Any failure rolls back every row already written (one transaction).
                raise InvalidInput(f"第{r['row']}行：{exc.message}", fields={"rows": [exc.message]}) from exc
        job.state = ImportJob.State.DONE
        job.created_count = len(job.rows)
        job.confirmed_at = timezone.now()
        job.save()
    return job


def _register_row(register_grievance, actor, r, unit, categories, campaigns):
    register_grievance(
        actor=actor,
        content=r["content"],
        category=categories[r["category"]],
        kind=r["kind"],
        source=r["source"],
        tier=r["tier"],
        unit=unit,
        campaign=campaigns[unit.pk],
        reporter_name=r["reporter_name"],
        reporter_phone=r["reporter_phone"],
        proposed_solution=r["proposed_solution"],
        registered_at=datetime.fromisoformat(r["registered_at"]),
        external_ref=r["external_ref"],
    )
