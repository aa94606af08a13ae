"""The ledger in Excel (台账): streamed export and offline import with preview/confirm.

Export: the ledger layout, fed by a queryset iterator to the shared constant-memory writer
(`campaigns.lib.xlsx`), so 100,000 rows never sit in memory; formula-like text is written as text
with a leading apostrophe. Import strips the apostrophe; it follows the shared import design
(`campaigns.lib.imports`: preview and confirm are Celery tasks), and this module is its Importer.
"""

import re
from collections.abc import Callable
from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from campaigns import calendar, presets
from campaigns.access import holds
from campaigns.choices import Level
from campaigns.errors import DomainError, InvalidInput
from campaigns.lib import imports
from campaigns.lib.imports import Importer, ImportErrors
from campaigns.lib.masking import mask_phone
from campaigns.lib.xlsx import FORMULA_PREFIXES, Sheet
from campaigns.models import Campaign, DeadlineTier, OrgUnit, User, tier_label
from campaigns.validators import phone_error

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
    "原台账编号",
]
# Columns an offline ledger must have for import (the same layout; extra columns are ignored).
IMPORT_REQUIRED = ["登记时间", "所属单位", "反映内容", "问题类别"]
# An exported tier reads 一般问题（15个工作日）: the days are the campaign's, the tier is the name.
DAYS_SUFFIX = re.compile(r"\s*[（(]\s*\d+\s*个工作日\s*[）)]$")

STATUS = dict(Status.choices)
KIND = dict(Kind.choices)
SOURCE = dict(Source.choices)
TIER = dict(Tier.choices)
SATISFACTION = dict(Satisfaction.choices)
LEVEL = dict(Level.choices)


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
        "pk",
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
            pk,
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
            entry_number(pk),
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
            ref,
        )


def entry_number(pk: int) -> str:
    """The number an entry is shown by on the ledger and its detail page (#123): the export's
    台账编号, so that a printed or forwarded row can be found again."""
    return f"#{pk}"


def export_sheet(qs, title: str = "问题整改台账", covers: str = "") -> Sheet:
    """The ledger layout of `qs`, for `audit.exports.xlsx_download`. `covers` (what the rows are:
    unit, dates, filters) is the title's second line."""
    heading = f"{title}\n{covers}" if covers else title
    return Sheet(name=title, title=heading, headers=HEADERS, rows=export_rows(qs), widths={6: 60})


# --- import --------------------------------------------------------------------------------
PROGRESS_EVERY = 500


class LedgerImporter(Importer):
    """An offline ledger as an import: every row checked as its uploader would register it."""

    model = ImportJob
    noun = "台账"
    kind = "ledger"
    storage_dir = "grievances/imports"
    formats = ("xlsx", "xls")
    refused = "只有办公室工作人员可以导入台账"
    wrong_format = "请上传Excel（.xlsx或.xls）格式的台账"
    unreadable = "无法读取文件，请上传 .xlsx 格式的台账"

    def may_upload(self, user) -> bool:
        """An offline ledger carries its registration times: who may backdate imports it."""
        return may_import(user)

    def preview(self, job: ImportJob, errors: ImportErrors, progress: Callable[[float], None]) -> None:
        """Check every row; keep the clean ones on the job for the confirm. Nothing enters the ledger."""
        sheet = imports.read_upload(self, job)
        if sheet is None:
            errors.add(1, "", self.unreadable)
            return
        try:
            rows = sheet.rows_from_a1()
        finally:
            sheet.close()
        clean, total = validate_rows(job.created_by, rows, errors, progress)
        if total == 0 and errors.count == 0:
            errors.add(0, "", "文件中没有数据行")
        job.rows, job.total_rows, job.to_create = clean, total, len(clean)

    def write(self, job: ImportJob) -> str:
        """Register every previewed entry as its uploader; any refusal rolls back every row."""
        units = {u.pk: u for u in OrgUnit.objects.filter(pk__in={r["unit"] for r in job.rows})}
        categories = {c.pk: c for c in GrievanceCategory.objects.filter(pk__in={r["category"] for r in job.rows})}
        campaigns = {}
        for r in job.rows:
            unit = units[r["unit"]]
            if unit.pk not in campaigns:
                campaigns[unit.pk] = Campaign.objects.current_for_unit(unit)
            try:
                _register_row(job.created_by, r, unit, categories[r["category"]], campaigns[unit.pk])
            except DomainError as exc:
                raise InvalidInput(f"第{r['row']}行：{exc.message}", fields={"rows": [exc.message]}) from exc
        return f"导入完成：新增{len(job.rows)}条"


IMPORTER = LedgerImporter()


def may_import(user) -> bool:
    """Whether `user` may import an offline ledger anywhere (rule "backdate" of OrgUnit)."""
    return holds(user, OrgUnit, "backdate")


def start_import(*, actor: User, upload: UploadedFile) -> ImportJob:
    """Store an offline ledger and queue its preview (a Celery task); nothing enters the ledger yet."""
    from . import tasks

    return imports.start(
        IMPORTER, actor=actor, upload=upload, queue=imports.queue_step(tasks.preview_ledger_import, "preview")
    )


def confirm_import(*, actor: User, job: ImportJob) -> ImportJob:
    """Queue the registration of every previewed entry (rule "confirm": the uploader), all or none."""
    from . import tasks

    return imports.confirm(
        IMPORTER, actor=actor, job=job, queue=imports.queue_step(tasks.confirm_ledger_import, "confirm")
    )


def retry_import(*, actor: User, job: ImportJob) -> ImportJob:
    """重试: check a failed upload's stored file again from the start (rule "confirm")."""
    from . import tasks

    return imports.retry(
        IMPORTER, actor=actor, job=job, queue=imports.queue_step(tasks.preview_ledger_import, "preview")
    )


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


class _Choices:
    """What the cells of a row may name, for one uploader; loaded once per file."""

    def __init__(self, actor: User):
        self.categories = {c.name: c.pk for c in GrievanceCategory.objects.visible_to(actor)}
        self.units = {}
        # The units the uploader may register in: entries belong to a place, never to a department.
        for u in OrgUnit.objects.territorial().actionable_by(actor, "register"):
            self.units.setdefault(u.name, u.pk)
            self.units[u.code] = u.pk
        self.kinds = {str(v): k for k, v in KIND.items()} | {k: k for k in KIND}
        self.sources = {str(v): k for k, v in SOURCE.items()} | {k: k for k in SOURCE}
        self.tiers = {str(v): k for k, v in TIER.items()} | {k: k for k in TIER}
        self.tier_names = [str(label) for label in Tier.labels]


def validate_rows(
    actor: User, rows: list[list], errors: ImportErrors, progress: Callable[[float], None] | None = None
) -> tuple[list[dict], int]:
    """Check every row and add every problem, with row and column, to `errors`; return the clean
    rows (as the confirm registers them) and the number of data rows."""
    found = _find_header(rows, errors)
    if found is None:
        return [], 0
    header_at, col = found
    choices = _Choices(actor)
    now = timezone.now()
    clean, total = [], 0
    for n, raw in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if not any(_strip(v) for v in raw):
            continue
        total += 1
        entry = _check_row(n, raw, col, choices, errors, now)
        if entry is not None:
            clean.append(entry)
        if progress is not None and total % PROGRESS_EVERY == 0:
            progress(n / len(rows))
    return clean, total


def _find_header(rows: list[list], errors: ImportErrors) -> tuple[int, dict[str, int]] | None:
    """The header row (one of the first five) and the column of each ledger header it has; None
    after adding the problem when there is none or a required column is missing."""
    header_at = next((i for i, r in enumerate(rows[:5]) if "反映内容" in [_strip(c) for c in r]), None)
    if header_at is None:
        errors.add(1, "", "未找到表头（须包含：" + "、".join(IMPORT_REQUIRED) + "）")
        return None
    header = [_strip(c) for c in rows[header_at]]
    missing = [h for h in IMPORT_REQUIRED if h not in header]
    for h in missing:
        errors.add(header_at + 1, h, f"缺少列：{h}")
    if missing:
        return None
    return header_at, {h: header.index(h) for h in HEADERS if h in header}


def _check_row(
    n: int, raw: list, col: dict[str, int], choices: _Choices, errors: ImportErrors, now: datetime
) -> dict | None:
    """Row `n` as the entry the confirm registers, or None after adding each of its problems."""

    def value(h):
        i = col.get(h)
        return raw[i] if i is not None and i < len(raw) else None

    def cell(h):
        return _strip(value(h))

    problems = []
    content = cell("反映内容")
    if not content:
        problems.append(("反映内容", "反映内容不能为空"))
    registered = _parse_time(value("登记时间"))
    if registered is None:
        problems.append(("登记时间", "登记时间格式应为 2026-01-31 或 2026-01-31 09:30"))
    elif registered > now:
        problems.append(("登记时间", "登记时间不能晚于当前时间"))
    if (phone := cell("联系电话")) and (message := phone_error(phone)):
        problems.append(("联系电话", message))
    picked = _pick_choices(cell, choices, problems)
    for column, message in problems:
        errors.add(n, column, message)
    if problems:
        return None
    return {
        "row": n,
        # An exported ledger keeps an imported entry's own number in 原台账编号 (台账编号 is ours).
        "external_ref": (cell("原台账编号") or cell("台账编号"))[:40],
        "registered_at": registered.isoformat(),
        "reporter_name": cell("反映人")[:50],
        "reporter_phone": cell("联系电话")[:20],
        "content": content,
        **picked,
        "proposed_solution": cell("拟解决措施"),
    }


def _pick_choices(cell: Callable[[str], str], choices: _Choices, problems: list[tuple[str, str]]) -> dict:
    """The row's unit, category, kind, source and tier as stored values; a problem for each unknown one."""
    picked = {
        "unit": choices.units.get(cell("所属单位")),
        "category": choices.categories.get(cell("问题类别")),
        "kind": choices.kinds.get(cell("类型") or Kind.PROBLEM),
        "source": choices.sources.get(cell("来源") or Source.VISIT),
        "tier": choices.tiers.get(DAYS_SUFFIX.sub("", cell("层级")) or Tier.GENERAL),
    }
    if picked["unit"] is None:
        problems.append(("所属单位", f"单位“{cell('所属单位')}”不存在或不在您的管辖范围内"))
    if picked["category"] is None:
        problems.append(("问题类别", f"问题类别“{cell('问题类别')}”不存在"))
    if picked["kind"] is None:
        problems.append(("类型", "类型应为“问题”或“建议”"))
    if picked["source"] is None:
        problems.append(("来源", "来源无效"))
    if picked["tier"] is None:
        names = choices.tier_names
        problems.append(("层级", f"层级应为{'、'.join(names[:-1])}或{names[-1]}"))
    return picked


def _register_row(actor: User, r: dict, unit: OrgUnit, category: GrievanceCategory, campaign: Campaign | None) -> None:
    from .services import register_grievance

    register_grievance(
        actor=actor,
        content=r["content"],
        category=category,
        kind=r["kind"],
        source=r["source"],
        tier=r["tier"],
        unit=unit,
        campaign=campaign,
        reporter_name=r["reporter_name"],
        reporter_phone=r["reporter_phone"],
        proposed_solution=r["proposed_solution"],
        registered_at=datetime.fromisoformat(r["registered_at"]),
        external_ref=r["external_ref"],
    )
