"""The visits as seed 002's 入户走访台账 (附件1): one row per visit, in the order the visits were
made, the layout a street office files (who was visited, when and how, by whom with whom, what
the household raised and what the visitor wrote down)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from campaigns.calendar import SHANGHAI
from campaigns.lib.masking import mask_phone
from campaigns.lib.xlsx import Sheet

if TYPE_CHECKING:
    from collections.abc import Iterator

    from django.db.models import QuerySet

    from .models import Visit

TITLE = "入户走访台账"
HEADERS = [
    "序号",
    "走访日期",
    "村（社区）",
    "网格",
    "户主姓名",
    "家庭住址",
    "家庭人数",
    "联系电话",
    "人员类别",
    "走访方式",
    "走访人",
    "共同走访人员",
    "走访时长（分钟）",
    "群众反映的问题和诉求",
    "走访情况（入户必问、民情日记）",
    "备注",
]


def _rows(qs: QuerySet[Visit]) -> Iterator[list[object]]:
    for n, v in enumerate(qs.iterator(chunk_size=500), start=1):
        h = v.household
        grid = h.grid
        kinds = [c.name for c in h.categories.all()] + (["特殊困难户"] if h.is_hardship else [])
        answers = "；".join(str(a) for a in (v.answers or {}).values() if str(a).strip())
        notes = "\n".join(t for t in (answers, v.notes.strip()) if t)
        remarks = [
            t for t in (v.mode_reason, "回头看走访" if v.is_followup else "", "时长不足" if v.too_short else "") if t
        ]
        yield [
            n,
            v.visited_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
            grid.parent.name if grid.parent_id else "",
            grid.name,
            h.head_name,
            h.address,
            h.members_count,
            mask_phone(h.phone),  # a filed sheet travels: the whole number only through a reveal
            "、".join(kinds),
            v.get_mode_display(),
            v.visitor.display_name,
            "、".join(u.display_name for u in v.co_visitors.all()),
            v.duration_minutes,
            "\n".join(f"{g.content}（{g.get_status_display()}）" for g in v.grievances.all()),
            notes,
            "；".join(remarks),
        ]


def visit_ledger_sheets(qs: QuerySet[Visit]) -> list[Sheet]:
    """`qs` (scoped by the caller) as the 入户走访台账's one sheet (for `audit.exports.xlsx_download`,
    which adds the exporter's trace)."""
    qs = (
        qs.select_related("household__grid__parent", "visitor")
        .prefetch_related("household__categories", "co_visitors", "grievances")
        .order_by("visited_at", "id")
    )
    sheet = Sheet(
        name=TITLE,
        title=TITLE,
        headers=HEADERS,
        rows=_rows(qs),
        widths={1: 17, 2: 14, 3: 14, 5: 28, 13: 40, 14: 50, 15: 16},
        boxed=True,
    )
    return [sheet]
