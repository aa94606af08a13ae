"""The hand-off batch (移交批次) for platforms that take files rather than Open311: the entries a
district sends up to the city's 12345 platform, after de-duplication and the street's review
(seed 002), as one .xlsx with the platform's usual columns. Merged and withdrawn entries are
never handed off. No phone numbers or ID numbers leave in the file: the platform asks back
through Open311 or by phone."""

from campaigns import calendar
from campaigns.lib.xlsx import Sheet

from .models import Grievance

HEADERS = [
    "工单编号",
    "诉求类别",
    "诉求内容",
    "所属区域",
    "来源",
    "登记时间",
    "紧急程度",
    "当前状态",
    "责任单位",
    "办结期限",
    "办理情况",
    "退单次数",
    "中止工作日",
]
STATUS = dict(Grievance._meta.get_field("status").choices)
SOURCE = dict(Grievance._meta.get_field("source").choices)


def _local(dt):
    return dt.astimezone(calendar.SHANGHAI).strftime("%Y-%m-%d %H:%M") if dt else ""


def handoff_rows(qs):
    """Rows of the hand-off layout, read in chunks (no model instances kept)."""
    fields = [
        "pk",
        "category__name",
        "content",
        "unit__name",
        "source",
        "registered_at",
        "urgent",
        "status",
        "handling_unit__name",
        "due_at",
        "result",
        "return_count",
        "paused_working_days",
    ]
    for row in qs.collected().order_by("registered_at", "pk").values_list(*fields).iterator(chunk_size=2000):
        pk, cat, content, unit, source, registered, urgent, status, handler, due, result, returns, paused = row
        yield [
            f"ZF{pk:08d}",
            cat,
            content,
            unit,
            str(SOURCE.get(source, source)),
            _local(registered),
            "急难险重" if urgent else "一般",
            str(STATUS.get(status, status)),
            handler or "",
            _local(due),
            result,
            returns,
            paused,
        ]


def handoff_sheet(qs) -> Sheet:
    """The hand-off batch of `qs`, for `audit.exports.xlsx_download`."""
    title = "移交12345平台工单批次"
    return Sheet(name="移交批次", title=title, headers=HEADERS, rows=handoff_rows(qs), widths={2: 60})
