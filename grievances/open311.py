"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2): how a city's 12345 platform, or
any Open311 client, pulls the ledger's requests and pushes new ones (seed 002: what a district
cannot solve is handed to the city platform, and answers come back).

- `GET services.json`: the active categories (second level) as services;
- `GET requests.json`: requests of the system's unit, filtered by `service_request_id`,
  `service_code`, `status`, `start_date`, `end_date` (default: the last 90 days, at most 1,000);
- `POST requests.json`: a new entry (source 12345) registered as the system's account;
- `GET requests/{id}.json`: one request.

Every call carries the system's `api_key` (parameter, or the `X-Api-Key` header); an
`ExternalSystem` holds its digest, the unit whose subtree it may read and write, and the account
its entries are registered as, whose own scope (`visible_to`, the "register" rule) applies too.
A request outside that subtree answers exactly like a missing one. JSON only; errors are the
GeoReport list `[{"code": ..., "description": ...}]`. Reporter names and phones are never sent.
"""

from __future__ import annotations

import functools
from datetime import timedelta

from django.db.models import Q
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from campaigns.errors import DomainError
from campaigns.models import OrgUnit
from campaigns.validators import phone_error

from . import services
from .choices import ANSWERED_STATUSES, FINAL_STATUSES, Source
from .models import ExternalSystem, Grievance, GrievanceCategory

MAX_REQUESTS = 1000
DEFAULT_WINDOW = timedelta(days=90)


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


def _error(status: int, description: str) -> JsonResponse:
    return JsonResponse([{"code": status, "description": description}], status=status, safe=False)


def _system(request) -> ExternalSystem:
    key = request.headers.get("X-Api-Key") or request.GET.get("api_key") or request.POST.get("api_key") or ""
    system = ExternalSystem.for_key(key.strip())
    if system is None:
        raise Open311Error(401, "api_key 无效或已停用")
    now = timezone.now()
    if system.last_used_at is None or now - system.last_used_at > timedelta(minutes=5):
        ExternalSystem.objects.filter(pk=system.pk).update(last_used_at=now)
    return system


def _api(view):
    """Authenticate the system, answer its errors in the GeoReport shape."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, _system(request), *args, **kwargs)
        except Open311Error as exc:
            return _error(exc.status, exc.description)
        except DomainError as exc:
            detail = "；".join(v[0] for v in getattr(exc, "fields", {}).values()) or exc.message
            return _error(exc.status if exc.status in (400, 403, 404, 409) else 400, detail)

    return wrapped


def _services():
    return GrievanceCategory.objects.filter(is_active=True, parent__isnull=False).select_related("parent")


def _requests(system: ExternalSystem):
    """The entries the system may read: its unit's subtree (entries there or routed there), and
    only what its account sees."""
    p = system.unit.path
    return (
        Grievance.objects.visible_to(system.account)
        .filter(Q(unit__path__startswith=p) | Q(handling_unit__path__startswith=p))
        .select_related("category", "unit", "handling_unit")
    )


def _status(g: Grievance) -> str:
    return "closed" if g.status in FINAL_STATUSES or g.status in ANSWERED_STATUSES else "open"


def _iso(value):
    return timezone.localtime(value).isoformat() if value else None


def _request_json(g: Grievance) -> dict:
    notes = g.get_status_display()
    if g.merged_into_id:
        notes = f"{notes}：并入 #{g.merged_into_id} 办理"
    elif g.result:
        notes = f"{notes}：{g.result}"
    return {
        "service_request_id": str(g.pk),
        "status": _status(g),
        "status_notes": notes,
        "service_name": g.category.name,
        "service_code": g.category.code,
        "description": g.content,
        "agency_responsible": (g.handling_unit or g.unit).name,
        "service_notice": "",
        "requested_datetime": _iso(g.registered_at),
        "updated_datetime": _iso(g.updated_at),
        "expected_datetime": _iso(g.due_at),
        "address": g.unit.name,
        "address_id": g.unit.code,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


@require_GET
@_api
def service_list(request, system):
    """GET services.json: the ledger's categories."""
    rows = [
        {
            "service_code": c.code,
            "service_name": c.name,
            "description": f"{c.parent.name} / {c.name}",
            "metadata": False,
            "type": "realtime",
            "keywords": c.parent.name,
            "group": c.parent.name,
        }
        for c in _services()
    ]
    return JsonResponse(rows, safe=False)


def _filtered(request, system):
    qs = _requests(system)
    ids = request.GET.get("service_request_id")
    if ids:
        wanted = [i.strip() for i in ids.split(",") if i.strip()]
        if not all(i.isascii() and i.isdigit() for i in wanted):
            raise Open311Error(400, "service_request_id 须为以逗号分隔的编号")
        return qs.filter(pk__in=[int(i) for i in wanted])
    if code := request.GET.get("service_code"):
        qs = qs.filter(category__code__in=[c.strip() for c in code.split(",")])
    status = request.GET.get("status")
    if status:
        closed = Q(status__in=FINAL_STATUSES) | Q(status__in=ANSWERED_STATUSES)
        if status not in ("open", "closed"):
            raise Open311Error(400, "status 只能为 open 或 closed")
        qs = qs.filter(closed) if status == "closed" else qs.exclude(closed)
    start, end = (_when(request, key) for key in ("start_date", "end_date"))
    end = end or timezone.now()
    return qs.filter(registered_at__gte=start or end - DEFAULT_WINDOW, registered_at__lte=end)


def _when(request, key):
    value = request.GET.get(key)
    if not value:
        return None
    parsed = parse_datetime(value.strip().replace(" ", "+"))
    if parsed is None:
        raise Open311Error(400, f"{key} 须为 ISO 8601 时间，如 2026-11-01T00:00:00+08:00")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


@csrf_exempt  # a key in the body or header, never a session cookie: nothing for CSRF to forge
@require_http_methods(["GET", "POST"])
@_api
def request_list(request, system):
    """GET requests.json: the system's requests; POST: a new one."""
    if request.method == "POST":
        return _create(request, system)
    rows = _filtered(request, system).order_by("-registered_at", "-id")[:MAX_REQUESTS]
    return JsonResponse([_request_json(g) for g in rows], safe=False)


def _create(request, system):
    data = request.POST
    category = _services().filter(code=(data.get("service_code") or "").strip()).first()
    if category is None:
        raise Open311Error(400, "service_code 无效，请先读取 services.json")
    description = (data.get("description") or "").strip()
    if not description:
        raise Open311Error(400, "description 为必填项")
    unit = system.unit
    if code := (data.get("address_id") or "").strip():
        unit = OrgUnit.objects.filter(code=code, path__startswith=system.unit.path).first()
        if unit is None:
            raise Open311Error(400, "address_id 不是本系统对接范围内的单位编码")
    elif not any(data.get(k) for k in ("address_string", "lat", "long")):
        raise Open311Error(400, "请提供 address_id、address_string 或 lat/long")
    if address := (data.get("address_string") or "").strip():
        description = f"{description}\n地址：{address[:200]}"
    name = f"{data.get('last_name', '')}{data.get('first_name', '')}".strip()[:50]
    g = services.register_grievance(
        actor=system.account,
        content=description,
        category=category,
        source=Source.PLATFORM_12345,
        unit=unit,
        campaign=system.campaign,
        reporter_name=name,
        # The platform's entry counts more than a malformed phone: it is kept, the phone is not.
        reporter_phone="" if phone_error(phone := (data.get("phone") or "").strip()[:20]) else phone,
    )
    notice = f"已受理，办结期限 {timezone.localtime(g.due_at):%Y-%m-%d}"
    return JsonResponse(
        [{"service_request_id": str(g.pk), "service_notice": notice, "account_id": None}], status=201, safe=False
    )


@require_GET
@_api
def request_detail(request, system, pk):
    """GET requests/{id}.json: one request, as a list of one (the GeoReport shape)."""
    g = _requests(system).filter(pk=pk).first()
    if g is None:
        raise Open311Error(404, "没有该编号的诉求")
    return JsonResponse([_request_json(g)], safe=False)


app_name = "open311"
urlpatterns = [
    path("services.json", service_list, name="services"),
    path("requests.json", request_list, name="requests"),
    path("requests/<int:pk>.json", request_detail, name="request"),
]
