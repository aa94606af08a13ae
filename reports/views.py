"""Browser pages: leader dashboard, summary jobs, Excel tables, scoring, service cards."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from campaigns.access import scope
from campaigns.errors import DomainError
from campaigns.models import Campaign, Level, OrgUnit
from visits.models import Household

from . import cards, pdf, selectors, services
from .detectors import detect_all
from .forms import FigureForm, ViolationForm
from .models import CARD_ROLES, INSPECTOR_ROLES, READER_ROLES, ReportJob, Violation


def _reader(request):
    if not scope(request.user).has_role(*READER_ROLES):
        raise Http404


def _defaults(user):
    """The reader's top unit and the newest campaign over it."""
    s = scope(user)
    paths = s.paths(READER_ROLES)
    unit = (
        OrgUnit.objects.filter(path=paths[0]).first()
        if paths and not s.is_superuser
        else OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()
    )
    campaign = Campaign.objects.visible_to(user).current_for_unit(unit) if unit else None
    return campaign, unit


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
    s = scope(request.user)
    return [u for u in unit.ancestors() if s.covers(u, READER_ROLES)] + [unit]


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
    content, _figures = excel.statistics_workbook(f)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, excel.file_name(f))
    return response


# --- Scoring ----------------------------------------------------------------------------


@login_required
def violations(request):
    _reader(request)
    form, f = figure_filters(request)
    s = scope(request.user)
    context = {"form": form, "can_inspect": s.has_role(*INSPECTOR_ROLES)}
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
        context.update(
            {
                "f": {"campaign": {"id": f.campaign.pk}, "org_unit": {"id": f.unit.pk}},
                "filters": f,
                "items": qs[:200],
                "scores": rows,
                "talks": [r for r in rows if r["talk"]],
                "status_filter": status_filter,
                "states": Violation.State.choices,
                "record_form": ViolationForm(user=request.user, initial={"campaign": f.campaign}),
            }
        )
    return render(request, "reports/violations.html", context)


def _back(request):
    return redirect(request.POST.get("next") or reverse("reports:violations"))


@login_required
@require_POST
def violation_record(request):
    form = ViolationForm(request.POST, request.FILES, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return _back(request)
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
    v = get_object_or_404(Violation.objects.visible_to(request.user), pk=pk)
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
    campaign = get_object_or_404(Campaign.objects.visible_to(request.user), pk=request.POST.get("campaign"))
    unit = get_object_or_404(OrgUnit.objects.visible_to(request.user), pk=request.POST.get("org_unit"))
    if not scope(request.user).covers(unit, INSPECTOR_ROLES):
        raise Http404
    created = detect_all(campaign=campaign, unit=unit)
    messages.success(request, f"已运行违规发现，新增待核实 {sum(created.values())} 条")
    return _back(request)


# --- Service cards ----------------------------------------------------------------------


@login_required
def cards_page(request):
    s = scope(request.user)
    if not s.has_role(*(CARD_ROLES + READER_ROLES)):
        raise Http404
    campaigns = Campaign.objects.visible_to(request.user)
    units = OrgUnit.objects.visible_to(request.user).filter(level__in=[Level.COMMUNITY, Level.GRID])
    campaign = campaigns.filter(pk=request.GET.get("campaign") or 0).first() or campaigns.first()
    unit = units.filter(pk=request.GET.get("org_unit") or 0).first()
    context = {"campaigns": campaigns, "units": units, "campaign": campaign, "unit": unit}
    if campaign and unit:
        cards.check_unit(request.user, campaign, unit)
        context["households"] = cards.households_of(campaign, unit)[:500]
        context["rate"] = cards.distribution_rate(campaign, unit)
    return render(request, "reports/cards.html", context)


@login_required
def cards_sheet(request):
    campaign = get_object_or_404(Campaign.objects.visible_to(request.user), pk=request.GET.get("campaign") or 0)
    unit = get_object_or_404(OrgUnit.objects.visible_to(request.user), pk=request.GET.get("org_unit") or 0)
    cards.check_unit(request.user, campaign, unit)
    response = HttpResponse(cards.card_sheet_pdf(campaign, unit), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"{unit.name}_连心卡.pdf")
    return response


@login_required
@require_POST
def cards_distribute(request):
    campaign = get_object_or_404(Campaign.objects.visible_to(request.user), pk=request.POST.get("campaign") or 0)
    ids = [int(x) for x in request.POST.getlist("household") if x.isdigit()]
    found = list(Household.objects.visible_to(request.user).filter(pk__in=ids).select_related("grid"))
    if not found:
        messages.error(request, "请选择已发放连心卡的农户")
    else:
        try:
            n = services.distribute_cards(actor=request.user, campaign=campaign, households=found)
            messages.success(request, f"已登记发放 {n} 户")
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect(request.POST.get("next") or reverse("reports:cards"))


@login_required
def violation_evidence(request, pk):
    """Evidence files are served only to who may see the violation (inspectors, leaders, office)."""
    v = get_object_or_404(Violation.objects.visible_to(request.user).exclude(evidence_file=""), pk=pk)
    name = v.evidence_file.name.rsplit("/", 1)[-1]
    return FileResponse(default_storage.open(v.evidence_file.name, "rb"), as_attachment=True, filename=name)
