"""Browser pages of the ledger: triage, detail with timeline and transitions, import, export; my
look-back tasks, the supervision list and the operations page (sweeps, phases, deliveries).

Every page reads through `selectors.ledger()` (which starts from `visible_to`) and writes through
the same services as the API; query counts do not depend on the page size (select_related).
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from campaigns.access import get_for, holds
from campaigns.errors import DomainError
from campaigns.forms import PhaseSwitchForm
from campaigns.lib.imports import ImportStatus
from campaigns.models import Campaign, VisitMode
from campaigns.services import switch_phase
from notifications.selectors import delivery_totals, recent_failures

from . import excel, followups, selectors, services, workflow
from .api import export_response
from .choices import Kind, Satisfaction, Source, Status, Tier
from .filters import LedgerFilter
from .forms import BulkForm, GrievanceCreateForm, MergeForm
from .models import (
    Attachment,
    FollowUp,
    FollowUpStatus,
    Grievance,
    ImportJob,
    NoticeLog,
    SweepRun,
    case_owners_for,
    handling_units_for,
)

PRESETS = {
    "ledger": ("问题整改台账", {}),
    "hardship": ("特殊困难户台账", {"hardship": "1"}),
    "routed": ("交办给我单位的问题", {"routed": "1"}),
    "owned": ("我的包案", {"owned": "1"}),
}
# What the pager and the export link carry over from the query string.
KEPT_KEYS = [*LedgerFilter.base_filters, "page_size"]


class LedgerPaginator(selectors.CountCachingPaginator, Paginator):
    pass


def _filters(request, forced=None, *, queryset=None):
    """The ledger's filters from the query string, with a preset's own filters on top."""
    data = request.GET.copy()
    for key, value in (forced or {}).items():
        data[key] = value
    return LedgerFilter(data, queryset, request=request)


def _ledger_page(request, preset):
    title, forced = PRESETS[preset]
    f = _filters(request, forced)
    # Bad filter values are shown at the form, with the status the API would give, over no rows.
    qs = f.qs if f.is_valid() else selectors.ledger(request.user).none()
    try:
        size = min(max(int(request.GET.get("page_size", 50)), 10), 200)
    except ValueError:
        size = 50
    page = LedgerPaginator(qs, size).get_page(request.GET.get("page"))
    rows = page.object_list
    kept = {k: v for k, v in request.GET.items() if k in KEPT_KEYS and v != "" and k not in forced}
    return render(
        request,
        "grievances/ledger.html",
        {
            "title": title,
            "preset": preset,
            "page": page,
            "rows": rows,
            "form": f.form,
            "query": urlencode(kept),
            "units": f.units,
            "tiers": Tier.choices,
            # The toolbar when the table lets the user run a bulk action on a row of this page
            # (scope checks of the transition table, read from memory: no query).
            "can_bulk": any(workflow.check(request.user, g, name).allowed for g in rows for name in workflow.BULK),
        },
        status=400 if f.errors else 200,
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
    f = _filters(request, queryset=Grievance.objects.actionable_by(request.user, "export"))
    if not f.is_valid():
        return _ledger_page(request, "ledger")
    return export_response(f.qs)


def _back(request):
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return back
    return reverse("grievances:ledger")


def _refused_bulk(request, back, status):
    """A refused bulk action answers with its status and the reason, and leads back to the list."""
    return render(request, "grievances/refused.html", {"back": back}, status=status)


def _form_errors(form):
    return "；".join(
        f"{form.fields[k].label if k in form.fields else ''}：{v[0]}".lstrip("：") for k, v in form.errors.items()
    )


@login_required
@require_POST
def bulk(request):
    form = BulkForm(request.POST, user=request.user)
    back = _back(request)
    if not form.is_valid():
        messages.error(request, f"批量操作未执行：{_form_errors(form)}")
        return _refused_bulk(request, back, 400)
    name = form.cleaned_data["name"]
    fields = {}
    if name == "assign":
        fields["handling_unit"] = form.cleaned_data["handling_unit"]
    if name == "set_tier":
        fields["tier"] = form.cleaned_data["tier"]
    ids = [g.pk for g in form.cleaned_data["ids"]]
    try:
        n = services.bulk_transition(actor=request.user, ids=ids, name=name, **fields)
    except DomainError as exc:
        messages.error(request, f"批量操作未执行：{_domain_errors(exc)}")
        return _refused_bulk(request, back, exc.status)
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


def _domain_errors(exc):
    errors = "；".join(f"{FIELD_WIDGETS.get(k, (None, k))[1]}：{v[0]}" for k, v in exc.fields.items())
    return f"{exc.message}{'（' + errors + '）' if errors else ''}"


@login_required
def detail(request, pk):
    return _detail_page(request, pk)


def _detail_page(request, pk, *, status=200):
    g = get_object_or_404(selectors.ledger(request.user), pk=pk)
    options = []
    # The pickers offer what the service accepts for this entry: routing targets in its district
    # (departments only for a transfer), leaders over its unit.
    units, leaders = None, None
    for t in workflow.allowed(request.user, g):
        fields = []
        for f in (*t.required, *t.optional):
            if f not in FIELD_WIDGETS or (f == "note" and "notes" in t.optional and f not in t.required):
                continue
            field = {
                "name": f,
                "widget": FIELD_WIDGETS[f][0],
                "label": FIELD_WIDGETS[f][1],
                "required": f in t.required,
            }
            if f == "handling_unit":
                units = units if units is not None else list(handling_units_for(request.user, g).order_by("path"))
                field["choices"] = [u for u in units if u.level == "department"] if t.name == "transfer" else units
            elif f == "case_owner":
                leaders = leaders if leaders is not None else list(case_owners_for(g))
                field["choices"] = leaders
            fields.append(field)
        options.append({"t": t, "fields": fields})
    # The tiers with this campaign's working days (an admin may have changed them).
    prefetch_related_objects([g.campaign], "tiers")
    tiers = [(code, g.campaign.tier_label(code)) for code in Tier.values]
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
            "satisfactions": Satisfaction.choices,
            "tiers": tiers,
            "tier_label": dict(tiers)[g.tier],
            "status_labels": dict(Status.choices),
        },
        status=status,
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
    g = get_for(request.user, Grievance, pk=pk)
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
        # Refused: the entry's page again, with the reason and the refusal's status.
        messages.error(request, _domain_errors(exc))
        return _detail_page(request, pk, status=exc.status)
    messages.success(request, f"已完成：{t.label}")
    if Grievance.objects.visible_to(request.user).filter(pk=pk).exists():
        return redirect("grievances:detail", pk=pk)
    return redirect("grievances:ledger")


@login_required
@require_POST
def merge(request, pk):
    survivor = get_for(request.user, Grievance, action="merge", pk=pk)
    form = MergeForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, f"未合并：{_form_errors(form)}")
        return _detail_page(request, pk, status=400)
    sources = [s.pk for s in form.cleaned_data["sources"]]
    try:
        services.merge_duplicates(actor=request.user, survivor=survivor, sources=sources)
    except DomainError as exc:
        messages.error(request, _domain_errors(exc))
        return _detail_page(request, pk, status=exc.status)
    messages.success(request, f"已合并 {len(sources)} 条重复条目")
    return redirect("grievances:detail", pk=pk)


@login_required
def create(request):
    form = GrievanceCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        v = form.cleaned_data
        household = v["household"]
        try:
            g = services.register_grievance(
                actor=request.user,
                content=v["content"],
                category=v["category"],
                kind=v["kind"],
                source=v["source"],
                tier=v["tier"],
                household=household,
                unit=None if household else (v["unit"] or selectors.own_unit(request.user)),
                campaign=v["campaign"],
                reporter_name=v["reporter_name"],
                reporter_phone=v["reporter_phone"],
                proposed_solution=v["proposed_solution"],
            )
        except DomainError as exc:
            # A rule across fields (the campaign's territory): shown at its field, or on top.
            for key, errors in exc.fields.items():
                form.add_error(key if key in form.fields else None, errors)
            if not exc.fields:
                form.add_error(None, exc.message)
        else:
            messages.success(request, f"已登记 #{g.pk}")
            return redirect("grievances:detail", pk=g.pk)
    return render(
        request,
        "grievances/create.html",
        {
            "form": form,
            "errors": {k: v[0] for k, v in form.errors.items()},
            "form_error": form.non_field_errors()[0] if form.non_field_errors() else "",
            "categories": form.fields["category"].queryset,
            "units": form.fields["unit"].queryset,
            "campaigns": form.fields["campaign"].queryset.select_related("territory"),
            "kinds": Kind.choices,
            "sources": Source.choices,
            "tiers": Tier.choices,
            "post": request.POST,
        },
        status=400 if form.errors else 200,
    )


@login_required
def import_page(request, pk=None):
    job = get_for(request.user, ImportJob, pk=pk) if pk else None
    if request.method == "POST" and job is None:
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "请选择要导入的文件")
        else:
            try:
                job = excel.start_import(actor=request.user, upload=upload)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                return redirect("grievances:import_job", pk=job.pk)
    elif request.method == "POST" and job is not None:
        try:
            job = excel.confirm_import(actor=request.user, job=job)
        except DomainError as exc:
            messages.error(request, exc.message)
            job.refresh_from_db()
        else:
            if job.status == ImportStatus.DONE:
                messages.success(request, f"已导入 {job.to_create} 条")
                return redirect("grievances:ledger")
            return redirect("grievances:import_job", pk=job.pk)
    # While a task works on the job, the status card polls itself (htmx) from this view.
    template = (
        "grievances/_import_status.html" if job and request.headers.get("HX-Request") else "grievances/import.html"
    )
    return render(request, template, {"job": job, "headers": excel.HEADERS})


@login_required
def attachment(request, pk):
    """Attachments (evidence photos, documents) are served only to who may see the entry."""
    a = get_for(request.user, Attachment, pk=pk)
    name = a.name or a.file.name.rsplit("/", 1)[-1]
    return FileResponse(default_storage.open(a.file.name, "rb"), as_attachment=True, filename=name)


@login_required
def my_followups(request):
    qs = FollowUp.objects.assigned_to(request.user).select_related("household", "grievance")
    pending = qs.filter(status=FollowUpStatus.PENDING).order_by("due_at", "id")
    done = qs.filter(status=FollowUpStatus.DONE).order_by("-recorded_at")[:20]
    return render(request, "grievances/followups_list.html", {"pending": pending, "done": done})


@login_required
def followup_record(request, pk):
    fu = get_for(
        request.user,
        FollowUp.objects.select_related("household", "grievance"),
        action="record" if request.method == "POST" else None,
        pk=pk,
    )
    errors, values, status = {}, {}, 200
    if request.method == "POST":
        values = request.POST
        solved = {"yes": True, "no": False}.get(request.POST.get("solved"))
        needs = [line for line in request.POST.get("new_needs", "").splitlines() if line.strip()]
        try:
            followups.record_followup(
                actor=request.user,
                followup=fu,
                mode=request.POST.get("mode", ""),
                solved=solved,
                satisfaction=request.POST.get("satisfaction", ""),
                notes=request.POST.get("notes", ""),
                new_needs=needs,
            )
        except DomainError as exc:
            errors, status = exc.fields or {"__all__": [exc.message]}, exc.status
            messages.error(request, exc.message)
        else:
            messages.success(request, "回访已记录")
            return redirect("grievances:followups")
    return render(
        request,
        "grievances/followups_record.html",
        {
            "fu": fu,
            "errors": errors,
            "values": values,
            "modes": VisitMode.choices,
            "satisfactions": Satisfaction.choices,
        },
        status=status,
    )


@login_required
def ops(request):
    """Operations for admins, each part scoped by the admin's subtree: the campaigns they manage,
    the deliveries to their people; the sweeps, which cover the whole tree, for admins of all of it."""
    user = request.user
    if not holds(user, Campaign, "manage"):
        raise PermissionDenied
    switch_form = PhaseSwitchForm(user=user)
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("sweep", "phases") and not SweepRun.objects.may_start(user):
            raise PermissionDenied
        if action == "sweep":
            from .tasks import sweep_deadlines

            sweep_deadlines.delay()
            messages.success(request, "已提交一次期限扫描，稍后刷新查看结果")
        elif action == "phases":
            from campaigns.tasks import sync_campaign_phases

            sync_campaign_phases.delay()
            messages.success(request, "已提交按日期切换阶段")
        elif action == "switch":
            switch_form = PhaseSwitchForm(request.POST, user=user)
            if not switch_form.is_valid():
                return _ops_page(request, switch_form, status=400)
            campaign = switch_form.cleaned_data["campaign"]
            try:
                work = switch_phase(actor=user, campaign=campaign, phase=switch_form.cleaned_data["phase"])
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"{campaign}：阶段已切换并锁定 {work or ''}")
        return redirect("grievances:ops")
    return _ops_page(request, switch_form)


def _ops_page(request, switch_form, status=200):
    user = request.user
    runs = SweepRun.objects.visible_to(user)[:30]
    return render(
        request,
        "grievances/ops_dashboard.html",
        {
            "runs": runs,
            "may_sweep": SweepRun.objects.may_start(user),
            "deliveries": delivery_totals(user),
            "failures": recent_failures(user),
            "switch_form": switch_form,
            "campaigns": switch_form.fields["campaign"].queryset,
            "phases": switch_form.fields["phase"].choices,
        },
        status=status,
    )


@login_required
def supervision(request):
    if not holds(request.user, NoticeLog, "supervise"):
        raise PermissionDenied
    rows = selectors.supervision_list(request.user).select_related("grievance__unit", "grievance__handling_unit")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "grievances/ops_supervision.html", {"page": page})
