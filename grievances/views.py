"""Browser pages of the ledger: triage, detail with timeline and transitions, import, export; my
look-back tasks, the supervision list and the operations page (sweeps, phases, deliveries).

Every page reads through `selectors.ledger()` (which starts from `visible_to`) and writes through
the same services as the API; query counts do not depend on the page size (select_related).
"""

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from campaigns.access import can, get_for, holds, scope
from campaigns.errors import DomainError
from campaigns.forms import PhaseSwitchForm
from campaigns.lib.imports import ImportStatus
from campaigns.lib.masking import mask_phone
from campaigns.models import Campaign, OrgUnit, OutboxMessage, Role, VisitMode
from campaigns.services import enqueue_now, switch_phase
from campaigns.throttling import throttle_page
from notifications.selectors import delivery_totals, recent_failures
from visits.choices import RevealReason
from visits.serializers import RevealSerializer

from . import excel, followups, selectors, services, workflow
from .api import export_response, handoff_response
from .choices import SOLVED_STATUSES, Kind, Satisfaction, Source, Status, Tier
from .filters import LedgerFilter
from .forms import (
    BulkForm,
    GrievanceCreateForm,
    MergeForm,
    PetitionFlagsForm,
    ReceptionForm,
    ReceptionVisitorForm,
    VisitorOutcomeForm,
)
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
            "links": _ledger_links(request.user),
        },
        status=400 if f.errors else 200,
    )


def _ledger_links(user) -> dict[str, bool]:
    """Which of the ledger's other pages the user's roles can use (the toolbar links only those)."""
    s = scope(user)
    return {
        "hardship": s.has_role(Role.OFFICE, Role.LEADER, Role.ADMIN),
        "routed": s.has_role(Role.HANDLER),
        "owned": s.has_role(Role.LEADER),
        "create": holds(user, OrgUnit, "register"),
        "import": excel.may_import(user),
    }


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
@throttle_page("export")
def export(request):
    f = _filters(request, queryset=Grievance.objects.actionable_by(request.user, "export"))
    if not f.is_valid():
        return _ledger_page(request, "ledger")
    return export_response(request, f.qs, f.covers())


@login_required
@throttle_page("export")
def handoff_batch(request):
    """The hand-off batch for the 12345 platform: the ledger's filters, the export rule."""
    f = _filters(request, queryset=Grievance.objects.actionable_by(request.user, "export"))
    if not f.is_valid():
        return _ledger_page(request, "ledger")
    return handoff_response(request, f.qs)


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
    "until": ("date", "中止至（到期自动恢复计时）"),
}


def _domain_errors(exc):
    errors = "；".join(f"{FIELD_WIDGETS.get(k, (None, k))[1]}：{v[0]}" for k, v in exc.fields.items())
    return f"{exc.message}{'（' + errors + '）' if errors else ''}"


@login_required
def detail(request, pk):
    return _detail_page(request, pk)


def _detail_page(request, pk, *, status=200, revealed=None):
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
            "sign_for_overdue": bool(
                g.sign_for_due_at and not g.signed_for_at and not g.returned_at and g.sign_for_due_at < timezone.now()
            ),
            "status_labels": dict(Status.choices),
            "reporter_phone": mask_phone(g.reporter_phone),
            "may_reveal": bool(g.reporter_phone) and can(request.user, "reveal_phone", g),
            "reveal_reasons": RevealReason.choices,
            "revealed": revealed,
            "may_mark_typical": g.status in SOLVED_STATUSES and can(request.user, "mark_typical", g),
            "may_flag_petition": can(request.user, "flag_petition", g),
            "petition_visits": g.receptions.select_related("reception__leader").order_by("-reception__date")[:20],
        },
        status=status,
    )


@login_required
@require_POST
def reveal_phone(request, pk):
    """The reporter's whole phone on the entry's page, for a reason; audited (services)."""
    g = get_object_or_404(Grievance.objects.visible_to(request.user), pk=pk)
    data = RevealSerializer(data=request.POST)
    if not data.is_valid():
        for errors in data.errors.values():
            messages.error(request, errors[0])
        return _detail_page(request, pk, status=400)
    try:
        shown = services.reveal_reporter_phone(actor=request.user, grievance=g, **data.validated_data)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _detail_page(request, pk, status=exc.status)
    return _detail_page(request, pk, revealed=shown)


@login_required
@require_POST
def typical(request, pk):
    g = get_object_or_404(Grievance.objects.visible_to(request.user), pk=pk)
    try:
        g = services.mark_typical(actor=request.user, grievance=g, typical=request.POST.get("is_typical") == "1")
    except DomainError as exc:
        messages.error(request, exc.message)
        return _detail_page(request, pk, status=exc.status)
    messages.success(request, "已标记为典型案例" if g.is_typical else "已取消典型案例标记")
    return redirect("grievances:detail", pk=pk)


@login_required
@require_POST
def petition_flags(request, pk):
    """积案 / 越级 / 息访 marks of an entry from its page (the checkboxes say the marks as they should be)."""
    from . import petitions

    g = get_object_or_404(Grievance.objects.visible_to(request.user), pk=pk)
    form = PetitionFlagsForm(request.POST)
    form.is_valid()  # three checkboxes: unticked is False, never an error
    try:
        petitions.flag_petition(actor=request.user, grievance=g, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _detail_page(request, pk, status=exc.status)
    messages.success(request, "已更新信访标记")
    return redirect("grievances:detail", pk=pk)


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
                urgent=v["urgent"],
                client_id=v["client_id"],
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
            "client_id": form["client_id"].value(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@throttle_page("import", methods=("POST",))
def import_page(request, pk=None):
    job = get_for(request.user, ImportJob, pk=pk) if pk else None
    if job is None and not excel.may_import(request.user):
        raise PermissionDenied(excel.IMPORTER.refused)
    file_error = ""
    if request.method == "POST" and job is None:
        upload = request.FILES.get("file")
        if upload is None:
            file_error = "请选择要导入的文件"
        else:
            try:
                job = excel.start_import(actor=request.user, upload=upload)
            except DomainError as exc:
                file_error = exc.message  # told at the file input, the page answers 400
            else:
                return redirect("grievances:import_job", pk=job.pk)
    elif request.method == "POST" and job is not None:
        try:
            if request.POST.get("action") == "retry":
                job = excel.retry_import(actor=request.user, job=job)
                messages.info(request, "已重新开始校验")
                return redirect("grievances:import_job", pk=job.pk)
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
    context = {"job": job, "headers": excel.HEADERS, "file_error": file_error}
    return render(request, template, context, status=400 if file_error else 200)


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
            recorded = followups.record_followup(
                actor=request.user,
                followup=fu,
                mode=request.POST.get("mode", ""),
                solved=solved,
                satisfaction=request.POST.get("satisfaction", ""),
                notes=request.POST.get("notes", ""),
                new_needs=needs,
                client_id=_client_id(request),
            )
        except DomainError as exc:
            errors, status = exc.fields or {"__all__": [exc.message]}, exc.status
            messages.error(request, exc.message)
        else:
            if recorded.replayed:
                messages.info(request, "该回访已记录过，未重复提交")
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
            # Made when the form is shown, kept through a re-render with errors.
            "client_id": _client_id(request) or uuid.uuid4(),
        },
        status=status,
    )


def _client_id(request):
    """The posted submit key, or None (none sent, or not a UUID: the record is then not keyed)."""
    try:
        return uuid.UUID(request.POST.get("client_id", ""))
    except ValueError:
        return None


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

            enqueue_now(sweep_deadlines)
            messages.success(request, "已提交一次期限扫描，稍后刷新查看结果")
        elif action == "phases":
            from campaigns.tasks import sync_campaign_phases

            enqueue_now(sync_campaign_phases)
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
    # The outbox is the whole installation's: shown to those who run its sweeps.
    may_sweep = SweepRun.objects.may_start(user)
    waiting = OutboxMessage.objects.waiting() if may_sweep else OutboxMessage.objects.none()
    return render(
        request,
        "grievances/ops_dashboard.html",
        {
            "runs": runs,
            "may_sweep": may_sweep,
            "outbox_count": waiting.count(),
            "outbox": waiting[:20],
            "deliveries": delivery_totals(user),
            "failures": recent_failures(user),
            "switch_form": switch_form,
            "campaigns": switch_form.fields["campaign"].queryset,
            "phases": switch_form.fields["phase"].choices,
        },
        status=status,
    )


SUPERVISION_FLAGS = {"backlog": "信访积案", "skipped_level": "越级信访"}


@login_required
def supervision(request):
    """The supervision list (overdue entries), and the petition cases watched as 积案 or 越级;
    `?flag=` keeps one kind in both."""
    from . import petitions

    if not holds(request.user, NoticeLog, "supervise"):
        raise PermissionDenied
    flag = request.GET.get("flag") or None
    if flag is not None and flag not in SUPERVISION_FLAGS:
        flag = None
    rows = selectors.supervision_list(request.user)
    if flag:
        rows = rows.filter(grievance__in=petitions.flagged(Grievance.objects.all(), flag))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    cases = petitions.petition_cases(request.user, flag)[:200]
    context = {"page": page, "cases": cases, "flag": flag, "flags": SUPERVISION_FLAGS}
    return render(request, "grievances/ops_supervision.html", context)


# --- The petition cycle (信访: 接访, 约访, 带案下访) -------------------------------------------------


def _petitions_page(request, *, form=None, visitor_forms=None, status=200):
    from . import petitions
    from .models import Reception, ReceptionKind

    if not holds(request.user, Reception, "manage"):
        raise PermissionDenied
    kind = request.GET.get("kind") or ""
    receptions = Reception.objects.visible_to(request.user).select_related("unit", "leader")
    if kind in ReceptionKind.values:
        receptions = receptions.filter(kind=kind)
    receptions = list(receptions.prefetch_related("visitors__grievance")[:50])
    for r in receptions:
        r.may_manage = can(request.user, "manage", r)
        r.visitor_form = (visitor_forms or {}).get(r.pk) or ReceptionVisitorForm(user=request.user, prefix=f"r{r.pk}")
    unit = petitions.counted_unit(request.user)
    counts = petitions.petition_counts(campaign=None, unit=unit) if unit is not None else None
    return render(
        request,
        "grievances/petitions.html",
        {
            "form": form or ReceptionForm(user=request.user, initial={"date": timezone.localdate()}),
            "receptions": receptions,
            "kinds": ReceptionKind.choices,
            "kind": kind,
            "unit": unit,
            "counts": counts,
        },
        status=status,
    )


@login_required
def petitions_page(request):
    return _petitions_page(request)


@login_required
@require_POST
def reception_create(request):
    from . import petitions

    form = ReceptionForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _petitions_page(request, form=form, status=400)
    try:
        petitions.create_reception(actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, _domain_errors(exc))
        return _petitions_page(request, form=form, status=exc.status)
    messages.success(request, "已登记")
    return redirect("grievances:petitions")


@login_required
@require_POST
def reception_visitor_add(request, pk):
    from . import petitions
    from .models import Reception

    r = get_for(request.user, Reception, action="manage", pk=pk)
    form = ReceptionVisitorForm(request.POST, user=request.user, prefix=f"r{r.pk}")
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _petitions_page(request, visitor_forms={r.pk: form}, status=400)
    try:
        petitions.add_visitor(actor=request.user, reception=r, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, _domain_errors(exc))
        return _petitions_page(request, visitor_forms={r.pk: form}, status=exc.status)
    messages.success(request, "已登记来访人员")
    return redirect("grievances:petitions")


@login_required
@require_POST
def reception_visitor_outcome(request, pk):
    from . import petitions
    from .models import ReceptionVisitor

    v = get_for(request.user, ReceptionVisitor, action="manage", pk=pk)
    form = VisitorOutcomeForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _petitions_page(request, status=400)
    try:
        petitions.update_visitor(actor=request.user, visitor=v, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, _domain_errors(exc))
        return _petitions_page(request, status=exc.status)
    messages.success(request, "已记录处理结果")
    return redirect("grievances:petitions")


# --- The public board (公开栏) -------------------------------------------------------------


def public_board(request, code):
    """A community's board, for anyone: no login, nothing that names a person."""
    from . import board as boards

    return render(request, "grievances/public_board.html", {"board": boards.public_board(code)})


def _board_unit(units, wanted):
    """The unit of `units` whose id is `wanted` (404 if none), or the first one without an id."""
    if wanted is None:
        return units[0] if units else None
    for u in units:
        if u.pk == wanted:
            return u
    raise Http404


@login_required
def board(request):
    return _board_page(request)


def _board_page(request, *, unit_id=None, status=200):
    """The office's board page: what a community's board shows, what could be put on it, posters."""
    from . import board as boards
    from .models import BoardPoster, Publication

    if not holds(request.user, Publication, "publish"):
        raise PermissionDenied
    from campaigns.filters import query_id

    units = list(boards.board_units(request.user).order_by("path")[:500])
    unit = _board_unit(units, unit_id if unit_id is not None else query_id(request.GET, "unit"))
    context = {"units": units, "unit": unit}
    if unit is not None:
        context |= {
            "publications": Publication.objects.visible_to(request.user)
            .filter(unit=unit)
            .select_related("grievance__category")
            .order_by("withdrawn_at", "-published_at", "-id")[:200],
            "candidates": boards.publishable(request.user, unit)[:50],
            "posters": BoardPoster.objects.visible_to(request.user).filter(unit=unit)[:5],
            "public_url": reverse("public:board", kwargs={"code": unit.code}),
        }
    return render(request, "grievances/board.html", context, status=status)


def _refused_on_board(request, exc, unit_id):
    """A refused board write: the board page of the entry's community again, with the reason."""
    messages.error(request, _domain_errors(exc))
    return _board_page(request, unit_id=unit_id, status=exc.status)


def _back_to_board(unit_id):
    return redirect(f"{reverse('grievances:board')}?unit={unit_id}")


@login_required
@require_POST
def board_publish(request, pk):
    from . import board as boards

    g = get_for(request.user, Grievance, action="publish", pk=pk)
    try:
        p = boards.publish(
            actor=request.user,
            grievance=g,
            summary=request.POST.get("summary", ""),
            outcome=request.POST.get("outcome", ""),
        )
    except DomainError as exc:
        from .board import community_of

        community = community_of(g.unit)
        return _refused_on_board(request, exc, community.pk if community else None)
    messages.success(request, "已在公开栏公开（文字待审核后显示）")
    return _back_to_board(p.unit_id)


@login_required
@require_POST
def board_entry(request, pk):
    """Edit the public texts, approve them, or withdraw the entry (`op` says which)."""
    from . import board as boards
    from .models import Publication

    p = get_for(request.user, Publication, action="publish", pk=pk)
    op = request.POST.get("op", "")
    try:
        if op == "text":
            boards.edit_text(
                actor=request.user,
                publication=p,
                summary=request.POST.get("summary", ""),
                outcome=request.POST.get("outcome", ""),
            )
            if request.POST.get("approve"):
                boards.approve_text(actor=request.user, publication=p)
            done = "已保存公开文字"
        elif op == "approve":
            boards.approve_text(actor=request.user, publication=p)
            done = "公开文字已审核通过"
        elif op == "withdraw":
            boards.withdraw(actor=request.user, publication=p, reason=request.POST.get("reason", ""))
            done = "已从公开栏撤下"
        elif op == "republish":
            boards.publish(actor=request.user, grievance=p.grievance)
            done = "已重新公开"
        else:
            raise DomainError("未知的操作")
    except DomainError as exc:
        return _refused_on_board(request, exc, p.unit_id)
    messages.success(request, done)
    return _back_to_board(p.unit_id)


@login_required
@require_POST
def board_poster(request):
    from campaigns.filters import query_id

    from . import board as boards

    unit = _board_unit(list(boards.board_units(request.user)), query_id(request.POST, "unit"))
    if unit is None:
        raise Http404
    try:
        boards.request_poster(actor=request.user, unit=unit)
    except DomainError as exc:
        return _refused_on_board(request, exc, unit.pk)
    messages.success(request, "海报生成中，完成后可下载")
    return _back_to_board(unit.pk)


@login_required
@require_POST
def board_poster_retry(request, pk):
    """重试: render a failed poster again."""
    from . import board as boards
    from .models import BoardPoster

    job = get_object_or_404(BoardPoster.objects.visible_to(request.user).select_related("unit"), pk=pk)
    try:
        boards.retry_poster(actor=request.user, job=job)
    except DomainError as exc:
        return _refused_on_board(request, exc, job.unit_id)
    messages.success(request, "海报重新生成中，完成后可下载")
    return _back_to_board(job.unit_id)


@login_required
def board_poster_download(request, pk):
    from .models import BoardPoster

    job = get_object_or_404(BoardPoster.objects.visible_to(request.user).select_related("unit"), pk=pk)
    if job.status != BoardPoster.State.DONE or not job.file:
        return HttpResponse("海报尚未生成完成，请稍后再下载", status=409, content_type="text/plain; charset=utf-8")
    from audit.exports import pdf_download

    return pdf_download(request, job, kind="grievances.board_poster", filename=f"{job.unit.name}公开栏海报.pdf")
