"""Browser pages of the ledger: triage, detail with timeline and transitions, import, export.

Every page reads through `selectors.ledger()` (which starts from `visible_to`) and writes through
the same services as the API; query counts do not depend on the page size (select_related).
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from campaigns.access import scope
from campaigns.errors import DomainError
from campaigns.models import Level, OrgUnit, Role, User
from visits.models import Household

from . import excel, selectors, services, workflow
from .api import _own_unit, xlsx_response
from .models import Attachment, Grievance, GrievanceCategory, ImportJob, Kind, Satisfaction, Source, Status, Tier

PRESETS = {
    "ledger": ("问题整改台账", {}),
    "hardship": ("特殊困难户台账", {"hardship": "1"}),
    "routed": ("交办给我单位的问题", {"routed": "1"}),
    "owned": ("我的包案", {"owned": "1"}),
}
FILTER_KEYS = [
    "status",
    "tier",
    "category",
    "unit",
    "overdue",
    "due_this_week",
    "case_owner",
    "source",
    "kind",
    "q",
    "ordering",
    "hardship",
    "routed",
    "owned",
    "page_size",
]


class LedgerPaginator(selectors.CountCachingPaginator, Paginator):
    pass


def _units_for(user):
    """Units the user may pick in filters and routing: their subtree plus every functional unit."""
    s = scope(user)
    qs = OrgUnit.objects.filter(is_active=True)
    if not s.is_superuser:
        qs = qs.filter(s.subtree_q("") | Q(level=Level.DEPARTMENT))
    return qs.order_by("path").only("id", "name", "level", "depth", "path")


def _leaders():
    return User.objects.filter(memberships__role=Role.LEADER, is_active=True).distinct().order_by("id")


def _ledger_page(request, preset):
    title, forced = PRESETS[preset]
    params = {k: v for k, v in request.GET.items() if k in FILTER_KEYS and v != ""}
    params.update(forced)
    qs = selectors.ledger(request.user, params)
    try:
        size = min(max(int(params.get("page_size", 50)), 10), 200)
    except ValueError:
        size = 50
    page = LedgerPaginator(qs, size).get_page(request.GET.get("page"))
    rows = page.object_list
    query = urlencode({k: v for k, v in params.items() if k not in forced})
    return render(
        request,
        "grievances/ledger.html",
        {
            "title": title,
            "preset": preset,
            "page": page,
            "rows": rows,
            "params": params,
            "query": query,
            "categories": GrievanceCategory.objects.filter(parent__isnull=True, is_active=True),
            "units": _units_for(request.user),
            "leaders": _leaders(),
            "statuses": Status.choices,
            "tiers": Tier.choices,
            "sources": Source.choices,
            "orderings": [
                ("-registered_at", "登记时间（新→旧）"),
                ("registered_at", "登记时间（旧→新）"),
                ("due_at", "办结期限（近→远）"),
                ("-due_at", "办结期限（远→近）"),
                ("status", "状态"),
            ],
            "can_bulk": scope(request.user).has_role(Role.OFFICE, Role.ADMIN),
        },
    )


@login_required
def ledger(request):
    return _ledger_page(request, "ledger")


@login_required
def hardship(request):
    return _ledger_page(request, "hardship")


@login_required
def routed(request):
    return _ledger_page(request, "routed")


@login_required
def owned(request):
    return _ledger_page(request, "owned")


@login_required
def export(request):
    params = {k: v for k, v in request.GET.items() if k in FILTER_KEYS and v != ""}
    return xlsx_response(selectors.ledger(request.user, params))


@login_required
@require_POST
def bulk(request):
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    name = request.POST.get("name", "")
    fields = {}
    if name == "assign":
        fields["handling_unit"] = request.POST.get("handling_unit", "")
    if name == "set_tier":
        fields["tier"] = request.POST.get("tier", "")
    back = request.POST.get("next") or reverse("grievances:ledger")
    if not ids:
        messages.error(request, "请先勾选要处理的条目")
        return redirect(back)
    try:
        n = services.bulk_transition(actor=request.user, ids=ids, name=name, **fields)
    except DomainError as exc:
        messages.error(request, f"批量操作未执行：{exc.message}")
    else:
        messages.success(request, f"已对 {n} 条执行“{workflow.BY_NAME[name].label}”")
    return redirect(back)


FIELD_WIDGETS = {
    "note": ("textarea", "说明/理由"),
    "notes": ("textarea", "回访记录"),
    "proposed_solution": ("textarea", "解决方案"),
    "result": ("textarea", "办理结果"),
    "evidence": ("file", "佐证材料"),
    "handling_unit": ("unit", "责任单位"),
    "case_owner": ("leader", "包案领导"),
    "satisfaction": ("satisfaction", "群众满意度"),
    "tier": ("tier", "问题层级"),
    "days": ("number", "延期工作日"),
    "into": ("number", "合并到条目编号"),
}


@login_required
def detail(request, pk):
    g = get_object_or_404(selectors.ledger(request.user), pk=pk)
    options = []
    for t in workflow.allowed(request.user, g):
        fields = [
            {"name": f, "widget": FIELD_WIDGETS[f][0], "label": FIELD_WIDGETS[f][1], "required": f in t.required}
            for f in (*t.required, *t.optional)
            if f in FIELD_WIDGETS and not (f == "note" and "notes" in t.optional and f not in t.required)
        ]
        options.append({"t": t, "fields": fields})
    duplicates = []
    if g.status in (Status.REGISTERED, Status.REVIEWED):
        duplicates = selectors.similar_entries(
            campaign=g.campaign, unit=g.unit, content=g.content, household=g.household, exclude=g.pk, user=request.user
        )
    return render(
        request,
        "grievances/detail.html",
        {
            "g": g,
            "options": options,
            "events": _labelled(selectors.timeline(g)),
            "reporters": g.reporters.all(),
            "attachments": g.attachments.all(),
            "merged": g.merged_entries.all(),
            "duplicates": duplicates,
            "units": _units_for(request.user),
            "leaders": _leaders(),
            "satisfactions": Satisfaction.choices,
            "tiers": Tier.choices,
            "status_labels": dict(Status.choices),
        },
    )


ACTION_LABELS = {"register": "登记", "edit": "修改信息", "merge_in": "并入重复条目"} | {
    t.name: t.label for t in workflow.TRANSITIONS
}
STATUS_LABELS = dict(Status.choices)


def _labelled(events):
    events = list(events)
    for e in events:
        e.label = ACTION_LABELS.get(e.action, e.action)
        e.from_label = STATUS_LABELS.get(e.from_status, "")
        e.to_label = STATUS_LABELS.get(e.to_status, "")
    return events


@login_required
@require_POST
def transition(request, pk):
    g = get_object_or_404(Grievance.objects.visible_to(request.user), pk=pk)
    name = request.POST.get("name", "")
    t = workflow.BY_NAME.get(name)
    fields = {}
    if t is not None:
        for f in (*t.required, *t.optional):
            if f == "evidence":
                if request.FILES.getlist("evidence"):
                    fields["evidence"] = request.FILES.getlist("evidence")
            elif request.POST.get(f, "").strip():
                fields[f] = request.POST[f].strip()
    try:
        services.transition(actor=request.user, grievance=g, name=name, version=request.POST.get("version"), **fields)
    except DomainError as exc:
        errors = "；".join(f"{FIELD_WIDGETS.get(k, (None, k))[1]}：{v[0]}" for k, v in exc.fields.items())
        messages.error(request, f"{exc.message}{'（' + errors + '）' if errors else ''}")
    else:
        messages.success(request, f"已完成：{t.label}")
    if Grievance.objects.visible_to(request.user).filter(pk=pk).exists():
        return redirect("grievances:detail", pk=pk)
    return redirect("grievances:ledger")


@login_required
@require_POST
def merge(request, pk):
    survivor = get_object_or_404(Grievance.objects.visible_to(request.user), pk=pk)
    sources = [int(i) for i in request.POST.getlist("sources") if i.isdigit()]
    try:
        services.merge_duplicates(actor=request.user, survivor=survivor, sources=sources)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已合并 {len(sources)} 条重复条目")
    return redirect("grievances:detail", pk=pk)


@login_required
def create(request):
    errors = {}
    if request.method == "POST":
        p = request.POST
        household = None
        if p.get("household", "").isdigit():
            household = Household.objects.visible_to(request.user).filter(pk=int(p["household"])).first()
        unit = None
        if p.get("unit", "").isdigit():
            unit = OrgUnit.objects.filter(pk=int(p["unit"])).first()
            if unit is not None and not scope(request.user).covers(unit):
                unit = None
        category = GrievanceCategory.objects.filter(pk=p.get("category") or 0).first()
        if category is None:
            errors["category"] = "请选择问题类别"
        if not errors:
            try:
                g = services.register_grievance(
                    actor=request.user,
                    content=p.get("content", ""),
                    category=category,
                    kind=p.get("kind") or Kind.PROBLEM,
                    source=p.get("source") or Source.VISIT,
                    tier=p.get("tier") or Tier.GENERAL,
                    household=household,
                    unit=unit or _own_unit(request.user),
                    reporter_name=p.get("reporter_name", ""),
                    reporter_phone=p.get("reporter_phone", ""),
                    proposed_solution=p.get("proposed_solution", ""),
                )
            except DomainError as exc:
                errors["__all__"] = exc.message
            else:
                messages.success(request, f"已登记 #{g.pk}")
                return redirect("grievances:detail", pk=g.pk)
    return render(
        request,
        "grievances/create.html",
        {
            "errors": errors,
            "form_error": errors.get("__all__", ""),  # templates cannot read keys starting with "_"
            "categories": GrievanceCategory.objects.filter(is_active=True).select_related("parent"),
            "units": [u for u in _units_for(request.user) if u.level != Level.DEPARTMENT],
            "kinds": Kind.choices,
            "sources": Source.choices,
            "tiers": Tier.choices,
            "post": request.POST,
        },
    )


@login_required
def import_page(request, pk=None):
    job = get_object_or_404(ImportJob, pk=pk, created_by=request.user) if pk else None
    if request.method == "POST" and job is None:
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "请选择要导入的文件")
        else:
            try:
                job = excel.preview_import(actor=request.user, upload=upload)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                return redirect("grievances:import_job", pk=job.pk)
    elif request.method == "POST" and job is not None:
        try:
            job = excel.confirm_import(actor=request.user, job=job)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已导入 {job.created_count} 条")
            return redirect("grievances:ledger")
    return render(request, "grievances/import.html", {"job": job, "headers": excel.HEADERS})


@login_required
def attachment(request, pk):
    """Attachments (evidence photos, documents) are served only to who may see the entry."""
    a = get_object_or_404(Attachment.objects.filter(grievance__in=Grievance.objects.visible_to(request.user)), pk=pk)
    name = a.name or a.file.name.rsplit("/", 1)[-1]
    return FileResponse(default_storage.open(a.file.name, "rb"), as_attachment=True, filename=name)
