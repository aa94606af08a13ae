"""Traceable downloads: every Excel export and PDF carries who made it, for which unit and when
(file properties and a visible line), and every export and PDF download is an audit record with
its filters and row count.

- `xlsx_download(request, sheets, ...)` is how a view sends data as .xlsx: it writes the trace,
  counts the rows, records the export and returns the response.
- `trace_for(user)` is the trace a PDF carries; a worker rendering a PDF uses the requesting
  user's (the job's `created_by`), then `record_rendered(job, ...)` records what went into it.
- `pdf_download(request, job, ...)` sends a rendered PDF and records the download with the
  filters and row count of its rendering.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import FileResponse
from django.utils import timezone

from campaigns.lib.trace import Trace
from campaigns.lib.xlsx import write_xlsx, xlsx_response

from .models import Event, Record
from .services import record

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from django.db.models import Model
    from django.http import HttpRequest, HttpResponse

    from campaigns.lib.xlsx import Sheet

# Query parameters that say how a list is shown, not which rows it holds.
_NOT_FILTERS = {"page", "page_size", "format", "ordering", "csrfmiddlewaretoken"}


def trace_for(user, *, public: bool = False) -> Trace:
    """The trace of a file made for `user`: name (and login), first unit of their roles, now."""
    from campaigns.access import scope
    from campaigns.models import OrgUnit

    unit = None
    if user is not None and user.is_authenticated:
        s = scope(user)
        unit_ids = s.unit_ids(list(s.roles))
        unit = OrgUnit.objects.filter(pk__in=unit_ids).order_by("depth", "path").first()
    name = ""
    if user is not None:
        login = user.get_username()
        full = getattr(user, "full_name", "") or ""
        name = f"{full}（{login}）" if full and full != login else login
    return Trace(
        user=name,
        unit=unit.name if unit else "",
        at=timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
        public=public,
    )


def filters_of(params: Mapping) -> dict[str, str]:
    """The filters of a request's query string (a QueryDict or a dict), as text."""
    lists = params.lists() if hasattr(params, "lists") else ((k, [v]) for k, v in params.items())
    out = {}
    for key, values in lists:
        values = [str(v) for v in values if v not in (None, "")]
        if values and key not in _NOT_FILTERS:
            out[key] = ",".join(values)
    return out


def xlsx_download(
    request: HttpRequest,
    sheets: Sequence[Sheet],
    *,
    export: str,
    filename_zh: str,
    filename_ascii: str,
    filters: Mapping | None = None,
    stream: bool = True,
    obj: Model | None = None,
    object_type: str = "",
) -> HttpResponse:
    """Write `sheets` with the requesting user's trace, record the export (what, filters, rows)
    and return the download. `filters` defaults to the request's query string."""
    sheets = list(sheets)
    f = write_xlsx(sheets, trace=trace_for(request.user))
    record(
        Event.EXPORT,
        actor=request.user,
        obj=obj,
        object_type=object_type or ("" if obj is not None else export),
        data={
            "export": export,
            "file": filename_zh,
            "filters": filters_of(request.GET if filters is None else filters),
            "rows": sum(s.written for s in sheets),
        },
        request=request,
    )
    return xlsx_response(f, filename_zh, filename_ascii, stream=stream)


def record_rendered(job: Model, *, kind: str, filters: Mapping, rows: int) -> Record:
    """A worker rendered a PDF for `job.created_by`: record what it holds."""
    return record(
        Event.EXPORT,
        actor=job.created_by,
        obj=job,
        data={"export": kind, "filters": filters_of(filters), "rows": rows},
    )


def pdf_download(request: HttpRequest, job: Model, *, kind: str, filename: str) -> FileResponse:
    """Send a rendered PDF and record the download with the filters and rows of its rendering."""
    rendered = (
        Record.objects.filter(event=Event.EXPORT, object_type=job._meta.label_lower, object_id=str(job.pk))
        .order_by("-id")
        .values_list("data", flat=True)
        .first()
    ) or {}
    record(
        Event.DOWNLOAD,
        actor=request.user,
        obj=job,
        data={
            "download": kind,
            "file": filename,
            "filters": rendered.get("filters", {}),
            "rows": rendered.get("rows"),
            "made_by": getattr(job.created_by, "username", ""),
        },
        request=request,
    )
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf")
