"""The audit page: the audit administrator reads, searches and exports the trail, and sees
whether the chain is whole."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from campaigns.access import holds
from campaigns.lib.xlsx import Sheet

from . import exports, selectors, services
from .forms import RecordFilterForm
from .models import Event, Record

HEADERS = [
    "序号",
    "时间",
    "事件",
    "操作人",
    "客户端地址",
    "对象类型",
    "对象ID",
    "对象",
    "变更内容",
    "附加信息",
    "本条哈希",
]


def _require_auditor(user):
    if not holds(user, Record, "read"):
        raise PermissionDenied


def _filters(request):
    form = RecordFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    return form, {k: v for k, v in filters.items() if v}


@login_required
def records(request):
    _require_auditor(request.user)
    form, filters = _filters(request)
    qs = selectors.search(request.user, **filters)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    checked, broken = (None, None)
    if request.GET.get("verify"):
        checked, broken = services.verify()
        services.record(Event.ACCESS, data={"verify_audit": broken is None, "checked": checked})
    return render(
        request,
        "audit/records.html",
        {"form": form, "page": page, "checked": checked, "broken": broken, "query": request.GET.urlencode()},
    )


@login_required
def export(request):
    _require_auditor(request.user)
    _form, filters = _filters(request)
    return export_response(request, filters)


def export_response(request, filters):
    """The filtered trail as .xlsx (at most 100,000 records), traced and audited; the page's and
    the API's download."""
    qs = selectors.search(request.user, **filters)
    rows = [
        [r.pk, r.at.isoformat(), r.get_event_display(), r.actor_name, r.remote_addr or "", r.object_type,
         r.object_id, r.object_repr, str(r.changes), str(r.data), r.hash]
        for r in qs[:100000]
    ]  # fmt: skip
    return exports.xlsx_download(
        request,
        [Sheet(name="审计记录", headers=HEADERS, rows=rows)],
        export="audit",
        filename_zh="审计记录.xlsx",
        filename_ascii="audit-records.xlsx",
        filters={k: str(v) for k, v in filters.items()},
        object_type="audit.record",
    )
