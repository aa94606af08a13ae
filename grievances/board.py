"""The public board (公开栏, seed 004): what was raised and what was done, fed back to residents.

The office chooses which ledger entries its community's board shows (`publish`), writes a text
for the public and approves it (`approve_text`), and can take an entry down again (`withdraw`).
The public page (`public_board`) reads nothing but the whitelisted, structured fields and the
approved texts, so a name, phone, ID number or address can reach it only through a text the
office approved, and approval refuses texts that look like one.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from auditlog.context import set_actor
from django.conf import settings
from django.db import transaction
from django.db.models import Case, CharField, Count, F, Q, Value, When
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from campaigns.access import can
from campaigns.choices import HOUSEHOLD_LEVELS, Level
from campaigns.errors import Conflict, InvalidInput, NotAllowed
from campaigns.lib import pdf
from campaigns.lib.rendered import Rendered, Renderer
from campaigns.models import OrgUnit

from .choices import ANSWERED_STATUSES, UNCOLLECTED_STATUSES, Status
from .models import BoardPoster, Grievance, GrievanceEvent, Publication

if TYPE_CHECKING:
    from campaigns.models import User

log = logging.getLogger(__name__)

# What residents read as an entry's state: the ledger's statuses folded into three words.
PUBLIC_STATE_DONE = "已办结"
PUBLIC_STATE_ANSWERED = "已答复"
PUBLIC_STATE_RUNNING = "办理中"
DONE_STATUSES = (Status.RESOLVED, Status.FOLLOWED_UP, Status.CLOSED, Status.ADOPTED)
BOARD_ROWS = 200  # what one page and one poster list; the counts cover every entry on the board
POSTER_ROWS = 30  # what fits on an A3 sheet in a readable size

PHONE_RE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_RE = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
LANDLINE_RE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")


def community_of(unit: OrgUnit) -> OrgUnit | None:
    """The community (社区/村) whose board shows an entry of `unit`: the unit itself or its grid's parent."""
    if unit.level in (Level.COMMUNITY, *HOUSEHOLD_LEVELS):
        return unit.nearest(Level.COMMUNITY)
    return None


def identifying_words(grievance: Grievance) -> list[str]:
    """Names and addresses of the people an entry is about: never allowed in a public text."""
    words = [grievance.reporter_name]
    words += list(grievance.reporters.values_list("name", flat=True))
    if grievance.household_id:
        h = grievance.household
        words += [h.head_name, h.address]
    return [w.strip() for w in words if w and len(w.strip()) >= 2]


def check_public_text(grievance: Grievance, texts: dict[str, str]) -> None:
    """Refuse a public text with a phone, an ID number, or a name or address of the entry's people."""
    words = identifying_words(grievance)
    errors = {}
    for field, text in texts.items():
        if PHONE_RE.search(text) or LANDLINE_RE.search(text):
            errors[field] = ["公开文字不能包含电话号码"]
        elif ID_RE.search(text):
            errors[field] = ["公开文字不能包含身份证号"]
        elif any(w in text for w in words):
            errors[field] = ["公开文字不能包含反映人、户主的姓名或住址"]
    if errors:
        raise InvalidInput("公开文字含有可识别个人的信息，请修改后再审核", fields=errors)


def _event(actor: User, grievance: Grievance, action: str, note: str = "", **data) -> None:
    GrievanceEvent.objects.create(grievance=grievance, actor=actor, action=action, note=note, data=data)


def _require(actor: User, obj) -> None:
    if not can(actor, "publish", obj):
        raise NotAllowed("只有活动办工作人员可以管理公开栏")


def publish(*, actor: User, grievance: Grievance, summary: str = "", outcome: str = "") -> Publication:
    """Put an entry on its community's board; texts are drafts until approved. Publishing a
    withdrawn entry again puts it back (with its texts unapproved)."""
    with set_actor(actor), transaction.atomic():
        g = Grievance.objects.select_for_update(of=("self",)).select_related("unit").get(pk=grievance.pk)
        _require(actor, g)
        if g.status in UNCOLLECTED_STATUSES:
            raise InvalidInput("已合并或已撤回的问题不能公开")
        community = community_of(g.unit)
        if community is None:
            raise InvalidInput("只有社区/村（含网格）的问题可以在公开栏公开")
        now = timezone.now()
        p = Publication.objects.filter(grievance=g).first()
        if p is not None and p.on_board:
            raise Conflict("该问题已在公开栏中", code="already_published")
        if p is None:
            p = Publication(grievance=g, unit=community)
        p.unit = community
        p.summary, p.outcome = summary.strip(), outcome.strip()
        p.text_approved_at = p.text_approved_by = None
        p.published_at, p.published_by = now, actor
        p.withdrawn_at = p.withdrawn_by = None
        p.withdraw_reason = ""
        p.save()
        _event(actor, g, "publish", board=community.code)
    return p


def edit_text(*, actor: User, publication: Publication, summary: str, outcome: str) -> Publication:
    """Change the public texts; a change takes the approval back until the office approves again."""
    with set_actor(actor), transaction.atomic():
        p = Publication.objects.select_for_update(of=("self",)).select_related("grievance").get(pk=publication.pk)
        _require(actor, p)
        summary, outcome = summary.strip(), outcome.strip()
        if (summary, outcome) == (p.summary, p.outcome):
            return p
        p.summary, p.outcome = summary, outcome
        p.text_approved_at = p.text_approved_by = None
        p.save()
        _event(actor, p.grievance, "publish_text")
    return p


def approve_text(*, actor: User, publication: Publication) -> Publication:
    """Approve the public texts for the board, after checking they name nobody."""
    with set_actor(actor), transaction.atomic():
        p = (
            Publication.objects.select_for_update(of=("self",))
            .select_related("grievance__household")
            .get(pk=publication.pk)
        )
        _require(actor, p)
        if not (p.summary or p.outcome):
            raise InvalidInput("没有需要审核的公开文字")
        check_public_text(p.grievance, {"summary": p.summary, "outcome": p.outcome})
        p.text_approved_at, p.text_approved_by = timezone.now(), actor
        p.save()
        _event(actor, p.grievance, "approve_public_text")
    return p


def withdraw(*, actor: User, publication: Publication, reason: str = "") -> Publication:
    """Take an entry off the board (it can be published again)."""
    with set_actor(actor), transaction.atomic():
        p = Publication.objects.select_for_update(of=("self",)).select_related("grievance").get(pk=publication.pk)
        _require(actor, p)
        if not p.on_board:
            raise Conflict("该条目已撤下", code="already_withdrawn")
        p.withdrawn_at, p.withdrawn_by, p.withdraw_reason = timezone.now(), actor, reason.strip()[:200]
        p.save()
        _event(actor, p.grievance, "withdraw_publication", note=p.withdraw_reason)
    return p


def publishable(user: User, unit: OrgUnit):
    """Entries of a community the user may put on its board and that are not on it."""
    return (
        Grievance.objects.actionable_by(user, "publish")
        .filter(unit__path__startswith=unit.path)
        .exclude(status__in=UNCOLLECTED_STATUSES)
        .exclude(publication__withdrawn_at__isnull=True, publication__isnull=False)
        .select_related("category")
        .order_by("-registered_at", "-id")
    )


def board_units(user: User):
    """Communities whose board the user manages."""
    return OrgUnit.objects.filter(level=Level.COMMUNITY, is_active=True).actionable_by(user, "publish")


# --- The public page -----------------------------------------------------------------------


@dataclass(frozen=True)
class Board:
    unit: OrgUnit
    street: str
    rows: list[dict]
    totals: dict[str, int]
    by_category: list[dict]
    url: str


def _approved(field: str):
    """The field where its text is approved, an empty string otherwise (computed in the database,
    so an unapproved text is never even loaded)."""
    return Case(When(text_approved_at__isnull=False, then=F(field)), default=Value(""), output_field=CharField())


def public_state(status: str) -> str:
    if status in DONE_STATUSES:
        return PUBLIC_STATE_DONE
    if status in ANSWERED_STATUSES:
        return PUBLIC_STATE_ANSWERED
    return PUBLIC_STATE_RUNNING


def public_url(unit: OrgUnit) -> str:
    """The absolute address of a community's board, for the poster's QR code."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("public:board", kwargs={"code": unit.code})


def public_board(code: str, *, limit: int = BOARD_ROWS) -> Board:
    """A community's board as anyone may read it: three queries, whatever its size."""
    unit = (
        OrgUnit.objects.filter(code=code, level=Level.COMMUNITY, is_active=True)
        .select_related("parent")
        .only("id", "code", "name", "path", "level", "parent__name")
        .first()
    )
    if unit is None:
        raise Http404
    on_board = Publication.objects.on_board().filter(unit=unit)
    rows = list(
        on_board.annotate(
            public_summary=_approved("summary"),
            public_outcome=_approved("outcome"),
            category_name=F("grievance__category__name"),
            parent_category=F("grievance__category__parent__name"),
            status=F("grievance__status"),
            kind=F("grievance__kind"),
            registered_at=F("grievance__registered_at"),
            resolved_at=F("grievance__resolved_at"),
            closed_at=F("grievance__closed_at"),
        )
        .order_by("-grievance__registered_at", "-id")
        .values(
            "id",
            "public_summary",
            "public_outcome",
            "category_name",
            "parent_category",
            "status",
            "kind",
            "registered_at",
            "resolved_at",
            "closed_at",
            "published_at",
        )[:limit]
    )
    for r in rows:
        r["state"] = public_state(r["status"])
        del r["status"]
    categories = list(
        on_board.values(name=F("grievance__category__parent__name"))
        .annotate(
            raised=Count("pk"),
            done=Count("pk", filter=Q(grievance__status__in=DONE_STATUSES)),
            answered=Count("pk", filter=Q(grievance__status__in=ANSWERED_STATUSES)),
        )
        .order_by("-raised", "name")
    )
    for c in categories:
        c["name"] = c["name"] or "其他"
    totals = {
        "raised": sum(c["raised"] for c in categories),
        "done": sum(c["done"] for c in categories),
        "answered": sum(c["answered"] for c in categories),
    }
    totals["running"] = totals["raised"] - totals["answered"]
    street = unit.parent.name if unit.parent_id else ""
    return Board(unit=unit, street=street, rows=rows, totals=totals, by_category=categories, url=public_url(unit))


# --- The poster ------------------------------------------------------------------------------


def request_poster(*, actor: User, unit: OrgUnit) -> BoardPoster:
    """Queue the A3 poster of a community's board; the Celery task renders it."""
    from .tasks import render_board_poster

    if unit.level != Level.COMMUNITY:
        raise InvalidInput("公开栏海报按社区/村生成", fields={"unit": ["请选择社区/村"]})
    _require(actor, unit)
    job = BoardPoster.objects.create(unit=unit, created_by=actor)
    transaction.on_commit(lambda: render_board_poster.delay(job.pk))
    return job


def qr_data_uri(url: str) -> str:
    """The QR code of `url` as an SVG data: URI (made locally; the PDF fetcher reads data: URLs)."""
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=8, border=2, dark="#000")


def poster_html(board: Board) -> str:
    return render_to_string(
        "grievances/board_poster.html",
        {
            "board": board,
            "rows": board.rows[:POSTER_ROWS],
            "qr": qr_data_uri(board.url),
            "font_url": pdf.font_url(),
            "printed_at": timezone.localtime(),
        },
    )


RENDERER = Renderer(BoardPoster, "grievances.tasks.render_board_poster", related=("unit",))


def run_poster(*, job_id: int, holder: str = "") -> BoardPoster | None:
    """Render and store one poster (`campaigns.lib.rendered`: idempotent, leased)."""
    return RENDERER.run(job_id, holder=holder, render=_render_poster)


def _render_poster(job: BoardPoster) -> Rendered:
    from audit.exports import trace_for

    board = public_board(job.unit.code, limit=POSTER_ROWS)
    RENDERER.progress(job.pk, 40)
    data = pdf.render_pdf(poster_html(board), trace=trace_for(job.created_by, public=True))
    rows = len(board.rows[:POSTER_ROWS])
    return Rendered(f"board-{job.unit.code}-{job.pk}.pdf", data, "grievances.board_poster", {"unit": job.unit_id}, rows)


def retry_poster(*, actor: User, job: BoardPoster) -> BoardPoster:
    """重试: render a failed poster again (who may publish for its community)."""
    _require(actor, job.unit)
    return RENDERER.retry(job)
