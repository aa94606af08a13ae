"""Browser pages of the liaison network: a town's page (十个一, the network, the report chain,
the map), the station's records and the daily opinion summaries. Same services as the API."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from campaigns.access import get_for, scope
from campaigns.choices import Level
from campaigns.errors import DomainError
from campaigns.filters import query_id
from campaigns.models import OrgUnit
from visits.models import EventReport

from . import selectors, services
from .forms import AreaEventForm, BoxOpeningForm, MapForm, MeetingForm, ReportForm, SummaryForm
from .models import BoxOpening, DailySummary, LiaisonReport, MapJob, Meeting


def _status(request, exc=None):
    if request.method != "POST":
        return 200
    return exc.status if exc is not None else 400


def _towns(user):
    return OrgUnit.objects.visible_to(user).filter(level=Level.STREET, is_active=True).order_by("code")


def _town(request):
    """The town a page shows: `?town=` (404 outside the scope), else the user's first one."""
    pk = query_id(request.GET, "town")
    if pk is not None:
        return get_for(request.user, OrgUnit.objects.filter(level=Level.STREET), pk=pk)
    towns = _towns(request.user)
    s = scope(request.user)
    own = [m["unit_id"] for m in s.memberships]
    mine = OrgUnit.objects.filter(pk__in=own).order_by("depth").first()
    if mine is not None and mine.level in (Level.COMMUNITY, Level.GRID):
        return towns.filter(path__in=mine.ancestor_paths()).first()
    return (
        (towns.filter(pk=mine.pk).first() if mine else None)
        or towns.filter(code__contains="S03").first()
        or towns.first()
    )


@login_required
def network(request):
    """The town's page: 十个一 at a glance, standing and campaign figures, the network, the chain."""
    town = _town(request)
    ctx = {"town": town, "towns": _towns(request.user)}
    if town is not None:
        today = timezone.localdate()
        ctx.update(
            ten=selectors.ten_ones(request.user, town, today),
            net=selectors.network(request.user, town),
            figures=selectors.standing_figures(request.user, town, today.replace(day=1), today),
            chain=selectors.report_chain(request.user, town, today),
            jobs=MapJob.objects.visible_to(request.user).filter(unit=town)[:5],
            may_map=OrgUnit.objects.actionable_by(request.user, "report").filter(pk=town.pk).exists(),
        )
    return render(request, "liaison/network.html", ctx)


@login_required
@require_POST
def map_new(request):
    form = MapForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, "请选择乡镇（街道）或村（社区）")
        return redirect("liaison:network")
    unit = form.cleaned_data["unit"]
    try:
        services.start_map(actor=request.user, town=unit)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已开始生成网络图，请稍后刷新下载")
    town = unit if unit.level == Level.STREET else unit.parent
    return redirect(f"{reverse('liaison:network')}?town={town.pk}")


@login_required
@require_POST
def map_retry(request, pk):
    """重试: render a failed network map again."""
    job = get_for(request.user, MapJob, pk=pk)
    try:
        services.retry_map(actor=request.user, job=job)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已重新开始生成网络图，请稍后刷新下载")
    town = job.unit if job.unit.level == Level.STREET else job.unit.parent
    return redirect(f"{reverse('liaison:network')}?town={town.pk}")


@login_required
def map_download(request, pk):
    job = get_for(request.user, MapJob, pk=pk)
    if job.status != MapJob.State.DONE or not job.file:
        raise Http404
    from audit.exports import pdf_download

    return pdf_download(request, job, kind="liaison.map", filename=f"{job.unit.name}民情联络网络图.pdf")


def _page(request, qs):
    return Paginator(qs, 30).get_page(request.GET.get("page"))


def _record_page(request, *, form_class, template, list_qs, save, success):
    form = form_class(request.POST or None, user=request.user)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.cleaned_data)
        except DomainError as exc:
            error = exc
            messages.error(request, exc.message)
        else:
            # A form with a submit key sent again: the first record stands, nothing new.
            if getattr(saved, "replayed", False):
                messages.info(request, "该记录已提交过，未重复提交")
            else:
                messages.success(request, success)
            return redirect(request.path)
    status = _status(request, error) if request.method == "POST" else 200
    return render(request, template, {"form": form, "page": _page(request, list_qs)}, status=status)


@login_required
def boxes(request):
    def save(v):
        slips = [
            {"content": line.strip(), "category": v["category"]} for line in v["slips"].splitlines() if line.strip()
        ]
        services.record_box_opening(
            actor=request.user,
            unit=v["unit"],
            opened_at=v["opened_at"],
            opened_by=v["opened_by"],
            notes=v["notes"],
            slips=slips,
        )

    qs = BoxOpening.objects.visible_to(request.user).select_related("unit").prefetch_related("grievances")
    return _record_page(
        request, form_class=BoxOpeningForm, template="liaison/boxes.html", list_qs=qs, save=save, success="已记录开箱"
    )


@login_required
def meetings(request):
    def save(v):
        services.record_meeting(actor=request.user, **v)

    qs = Meeting.objects.visible_to(request.user).select_related("unit").prefetch_related("grievances")
    return _record_page(
        request, form_class=MeetingForm, template="liaison/meetings.html", list_qs=qs, save=save, success="已记录分析会"
    )


@login_required
def reports(request):
    def save(v):
        services.submit_report(actor=request.user, **v)

    qs = LiaisonReport.objects.visible_to(request.user).select_related("unit", "submitted_by")
    return _record_page(
        request, form_class=ReportForm, template="liaison/reports.html", list_qs=qs, save=save, success="已报送"
    )


@login_required
def events(request):
    from visits import services as visit_services

    def save(v):
        return visit_services.report_event(actor=request.user, **v)

    qs = (
        EventReport.objects.visible_to(request.user)
        .filter(household__isnull=True)
        .select_related("unit", "reporter")
        .order_by("-reported_at")
    )
    return _record_page(
        request, form_class=AreaEventForm, template="liaison/events.html", list_qs=qs, save=save, success="已上报"
    )


@login_required
def summaries(request):
    def save(v):
        services.save_daily_summary(actor=request.user, **v)

    qs = DailySummary.objects.visible_to(request.user).select_related("team", "submitted_by")
    day = parse_date(request.GET.get("day") or "") if len(request.GET.get("day") or "") == 10 else None
    if day is not None:
        qs = qs.filter(day=day)
    return _record_page(
        request,
        form_class=SummaryForm,
        template="liaison/summaries.html",
        list_qs=qs,
        save=save,
        success="已保存意见汇总表",
    )


@login_required
def summary_print(request, pk):
    """One group's table of one day, laid out for printing."""
    obj = get_for(request.user, DailySummary.objects.select_related("team", "submitted_by"), pk=pk)
    return render(
        request,
        "liaison/summary_print.html",
        {"s": obj, "entries": selectors.daily_summary(request.user, obj.team, obj.day)},
    )
