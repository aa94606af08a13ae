"""Browser pages: a cadre's worklist and visit form (phone first), roster import, assignment,
coverage and diaries. Every page goes through the same services and selectors as the API."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from campaigns.access import can, get_for
from campaigns.errors import DomainError, InvalidInput
from campaigns.filters import query_flag
from campaigns.lib import charts
from campaigns.lib.imports import ImportStatus
from campaigns.lib.masking import mask_id_number, mask_phone
from campaigns.lib.xlsx import xlsx_response
from campaigns.models import OrgUnit, Team, User

from . import assignment as assign_service
from . import roster, selectors, services
from .filters import HouseholdFilter
from .forms import BulkAssignForm, CoverageQuery, EventReportForm, RosterUploadForm, VisitForm
from .models import (
    Assignment,
    AssignmentKind,
    EventReport,
    Household,
    ImportJob,
    Visit,
    VisitPhoto,
    assignable_visitors,
    co_visitor_choices,
)


def _grievance_categories():
    from grievances.models import GrievanceCategory

    return (
        GrievanceCategory.objects.filter(is_active=True)
        .select_related("parent")
        .order_by("parent__order", "parent_id", "order", "id")
    )


def _form_status(request, exc=None):
    """A page re-shown after a refused POST answers like the API would: 400 for bad input, the
    domain error's own status otherwise (a browser shows the page all the same)."""
    if request.method != "POST":
        return 200
    return exc.status if exc is not None else 400


def _household(request, pk, action=None):
    """The household as the user may see it (404 outside), and may act on it (403 when not)."""
    qs = Household.objects.with_personal_access(request.user).select_related("grid")
    return get_for(request.user, qs, action=action, pk=pk)


@login_required
def my_households(request):
    campaign = selectors.current_campaign(request.user)
    rows = selectors.my_households(request.user, campaign) if campaign else []
    done = sum(1 for h in rows if h.is_visited)
    return render(request, "visits/my_households.html", {"campaign": campaign, "rows": rows, "done": done})


@login_required
def household_list(request):
    f = HouseholdFilter(request.GET, request=request)
    # Bad filter values are shown at the form, with the status the API would give, over no rows.
    qs = f.qs.order_by("grid__code", "address", "id") if f.is_valid() else Household.objects.none()
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for h in page:
        h.shown_id = h.id_number if h.personal_ok else mask_id_number(h.id_number)
        h.shown_phone = h.phone if h.personal_ok else mask_phone(h.phone)
    return render(
        request,
        "visits/household_list.html",
        {"page": page, "campaign": f.campaign_shown, "form": f.form},
        status=400 if f.errors else 200,
    )


@login_required
def household_detail(request, pk):
    h = _household(request, pk)
    campaign = selectors.current_campaign(request.user, h.grid)
    visits = (
        Visit.objects.visible_to(request.user).filter(household=h).select_related("visitor").order_by("-visited_at")
    )
    assignments = (
        Assignment.objects.visible_to(request.user).filter(household=h, campaign=campaign).select_related("visitor")
        if campaign
        else []
    )
    events = EventReport.objects.visible_to(request.user).filter(household=h).select_related("reporter")
    return render(
        request,
        "visits/household_detail.html",
        {
            "h": h,
            "campaign": campaign,
            "shown_id": h.id_number if h.personal_ok else mask_id_number(h.id_number),
            "shown_phone": h.phone if h.personal_ok else mask_phone(h.phone),
            "visits": visits,
            "assignments": assignments,
            "plan": getattr(h, "hardship_plan", None),
            "events": events[:10],
            "can_visit": can(request.user, "visit", h),
        },
    )


@login_required
def visit_new(request, pk):
    h = _household(request, pk, "visit")
    try:
        campaign = services.campaign_for(h, visitor=request.user)
    except DomainError:
        campaign = None
    if campaign is None:
        messages.error(request, "该农户所在区域没有进行中的走访活动")
        return redirect("visits:household", pk=h.pk)
    checklist = campaign.checklist.all()
    people = co_visitor_choices(request.user, h, campaign)
    cats = _grievance_categories()
    form = VisitForm(
        request.POST or None,
        checklist=checklist,
        people=people,
        grievance_categories=cats,
        initial=VisitForm.initial_for(campaign),
    )
    refusal = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        by_pk = {str(c.pk): c for c in cats}
        grievances = [
            {"content": d[f"g{i}_content"], "category": by_pk.get(d[f"g{i}_category"]), "kind": d[f"g{i}_kind"]}
            for i in (1, 2)
            if (d.get(f"g{i}_content") or "").strip()
        ]
        try:
            visit, created = services.record_visit(
                actor=request.user,
                household=h,
                client_id=d["client_id"],
                visited_at=d["visited_at"],
                duration_minutes=d["duration_minutes"],
                mode=d["mode"],
                mode_reason=d["mode_reason"],
                answers=form.answers(),
                notes=d["notes"],
                campaign=campaign,
                co_visitors=list(d["co_visitors"]),
                photos=request.FILES.getlist("photos"),
                grievances=grievances,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            refusal = exc
        else:
            if created:
                note = "（时长不足活动要求，已标记）" if visit.too_short else ""
                messages.success(request, f"走访记录已保存{note}")
            else:
                messages.info(request, "该走访记录已保存过，未重复提交")
            return redirect("visits:household", pk=h.pk)
    return render(
        request,
        "visits/visit_form.html",
        {"h": h, "campaign": campaign, "form": form},
        status=_form_status(request, refusal),
    )


@login_required
def event_new(request, pk):
    h = _household(request, pk, "visit")
    cats = _grievance_categories()
    form = EventReportForm(request.POST or None, grievance_categories=cats)
    refusal = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            report = services.report_event(
                actor=request.user,
                household=h,
                kind=d["kind"],
                description=d["description"],
                to_grievance=d["to_grievance"],
                category=next((c for c in cats if str(c.pk) == d.get("category")), None),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            refusal = exc
        else:
            extra = "，并已登记为问题" if report.grievance else ""
            messages.success(request, f"十必报已上报{extra}")
            return redirect("visits:household", pk=h.pk)
    return render(request, "visits/event_form.html", {"h": h, "form": form}, status=_form_status(request, refusal))


@login_required
def photo(request, pk):
    """Photos are personal data: served only to who may see the visit, never from a public URL."""
    p = get_for(request.user, VisitPhoto, pk=pk)
    return FileResponse(default_storage.open(p.image.name, "rb"), content_type="image/jpeg")


# --- roster import --------------------------------------------------------------------------------
@login_required
def import_template(request):
    return xlsx_response(roster.template_file(), "花名册模板.xlsx", "roster-template.xlsx", stream=False)


@login_required
def import_upload(request):
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            job = services.start_import(actor=request.user, upload=form.cleaned_data["file"])
        except DomainError as exc:
            form.add_error("file", exc.message)
            refusal = exc
        else:
            return redirect("visits:import-detail", pk=job.pk)
    jobs = ImportJob.objects.visible_to(request.user)[:10]
    context = {"form": form, "jobs": jobs}
    return render(request, "visits/import_upload.html", context, status=_form_status(request, refusal))


@login_required
def import_detail(request, pk):
    job = get_for(request.user, ImportJob, pk=pk)
    template = "visits/_import_status.html" if request.headers.get("HX-Request") else "visits/import_detail.html"
    return render(request, template, {"job": job, "running": job.running})


@login_required
@require_POST
def import_confirm(request, pk):
    job = get_for(request.user, ImportJob, pk=pk)
    try:
        job = services.confirm_import(actor=request.user, job=job)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if job.status == ImportStatus.DONE:
            messages.success(request, job.message)
    return redirect("visits:import-detail", pk=job.pk)


# --- assignment ------------------------------------------------------------------------------------
def _assign_context(request, campaign):
    user = request.user
    f = HouseholdFilter(request.GET, request=request, campaign=campaign)
    hh = f.qs.order_by("grid__code", "address", "id") if f.is_valid() else Household.objects.none()
    if query_flag(request.GET, "unassigned"):
        hh = hh.exclude(
            assignments__campaign=campaign,
            assignments__kind__in=[k for k in AssignmentKind.values if k != "party_leader"],
        )
    page = Paginator(hh, 100).get_page(request.GET.get("page"))
    ids = [h.pk for h in page]
    current = {}
    for a in Assignment.objects.filter(campaign=campaign, household_id__in=ids).select_related("visitor"):
        current.setdefault(a.household_id, []).append(a)
    for h in page:
        h.current = current.get(h.pk, [])
    visitors = assignable_visitors(user, campaign).order_by("username")
    return {"campaign": campaign, "page": page, "visitors": visitors, "grids": f.grids, "kinds": AssignmentKind.choices}


@login_required
def assignments(request):
    campaign = selectors.current_campaign(request.user)
    if campaign is None:
        raise Http404
    if request.method == "POST":
        try:
            if request.POST.get("action") == "propose":
                created = assign_service.propose_assignments(campaign=campaign, actor=request.user)
                messages.success(request, f"已生成分配方案：新增{sum(created.values())}条分配")
            else:
                form = BulkAssignForm(request.POST, user=request.user, campaign=campaign)
                if not form.is_valid():
                    raise InvalidInput(form.first_error())
                d = form.cleaned_data
                done = assign_service.assign(
                    actor=request.user,
                    campaign=campaign,
                    households=d["households"],
                    visitor=d["visitor"],
                    kind=d["kind"],
                    replace=d["replace"],
                )
                messages.success(request, f"已分配{len(done)}户给{d['visitor']}")
        except DomainError as exc:
            # Shown on the page itself, with the status the API would give: nothing was written.
            messages.error(request, exc.message)
            return render(request, "visits/assignments.html", _assignments_page(request, campaign), status=exc.status)
        return redirect(request.get_full_path())
    return render(request, "visits/assignments.html", _assignments_page(request, campaign))


def _assignments_page(request, campaign):
    ctx = _assign_context(request, campaign)
    ctx["teams"] = Team.objects.filter(campaign=campaign).select_related("paired_unit")
    ctx["can_adjust"] = Household.objects.units_for(request.user, "assign").exists()
    return ctx


@login_required
@require_POST
def assignments_check(request):
    """htmx: warn before submitting what would break 互不重复 (for households the user assigns)."""
    campaign = selectors.current_campaign(request.user)
    message = ""
    if campaign and request.POST.getlist("households") and request.POST.get("visitor"):
        form = BulkAssignForm(request.POST, user=request.user, campaign=campaign)
        if not form.is_valid():
            message = form.first_error()
        else:
            d = form.cleaned_data
            try:
                found = assign_service.check(
                    actor=request.user,
                    campaign=campaign,
                    households=d["households"],
                    visitor=d["visitor"],
                    kind=d["kind"],
                )
            except DomainError as exc:
                found, message = [], exc.message
            if found and not d["replace"]:
                message = assign_service.describe_conflicts(found)
            elif found:
                message = f"将改派{len(found)}户，原走访人的分配会被替换。"
    return render(request, "visits/_assign_warning.html", {"message": message})


# --- coverage and diary ----------------------------------------------------------------------------
@login_required
def coverage(request):
    user = request.user
    campaign = selectors.current_campaign(user)
    if campaign is None:
        return render(request, "visits/coverage.html", {"campaign": None})
    query = CoverageQuery(request.GET)
    if not query.is_valid():
        raise Http404  # a unit that is not an id is as missing as one that does not exist
    unit = get_for(user, OrgUnit, pk=query.cleaned_data["unit"]) if query.cleaned_data["unit"] is not None else None
    data = selectors.coverage(user, campaign, unit)
    chart = charts.hbar(
        [(r["unit"].name, r["rate"], r["focus_rate"]) for r in data["rows"]],
        title="各单位走访覆盖率",
        max_value=100,
        suffix="%",
        width=360,
        label_width=90,
        label_chars=7,
        colors=("#c0392b", "#b26a00"),
        track="#eee",
        fluid=True,
    )
    return render(
        request,
        "visits/coverage.html",
        {
            "campaign": campaign,
            "data": data,
            "chart": chart if data["rows"] else None,
            "parent": data["unit"].parent
            if data["unit"] and OrgUnit.objects.visible_to(user).filter(pk=data["unit"].parent_id).exists()
            else None,
        },
    )


@login_required
def diary(request, user_id=None):
    try:
        visitor = request.user if user_id is None else User.objects.get(pk=user_id)
    except (User.DoesNotExist, OverflowError) as exc:
        raise Http404 from exc
    campaign = selectors.current_campaign(request.user)
    visits = list(selectors.diary(request.user, visitor, campaign))
    if not visits and not User.objects.visible_to(request.user).filter(pk=visitor.pk).exists():
        # An empty diary is shown only of someone the user can see anyway: nobody else may learn
        # who a user id belongs to.
        raise Http404
    questions = {str(q.pk): q for q in campaign.checklist.all()} if campaign else {}
    for v in visits:
        v.answer_rows = [(questions.get(k), a) for k, a in v.answers.items()]
    return render(request, "visits/diary.html", {"visitor": visitor, "visits": visits, "campaign": campaign})
