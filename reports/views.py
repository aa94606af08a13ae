"""Browser pages: leader dashboard, summary jobs, Excel tables, scoring, service cards."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from campaigns.access import can, get_for, holds
from campaigns.errors import DomainError
from campaigns.filters import query_id
from campaigns.lib.xlsx import xlsx_response
from campaigns.models import Campaign, OrgUnit
from campaigns.views import redirect_back

from . import cards, pdf, selectors, services
from .detectors import detect_all
from .forms import DetectForm, DistributeForm, FigureForm, ViolationForm
from .models import ReportJob, Violation


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
        figures = selectors.campaign_figures(f)
        context.update({"f": figures, "charts": pdf.chart_set(figures), "crumbs": _breadcrumbs(request, f.unit)})
    return render(request, "reports/dashboard.html", context)


@login_required
def report_list(request):
    _reader(request)
    jobs = ReportJob.objects.visible_to(request.user).select_related("campaign", "org_unit")[:50]
    campaign, unit = _defaults(request.user)
    form = FigureForm(initial={"campaign": campaign, "org_unit": unit}, user=request.user)
    return render(request, "reports/report_list.html", {"jobs": jobs, "form": form})


@login_required
@require_POST
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
    services.create_report_job(actor=request.user, filters=f)
    messages.success(request, "已开始生成总结报告，完成后可下载")
    return redirect("reports:report-list")


@login_required
def report_row(request, pk):
    """One job's row, polled by htmx while it is pending or running."""
    job = get_object_or_404(ReportJob.objects.visible_to(request.user).select_related("campaign", "org_unit"), pk=pk)
    return render(request, "reports/_job_row.html", {"job": job})


@login_required
def report_download(request, pk):
    job = get_object_or_404(ReportJob.objects.visible_to(request.user).select_related("campaign", "org_unit"), pk=pk)
    if job.status != ReportJob.State.DONE or not job.file:
        return HttpResponse("报告尚未生成完成，请稍后再下载", status=409, content_type="text/plain; charset=utf-8")
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file_name, content_type="application/pdf")


@login_required
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
    file, _figures = excel.statistics_workbook(f)
    return xlsx_response(file, *excel.file_names(f), stream=False)


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
            .select_related("unit")
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
    if decision not in ("confirm", "dismiss"):
        raise Http404
    v = get_for(request.user, Violation, action="review", pk=pk)
    try:
        services.review_violation(
            actor=request.user, violation_id=v.pk, confirm=decision == "confirm", note=request.POST.get("note", "")
        )
        messages.success(request, "已确认" if decision == "confirm" else "已排除")
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
def cards_sheet(request):
    campaign = get_for(request.user, Campaign.objects.select_related("territory"), pk=query_id(request.GET, "campaign"))
    unit = get_for(request.user, OrgUnit, pk=query_id(request.GET, "org_unit"))
    cards.check_unit(request.user, campaign, unit)
    response = HttpResponse(cards.card_sheet_pdf(campaign, unit), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"{unit.name}_连心卡.pdf")
    return response


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
