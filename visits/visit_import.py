"""Past visits from a cadre's spreadsheet (补录走访): a preview that matches every row to a
household or says why not, then one all-or-nothing write.

The layout is the one cadres keep by hand: one sheet per month, a header row with 走访对象, 地址,
身份证号 (optional), 走访方式, 走访时间, 时长, 参与人员, 详情, 反映问题. The job, its statuses and
tasks follow the shared import design (`campaigns.lib.imports`); this module is its `Importer`.

- Households are matched within the uploader's subtree (rule "backfill"): by ID number first
  (`selectors.households_by_id_number`), else by the normalised address and the head's name.
  A row that matches none, or several, is reported with its sheet and row.
- A visit is identified by its household and its time: a row whose visit is in the database
  already (imported before, or logged in the app) is counted as such and written again never,
  so importing the same file twice creates nothing. Its `client_id` is derived from the same
  two, so two confirms racing collide on the unique key instead of writing twice.
- The problems a row raises (反映问题) become ledger entries, registered by the uploader with the
  visit as their source; only a visit the import creates registers them.
"""

import re
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, time
from typing import IO

from django.db.models import Q
from django.utils import timezone

from campaigns.calendar import SHANGHAI, local_date
from campaigns.lib import imports
from campaigns.lib.imports import Importer, ImportErrors
from campaigns.lib.xlsx import Sheet, write_xlsx
from campaigns.models import Campaign, Phase, TeamMember, User, VisitMode

from . import selectors
from .models import Household, Visit, VisitImportJob
from .services import VISIT_PHASES
from .validators import id_number_error

HEADERS = ["走访对象", "地址", "身份证号", "走访方式", "走访时间", "时长", "参与人员", "详情", "反映问题"]
REQUIRED = ["走访对象", "地址", "走访方式", "走访时间", "时长"]
HELP_SHEET = "填写说明"
MODE_BY_LABEL = {
    **{str(label): value for value, label in VisitMode.choices},
    "入户": VisitMode.IN_PERSON,
    "入户走访": VisitMode.IN_PERSON,
    "上门": VisitMode.IN_PERSON,
    "面谈": VisitMode.IN_PERSON,
    "电话走访": VisitMode.PHONE,
    "微信走访": VisitMode.WECHAT,
    "短信走访": VisitMode.SMS,
}
# A visit by phone needs a reason (seeds/002: only for people away for long); the sheet has no
# column for it, so the record says where it came from.
REMOTE_REASON = "事后补录（原因见详情）"
NAME_SPLIT = re.compile(r"[、,，;；/\s]+")
# What an address is written with but does not mean: spaces, dashes, brackets, the "#" of 3#楼.
_ADDRESS_NOISE = re.compile(r"[\s\-—–_·.。,，、#()（）\[\]【】]+")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(分钟|分|min|小时|时|h)?$", re.IGNORECASE)
TIME_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y.%m.%d %H:%M",
    "%Y.%m.%d",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H:%M",
    "%Y年%m月%d日",
)
LOOKUP_CHUNK = 2000
CLIENT_ID_NAMESPACE = uuid.UUID("6f1d5a0e-4b7c-4e59-9a53-2f0c6d8e1b11")
# The ledger category of a problem raised at the door whose sheet does not say which one it is:
# the office reclassifies it when it assigns the entry.
DEFAULT_CATEGORY = "misc"

TEMPLATE_HELP = [
    ["工作表", "每月一张工作表（如“2026年11月”），表头相同；本说明页不会导入"],
    ["走访对象", "必填，户主姓名（企业、商铺填登记的负责人姓名）"],
    ["地址", "必填，与花名册中的地址一致（空格、横线、括号不影响匹配）"],
    ["身份证号", "可不填；填写时按身份证号匹配农户，请保持文本格式"],
    ["走访方式", "入户面谈、电话、微信或短信，不填按入户面谈"],
    ["走访时间", "例如 2026-11-12 09:30，须在活动的集中走访或整改回头看阶段内"],
    ["时长", "分钟数，例如 40；也可写“40分钟”“1小时”"],
    ["参与人员", "系统中的姓名或账号，用顿号分隔；第一位为走访人，不填按导入人"],
    ["详情", "民情日记：走访中了解到的情况"],
    ["反映问题", "群众反映的问题，导入后登记为问题台账，来源为该次走访"],
    ["匹配", "同一农户同一走访时间只导入一次，重复导入同一文件不会新增记录"],
]


def template_file() -> IO[bytes]:
    """The downloadable template: one month's sheet with the headers, the ID column as text, and
    a sheet of instructions."""
    widths = dict(enumerate([10, 36, 22, 10, 18, 8, 20, 40, 40]))
    month = local_date(timezone.now())
    return write_xlsx(
        [
            Sheet(name=f"{month.year}年{month.month}月", headers=HEADERS, rows=[], widths=widths, text_columns=[2, 4]),
            Sheet(name=HELP_SHEET, headers=["列", "说明"], rows=TEMPLATE_HELP, widths={0: 10, 1: 70}),
        ],
        trace=None,  # a blank template: no data to trace, and its first row must stay the headers
    )


def normalize_address(address: str) -> str:
    """An address as the match compares it: full-width folded to half-width, noise removed."""
    return _ADDRESS_NOISE.sub("", unicodedata.normalize("NFKC", address or "")).upper()


def client_id_for(household_id: int, visited_at: datetime) -> uuid.UUID:
    """The visit's client_id, the same for the same household and time in every import."""
    return uuid.uuid5(CLIENT_ID_NAMESPACE, f"{household_id}|{visited_at.astimezone(SHANGHAI):%Y-%m-%dT%H:%M}")


class VisitImporter(Importer):
    """Past visits as an import: rows matched to households, written as visits and entries."""

    model = VisitImportJob
    kind = "visits"
    noun = "走访记录"
    storage_dir = "imports/visits"
    refused = "只有活动办工作人员可以补录走访记录"
    wrong_format = "请上传Excel（.xlsx）格式的走访记录表"
    unreadable = "无法读取该文件，请上传Excel（.xlsx）格式的走访记录表"

    def may_upload(self, user) -> bool:
        return Household.objects.units_for(user, "backfill").exists()

    def preview(self, job: VisitImportJob, errors: ImportErrors, progress: Callable[[float], None]) -> None:
        """Parse every sheet, match every row; stage the visits to create. Writes no visit."""
        # Parsed in a child process under the kind's memory and CPU caps (a zip bomb or a huge
        # sheet kills the child, not the worker); a file over a limit fails the job with it.
        book = imports.read_upload(self, job, all_sheets=True)
        if book is None:
            errors.add(1, "", self.unreadable)
            return
        try:
            sheets = list(book.sheets())
        finally:
            book.close()
        rows = _parse(sheets, errors, job.created_by)
        progress(0.4)
        staged, same = _match(rows, errors, job.created_by, progress)
        errors.items.sort(key=lambda e: (e.get("order", 0), e["row"]))
        for e in errors.items:
            e.pop("order", None)
        job.total_rows = len(rows)
        job.rows = staged if errors.count == 0 else []
        job.to_create, job.unchanged = len(staged), same
        job.to_register = sum(1 for r in staged if r["problem"])
        if job.to_register and not _default_category_exists():
            errors.add(1, "反映问题", "问题类别“其他”未启用，无法登记反映的问题，请联系管理员")
            job.rows = []

    def write(self, job: VisitImportJob) -> str:
        """Create every staged visit and register the problems it raised (inside the confirm's
        transaction); a visit that appeared since the preview fails the job (IntegrityError)."""
        from grievances.models import GrievanceCategory
        from grievances.services import register_grievance

        rows = job.rows
        now = timezone.now()
        campaigns = {c.pk: c for c in Campaign.objects.filter(pk__in={r["campaign"] for r in rows})}
        visits = [
            Visit(
                campaign_id=r["campaign"],
                household_id=r["household"],
                visitor_id=r["visitor"],
                client_id=uuid.UUID(r["client_id"]),
                visited_at=datetime.fromisoformat(r["visited_at"]),
                duration_minutes=r["duration"],
                mode=r["mode"],
                mode_reason=REMOTE_REASON if r["mode"] != VisitMode.IN_PERSON else "",
                notes=r["notes"],
                too_short=r["duration"] < campaigns[r["campaign"]].min_visit_minutes,
                is_followup=r["phase"] == Phase.LOOKBACK,
                created_at=now,
            )
            for r in rows
        ]
        Visit.objects.bulk_create(visits, batch_size=500)
        ids = dict(Visit.objects.filter(client_id__in=[v.client_id for v in visits]).values_list("client_id", "id"))
        through = Visit.co_visitors.through
        through.objects.bulk_create(
            [through(visit_id=ids[uuid.UUID(r["client_id"])], user_id=u) for r in rows for u in r["co_visitors"]],
            batch_size=1000,
        )
        raised = [r for r in rows if r["problem"]]
        if raised:
            category = GrievanceCategory.objects.filter(code=DEFAULT_CATEGORY).first()
            households = Household.objects.select_related("grid").in_bulk({r["household"] for r in raised})
            by_id = Visit.objects.select_related("campaign").in_bulk([ids[uuid.UUID(r["client_id"])] for r in raised])
            for r in raised:
                register_grievance(
                    actor=job.created_by,
                    content=r["problem"],
                    category=category,
                    household=households[r["household"]],
                    visit=by_id[ids[uuid.UUID(r["client_id"])]],
                    source="visit",
                )
        return f"导入完成：新增走访记录{len(rows)}条，登记问题{len(raised)}条"


IMPORTER = VisitImporter()


def _default_category_exists() -> bool:
    from grievances.models import GrievanceCategory

    return GrievanceCategory.objects.filter(code=DEFAULT_CATEGORY, is_active=True).exists()


# --- reading -----------------------------------------------------------------------------------
def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _Row:
    __slots__ = (
        "order",
        "sheet",
        "row",
        "name",
        "address",
        "id_number",
        "mode",
        "visited_at",
        "duration",
        "people",
        "notes",
        "problem",
        "ok",
    )

    def where(self) -> str:
        return f"工作表“{self.sheet}”第{self.row}行"


class _Problems:
    """Adds a row's problems to the job's errors, each message naming its sheet and row."""

    def __init__(self, errors: ImportErrors):
        self.errors = errors

    def __call__(self, row: _Row, column: str, message: str) -> None:
        before = len(self.errors.items)
        self.errors.add(row.row, column, f"{row.where()}：{message}")
        if len(self.errors.items) > before:
            self.errors.items[-1]["order"] = row.order
        row.ok = False


def _parse(sheets, errors: ImportErrors, actor) -> list[_Row]:
    """The data rows of every sheet with a header, each cell checked; no query per row."""
    bad = _Problems(errors)
    people = _People(actor)
    now = timezone.now()
    rows: list[_Row] = []
    found_header = False
    for index, (sheet, cells) in enumerate(sheets):
        header_at = next((i for i, r in enumerate(cells[:5]) if "走访对象" in [_text(c) for c in r]), None)
        if header_at is None:
            continue  # the instructions, a summary sheet: not visits
        found_header = True
        header = [_text(c) for c in cells[header_at]]
        missing = [h for h in REQUIRED if h not in header]
        if missing:
            errors.add(header_at + 1, "", f"工作表“{sheet}”缺少列：{'、'.join(missing)}")
            continue
        col = {h: header.index(h) for h in HEADERS if h in header}
        for n, raw in enumerate(cells[header_at + 1 :], start=header_at + 2):
            if not any(_text(v) for v in raw):
                continue
            row = _Row()
            row.order, row.sheet, row.row, row.ok = index * 1_000_000 + n, sheet, n, True

            def cell(h, raw=raw, col=col):
                i = col.get(h)
                return raw[i] if i is not None and i < len(raw) else None

            _check_row(row, cell, bad, people, now)
            rows.append(row)
    if not found_header:
        errors.add(1, "", "未找到表头（须包含：" + "、".join(REQUIRED) + "），请使用下载的模板")
    elif not rows and errors.count == 0:
        errors.add(2, "", "文件中没有走访记录")
    return rows


def _check_row(row: _Row, cell, bad: _Problems, people: "_People", now: datetime) -> None:
    row.name = _text(cell("走访对象"))
    if not row.name:
        bad(row, "走访对象", "走访对象不能为空")
    row.address = _text(cell("地址"))
    row.id_number = _id_number(row, cell("身份证号"), bad)
    if not row.address and not row.id_number:
        bad(row, "地址", "地址不能为空")
    mode = _text(cell("走访方式"))
    row.mode = MODE_BY_LABEL.get(mode or str(VisitMode.IN_PERSON.label))
    if row.mode is None:
        bad(row, "走访方式", "走访方式应为入户面谈、电话、微信或短信")
    row.visited_at = _visit_time(cell("走访时间"))
    if row.visited_at is None:
        bad(row, "走访时间", "走访时间格式应为 2026-11-12 09:30 或 2026-11-12")
    elif row.visited_at > now:
        bad(row, "走访时间", "走访时间不能晚于当前时间")
    row.duration = _duration(cell("时长"))
    if row.duration is None:
        bad(row, "时长", "时长应为1到600之间的分钟数，例如 40")
    row.people = people.resolve(row, _text(cell("参与人员")), bad)
    row.notes = _text(cell("详情"))
    row.problem = _text(cell("反映问题"))
    if len(row.problem) > 2000:
        bad(row, "反映问题", "反映问题不能超过2000字，详细材料请在台账中作为附件上传")


def _id_number(row: _Row, value, bad: _Problems) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        bad(row, "身份证号", "身份证号被Excel转成了数字，后几位已丢失，请将该列设为文本后重新填写")
        return ""
    id_number = _text(value).replace(" ", "").upper()
    if id_number and (message := id_number_error(id_number)):
        bad(row, "身份证号", message)
        return ""
    return id_number


def _visit_time(value) -> datetime | None:
    """A cell as an aware datetime (a date alone is the day's start), or None."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=SHANGHAI) if timezone.is_naive(value) else value
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=SHANGHAI)
    text = re.sub(r"\s+", " ", _text(value).replace("：", ":"))
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=SHANGHAI)
        except ValueError:
            continue
    return None


def _duration(value) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        minutes = float(value)
    else:
        m = _DURATION.match(_text(value).replace(" ", ""))
        if m is None:
            return None
        minutes = float(m.group(1)) * (60 if (m.group(2) or "").lower() in ("小时", "时", "h") else 1)
    if not minutes.is_integer() or not 1 <= minutes <= 600:
        return None
    return int(minutes)


class _People:
    """Who a row may name in 参与人员: the people the uploader sees (their subtree) and the members
    of the teams of the campaigns they see, by full name or username; loaded once per file."""

    def __init__(self, actor):
        self.actor = actor
        teams = TeamMember.objects.filter(team__campaign__in=Campaign.objects.visible_to(actor)).values("user_id")
        users = User.objects.filter(Q(pk__in=User.objects.visible_to(actor).values("pk")) | Q(pk__in=teams))
        self.by_name = defaultdict(set)
        self.by_username = {}
        for pk, username, full_name in users.filter(is_active=True).values_list("pk", "username", "full_name"):
            self.by_username[username] = pk
            if full_name:
                self.by_name[full_name].add(pk)

    def resolve(self, row: _Row, text: str, bad: _Problems) -> list[int]:
        """The named people's ids, the visitor first; the uploader when nobody is named."""
        found = []
        for name in NAME_SPLIT.split(text):
            if not name:
                continue
            pk = self.by_username.get(name)
            if pk is None:
                matches = self.by_name.get(name, ())
                if len(matches) > 1:
                    bad(row, "参与人员", f"参与人员“{name}”有重名，请改填其账号")
                    continue
                pk = next(iter(matches), None)
            if pk is None:
                bad(row, "参与人员", f"参与人员“{name}”不是本辖区的工作人员，请填写系统中的姓名或账号")
            elif pk not in found:
                found.append(pk)
        return found or [self.actor.pk]


# --- matching ----------------------------------------------------------------------------------
def _match(rows: list[_Row], errors: ImportErrors, actor, progress) -> tuple[list[dict], int]:
    """Each clean row's household and campaign; the visits to create and the count of those in
    the database already. A row that matches no household or several, or repeats an earlier
    row's visit, is reported."""
    bad = _Problems(errors)
    households = Household.objects.actionable_by(actor, "backfill")
    clean = [r for r in rows if r.ok]
    by_id = selectors.households_by_id_number(households, {r.id_number for r in clean if r.id_number})
    by_address = _households_by_address(households, {r.name for r in clean})
    campaigns = _Campaigns(actor)
    matched = []
    for r in clean:
        hit = by_id.get(r.id_number) if r.id_number else None
        if hit is None:
            candidates = by_address.get((r.name, normalize_address(r.address)), [])
            if len(candidates) > 1:
                bad(r, "地址", f"地址和走访对象匹配到{len(candidates)}户，请填写身份证号以区分")
                continue
            if not candidates:
                message = "未找到该农户：身份证号、地址和走访对象均未匹配到本辖区的农户，请核对或先导入花名册"
                if not r.id_number:
                    message = "未找到该农户：地址和走访对象未匹配到本辖区的农户，请核对、填写身份证号或先导入花名册"
                bad(r, "身份证号" if r.id_number else "地址", message)
                continue
            hit = candidates[0]
        household_id, grid_path = hit
        found = campaigns.for_visit(grid_path, local_date(r.visited_at))
        if found is None:
            bad(r, "走访时间", "走访时间不在该户所在区域走访活动的集中走访或整改回头看阶段内")
            continue
        matched.append((r, household_id, found))
    progress(0.7)
    return _stage(matched, bad)


def _stage(matched, bad: _Problems) -> tuple[list[dict], int]:
    """The rows to create, keyed by household and time: a repeat within the file is reported,
    a visit already in the database counted and left alone."""
    first: dict[tuple[int, datetime], _Row] = {}
    unique = []
    for r, household_id, found in matched:
        key = (household_id, r.visited_at)
        earlier = first.get(key)
        if earlier is not None:
            bad(r, "走访时间", f"与{earlier.where()}重复（同一农户、同一走访时间）")
            continue
        first[key] = r
        unique.append((r, household_id, found))
    existing = set()
    for i in range(0, len(unique), LOOKUP_CHUNK):
        chunk = unique[i : i + LOOKUP_CHUNK]
        existing.update(
            Visit.objects.filter(
                household_id__in={h for _r, h, _c in chunk}, visited_at__in={r.visited_at for r, _h, _c in chunk}
            ).values_list("household_id", "visited_at")
        )
    staged, same = [], 0
    for r, household_id, (campaign_id, phase) in unique:
        if (household_id, r.visited_at) in existing:
            same += 1
            continue
        staged.append(
            {
                "row": r.row,
                "sheet": r.sheet,
                "household": household_id,
                "campaign": campaign_id,
                "phase": phase,
                "visitor": r.people[0],
                "co_visitors": r.people[1:],
                "client_id": str(client_id_for(household_id, r.visited_at)),
                "visited_at": r.visited_at.isoformat(),
                "duration": r.duration,
                "mode": r.mode,
                "notes": r.notes,
                "problem": r.problem,
            }
        )
    return staged, same


def _households_by_address(households, names: set[str]) -> dict[tuple[str, str], list[tuple[int, str]]]:
    """(head's name, normalised address) -> [(household id, grid path)] for the heads named in the
    file: one query per chunk of names, the normalising in Python (addresses are stored as typed)."""
    found = defaultdict(list)
    names = sorted(n for n in names if n)
    for i in range(0, len(names), LOOKUP_CHUNK):
        for pk, head, address, path in households.filter(head_name__in=names[i : i + LOOKUP_CHUNK]).values_list(
            "pk", "head_name", "address", "grid__path"
        ):
            found[(head, normalize_address(address))].append((pk, path))
    return found


class _Campaigns:
    """The campaigns the uploader sees with their phases, loaded once: which one a visit at a
    household on a day belongs to (the newest whose territory holds it and whose visiting or
    look-back phase contains the day)."""

    def __init__(self, actor):
        self.items = list(
            Campaign.objects.visible_to(actor)
            .select_related("territory")
            .prefetch_related("phases")
            .order_by("-year", "-id")
        )
        self.cache = {}

    def for_visit(self, grid_path: str, day: date) -> tuple[int, str] | None:
        key = (grid_path, day)
        if key not in self.cache:
            self.cache[key] = next(
                (
                    (c.pk, phase)
                    for c in self.items
                    if grid_path.startswith(c.territory.path) and (phase := c.phase_on(day)) in VISIT_PHASES
                ),
                None,
            )
        return self.cache[key]
