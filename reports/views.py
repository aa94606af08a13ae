"""Browser pages: leader dashboard, summary jobs, Excel tables, scoring, service cards."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from campaigns.access import can, get_for, holds
from campaigns.errors import DomainError
from campaigns.filters import query_id
from campaigns.models import Campaign, OrgUnit
from campaigns.throttling import throttle_page
from campaigns.views import redirect_back

from . import cards, pdf, rollup, selectors, services
from .detectors import detect_all
from .forms import DetectForm, DistributeForm, FigureForm, SummaryForm, ViolationForm
from .models import ReportJob, SummaryDocument, Talk, Violation


def _reader(request):
    if not holds(request.user, OrgUnit, "report"):
        raise Http404


def _report_units(user):
    return OrgUnit.objects.territorial().actionable_by(user, "report")


def _defaults(user):
    """The reader's top unit and the newest campaign over it."""
    unit = _report_units(user).order_by("depth", "path").first()
    campaign = Campaign.objects.visible_to(user).current_for_unit(unit) if unit else None
    return campaign, unit


def _errors(request, form):
    for errors in form.errors.values():
        messages.error(request, errors[0])


def figure_filters(request):
    """Filters from the query string (defaults: the reader's unit and current campaign), or None."""
    campaign, unit = _defaults(request.user)
    data = request.GET.copy()
    data.setdefault("campaign", str(campaign.pk) if campaign else "")
    data.setdefault("org_unit", str(unit.pk) if unit else "")
    form = FigureForm(data, user=request.user)
    if not form.is_valid():
        if data.get("campaign") and data.get("org_unit") and ("campaign" in form.errors or "org_unit" in form.errors):
            raise Http404  # outside the reader's subtree looks the same as missing
        return form, None
    d = form.cleaned_data
    f = selectors.resolve_filters(
        user=request.user, campaign_id=d["campaign"].pk, unit_id=d["org_unit"].pk, start=d["start"], end=d["end"]
    )
    return form, f


def _breadcrumbs(request, unit):
    return list(_report_units(request.user).filter(path__in=unit.ancestor_paths()[:-1]).order_by("depth")) + [unit]


@login_required
def dashboard(request):
    _reader(request)
    form, f = figure_filters(request)
    context = {"form": form}
    if f is not None:

        def compute():
            # The figures' part of the page holds nothing of the reader's own: rendered once per
            # rollup and served to every reader of the unit until it changes.
            figures = selectors.campaign_figures(f)
            parts = {
                "f": figures,
                "rates": selectors.three_rates(f, figures),
                "charts": pdf.chart_set(figures),
                "columns": selectors.UNIT_COLUMNS,
            }
            return {**parts, "figures_html": render_to_string("reports/_dashboard_figures.html", parts)}

        context.update(rollup.served(f, "dashboard", compute))
        context["crumbs"] = _breadcrumbs(request, f.unit)
    return render(request, "reports/dashboard.html", context)


@login_required
def report_list(request):
    _reader(request)
    jobs = ReportJob.objects.visible_to(request.user).select_related("campaign", "org_unit")[:50]
    docs = SummaryDocument.objects.visible_to(request.user).select_related("campaign", "org_unit")[:20]
    campaign, unit = _defaults(request.user)
    initial = {"campaign": campaign, "org_unit": unit}
    # Opened from a dashboard: keep the campaign, unit and dates being viewed.
    shown = FigureForm(request.GET, user=request.user) if request.GET.get("org_unit") else None
    if shown is not None and shown.is_valid():
        initial = {k: v for k, v in shown.cleaned_data.items() if v is not None}
    form = FigureForm(initial=initial, user=request.user)
    return render(request, "reports/report_list.html", {"jobs": jobs, "docs": docs, "form": form})


@login_required
@require_POST
@throttle_page("pdf")
def report_create(request):
    _reader(request)
    form = FigureForm(request.POST, user=request.user)
    if not form.is_valid():
        jobs = ReportJob.objects.visible_to(request.user).select_related("campaign", "org_unit")[:50]
        return render(request, "reports/report_list.html", {"jobs": jobs, "form": form}, status=400)
    d = form.cleaned_data
    f = selectors.resolve_filters(
        user=request.user, campaign_id=d["campaign"].pk, unit_id=d["org_unit"].pk, start=d["start"], end=d["end"]
    )
    doc = services.draft_summary(actor=request.user, filters=f)
    messages.success(request, "已按统计数据起草工作总结，请修改后生成PDF")
    return redirect("reports:summary-edit", pk=doc.pk)


def _summary_form(doc, data=None):
    candidates = services.typical_candidates(filters=services.doc_filters(doc))[:60]
    ids = [g.pk for g in candidates]
    qs = services.typical_candidates(filters=services.doc_filters(doc)).filter(pk__in=ids)
    initial = {k: getattr(doc, k) for k in services.SUMMARY_FIELDS}
    initial["cases"] = list(doc.cases.values_list("pk", flat=True))
    return SummaryForm(data, initial=initial, candidates=qs)


@login_required
def summary_edit(request, pk):
    """The office edits the narrative (placeholders keep the figures live) and generates the PDF."""
    doc = get_for(request.user, SummaryDocument.objects.select_related("campaign", "org_unit"), action="edit", pk=pk)
    status = 200
    if request.method == "POST":
        form = _summary_form(doc, request.POST)
        if form.is_valid():
            try:
                services.update_summary(actor=request.user, document_id=doc.pk, **form.cleaned_data)
            except DomainError as exc:
                messages.error(request, exc.message)
                status = exc.status
            else:
                if "generate" in request.POST:
                    services.generate_summary_pdf(actor=request.user, document_id=doc.pk)
                    messages.success(request, "已保存并开始生成PDF，完成后可下载")
                    return redirect("reports:report-list")
                messages.success(request, "已保存")
                return redirect("reports:summary-edit", pk=doc.pk)
        else:
            status = 400
    else:
        form = _summary_form(doc)
    jobs = doc.jobs.select_related("campaign", "org_unit")[:10]
    context = {"doc": doc, "form": form, "jobs": jobs, "placeholders": list(pdf.PLACEHOLDERS)}
    return render(request, "reports/summary_edit.html", context, status=status)


@login_required
def report_row(request, pk):
    """One job's row, polled by htmx while it is pending or running."""
    job = get_object_or_404(ReportJob.objects.visible_to(request.user).select_related("campaign", "org_unit"), pk=pk)
    return render(request, "reports/_job_row.html", {"job": job})


@login_required
@require_POST
def report_retry(request, pk):
    """重试: render a failed summary again."""
    job = get_object_or_404(ReportJob.objects.visible_to(request.user).select_related("org_unit"), pk=pk)
    try:
        services.retry_report_job(actor=request.user, job=job)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("reports:report-list")
    messages.success(request, "已重新开始生成总结报告")
    return redirect("reports:report-list")


@login_required
def report_download(request, pk):
    job = get_object_or_404(ReportJob.objects.visible_to(request.user).select_related("campaign", "org_unit"), pk=pk)
    if job.status != ReportJob.State.DONE or not job.file:
        return HttpResponse("报告尚未生成完成，请稍后再下载", status=409, content_type="text/plain; charset=utf-8")
    from audit.exports import pdf_download

    return pdf_download(request, job, kind=f"reports.{job.kind}", filename=job.file_name)


@login_required
@throttle_page("export")
def excel_monthly(request):
    _reader(request)
    from . import excel

    data = request.GET.copy()
    month = data.pop("month", [None])[0]
    if month:
        try:
            start, end = excel.month_range(month)
        except ValueError:
            raise Http404
        data["start"], data["end"] = start.isoformat(), end.isoformat()
    request.GET = data
    form, f = figure_filters(request)
    if f is None:
        raise Http404
    return excel.download(request, f)


# --- Scoring ----------------------------------------------------------------------------


@login_required
def violations(request):
    _reader(request)
    return _violations_page(request)


def _violations_page(request, *, record_form=None, status=200):
    form, f = figure_filters(request)
    context = {"form": form, "can_inspect": holds(request.user, OrgUnit, "inspect")}
    if f is not None:
        qs = (
            Violation.objects.visible_to(request.user)
            .filter(campaign=f.campaign, unit__path__startswith=f.unit.path)
            .select_related("unit", "grievance", "household", "visitor")
        )
        status_filter = request.GET.get("status", "candidate")
        if status_filter in Violation.State.values:
            qs = qs.filter(status=status_filter)
        rows = selectors.scores(f)
        items = list(qs[:200])
        context.update(
            {
                "f": {"campaign": {"id": f.campaign.pk}, "org_unit": {"id": f.unit.pk}},
                "filters": f,
                "items": items,
                # Buttons only where the rules let the user act: the page and the POST agree.
                "can_detect": can(request.user, "inspect", f.unit),
                "reviewable": set(
                    Violation.objects.actionable_by(request.user, "review")
                    .filter(pk__in=[v.pk for v in items])
                    .values_list("pk", flat=True)
                ),
                "scores": rows,
                "talks": [r for r in rows if r["talk"]],
                "status_filter": status_filter,
                "undoable": services.campaign_running(f.campaign),
                "talk_records": {
                    t.unit_id: t
                    for t in Talk.objects.visible_to(request.user)
                    .filter(campaign=f.campaign, unit__path__startswith=f.unit.path)
                    .prefetch_related("people")
                },
                "states": Violation.State.choices,
                "record_form": record_form or ViolationForm(user=request.user, initial={"campaign": f.campaign}),
            }
        )
    return render(request, "reports/violations.html", context, status=status)


def _back(request):
    return redirect_back(request, reverse("reports:violations"))


@login_required
@require_POST
def violation_record(request):
    form = ViolationForm(request.POST, request.FILES, user=request.user)
    if not form.is_valid():
        _reader(request)
        _errors(request, form)
        return _violations_page(request, record_form=form, status=400)
    d = form.cleaned_data
    try:
        services.record_violation(
            actor=request.user,
            campaign=d["campaign"],
            unit=d["unit"],
            kind=d["kind"],
            evidence=d["evidence"],
            evidence_file=d["evidence_file"],
        )
        messages.success(request, "已记录违规并扣分")
    except DomainError as exc:
        messages.error(request, exc.message)
    return _back(request)


@login_required
@require_POST
def violation_review(request, pk, decision):
    if decision not in ("confirm", "dismiss", "undo"):
        raise Http404
    v = get_for(request.user, Violation, action="review", pk=pk)
    try:
        if decision == "undo":
            services.undo_review(actor=request.user, violation_id=v.pk)
            messages.success(request, "已撤销，恢复为待核实")
        else:
            services.review_violation(
                actor=request.user, violation_id=v.pk, confirm=decision == "confirm", note=request.POST.get("note", "")
            )
            messages.success(request, "已确认" if decision == "confirm" else "已排除")
    except DomainError as exc:
        messages.error(request, exc.message)
    return _back(request)


@login_required
@require_POST
def talk_record(request):
    """Open a community's 约谈 (naming its people) or record its holding."""
    unit = get_for(request.user, OrgUnit, action="inspect", pk=query_id(request.POST, "unit"))
    campaign = get_for(request.user, Campaign, pk=query_id(request.POST, "campaign"))
    held_on = None
    if request.POST.get("held_on"):
        try:
            held_on = date.fromisoformat(request.POST["held_on"])
        except ValueError:
            messages.error(request, "约谈日期格式不正确")
            return _back(request)
    try:
        services.record_talk(
            actor=request.user,
            campaign=campaign,
            unit=unit,
            held_on=held_on,
            held_by=request.POST.get("held_by", ""),
            notes=request.POST.get("notes", ""),
        )
        messages.success(request, "已记录约谈" if held_on else "已提出约谈")
    except DomainError as exc:
        messages.error(request, exc.message)
    return _back(request)


@login_required
@require_POST
def violation_detect(request):
    form = DetectForm(request.POST, user=request.user)
    if not form.is_valid():
        _reader(request)
        _errors(request, form)
        return _violations_page(request, status=400)
    created = detect_all(campaign=form.cleaned_data["campaign"], unit=form.cleaned_data["org_unit"])
    messages.success(request, f"已运行违规发现，新增待核实 {sum(created.values())} 条")
    return _back(request)


# --- Service cards ----------------------------------------------------------------------


def _card_reader(request):
    if not (holds(request.user, OrgUnit, "cards") or holds(request.user, OrgUnit, "report")):
        raise Http404


@login_required
def cards_page(request):
    _card_reader(request)
    return _cards_page(request)


def _cards_page(request, *, status=200):
    campaigns = Campaign.objects.visible_to(request.user)
    units = cards.card_units(request.user)
    campaign = campaigns.filter(pk=query_id(request.GET, "campaign")).first() or campaigns.first()
    unit = units.filter(pk=query_id(request.GET, "org_unit")).first()
    context = {"campaigns": campaigns, "units": units, "campaign": campaign, "unit": unit}
    if campaign and unit:
        cards.check_unit(request.user, campaign, unit)
        context["households"] = cards.households_of(campaign, unit)[:500]
        context["rate"] = cards.distribution_rate(campaign, unit)
        context["can_distribute"] = can(request.user, "cards", unit)
    return render(request, "reports/cards.html", context, status=status)


@login_required
@throttle_page("pdf", methods=("POST",))
def cards_sheet(request):
    """The unit's service-card sheets: generated by a task (POST queues one), listed with progress."""
    params = request.POST if request.method == "POST" else request.GET
    campaign = get_for(request.user, Campaign.objects.select_related("territory"), pk=query_id(params, "campaign"))
    unit = get_for(request.user, OrgUnit, pk=query_id(params, "org_unit"))
    cards.check_unit(request.user, campaign, unit)
    here = f"{reverse('reports:cards-sheet')}?campaign={campaign.pk}&org_unit={unit.pk}"
    if request.method == "POST":
        services.create_card_job(actor=request.user, campaign=campaign, unit=unit)
        messages.success(request, "已开始生成连心卡，完成后可下载")
        return redirect(here)
    jobs = ReportJob.objects.visible_to(request.user).filter(
        kind=ReportJob.Kind.CARDS, campaign=campaign, org_unit=unit
    )
    context = {"campaign": campaign, "unit": unit, "jobs": jobs.select_related("campaign", "org_unit")[:20]}
    return render(request, "reports/cards_sheet.html", context)


@login_required
@require_POST
def cards_distribute(request):
    form = DistributeForm(request.POST, user=request.user)
    if not form.is_valid():
        _card_reader(request)
        _errors(request, form)
        return _cards_page(request, status=400)
    try:
        n = services.distribute_cards(
            actor=request.user, campaign=form.cleaned_data["campaign"], households=list(form.cleaned_data["household"])
        )
        messages.success(request, f"已登记发放 {n} 户")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect_back(request, reverse("reports:cards"))


@login_required
def violation_evidence(request, pk):
    """Evidence files are served only to who may see the violation (inspectors, leaders, office)."""
    v = get_object_or_404(Violation.objects.visible_to(request.user).exclude(evidence_file=""), pk=pk)
    name = v.evidence_file.name.rsplit("/", 1)[-1]
    return FileResponse(default_storage.open(v.evidence_file.name, "rb"), as_attachment=True, filename=name)
