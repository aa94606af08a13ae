"""Browser pages: a cadre's worklist and visit form (phone first), roster import, assignment,
coverage and diaries. Every page goes through the same services and selectors as the API."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from campaigns.access import can, get_for, holds, scope
from campaigns.choices import Role
from campaigns.errors import DomainError, InvalidInput
from campaigns.filters import query_flag
from campaigns.lib import charts, uploads
from campaigns.lib.back import back_url
from campaigns.lib.imports import ImportStatus
from campaigns.lib.masking import mask_id_number, mask_phone
from campaigns.lib.xlsx import xlsx_response
from campaigns.models import OrgUnit, Team, User
from campaigns.selectors import current_campaign
from campaigns.throttling import throttle_page

from . import assignment as assign_service
from . import roster, selectors, services, visit_import
from .filters import HouseholdFilter
from .forms import (
    BulkAssignForm,
    CoverageQuery,
    EventReportForm,
    HardshipPlanForm,
    PairingForm,
    PlanReviewForm,
    RevealForm,
    RosterUploadForm,
    SupportRecordForm,
    VisitForm,
    VisitUploadForm,
)
from .models import (
    Assignment,
    AssignmentKind,
    EventReport,
    HardshipPlan,
    Household,
    ImportJob,
    Pairing,
    SupportRecord,
    Visit,
    VisitImportJob,
    VisitPhoto,
    assignable_visitors,
    co_visitor_choices,
)
from .nav import COVERAGE_ROLES, FIELD_PAGE_OPEN_TO, FIELD_PAGE_ROLES


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


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _serves(request, roles):
    """The page is for `roles` (and for anyone named as a visitor): others get 403, as the menu
    does not link it for them."""
    user = request.user
    if scope(user).has_role(*roles) or Assignment.objects.filter(visitor=user).exists():
        return
    raise PermissionDenied("您的角色不使用此页面")


def _household(request, pk, action=None):
    """The household as the user may see it (404 outside), and may act on it (403 when not)."""
    qs = Household.objects.with_personal_access(request.user).select_related("grid")
    return get_for(request.user, qs, action=action, pk=pk)


@login_required
def my_households(request):
    _serves(request, FIELD_PAGE_OPEN_TO)
    campaign = current_campaign(request)
    rows = selectors.my_households(request.user, campaign) if campaign else []
    done = sum(1 for h in rows if h.is_visited)
    # The pages a cadre needs with no signal, kept by the service worker (static/js/sw.js).
    offline_urls = [
        u for h in rows for u in (reverse("visits:household", args=[h.pk]), reverse("visits:visit-new", args=[h.pk]))
    ]
    context = {"campaign": campaign, "rows": rows, "done": done, "offline_urls": offline_urls}
    return render(request, "visits/my_households.html", context)


@login_required
def household_list(request):
    f = HouseholdFilter(request.GET, request=request)
    # Bad filter values are shown at the form, with the status the API would give, over no rows.
    qs = f.qs.order_by("grid__code", "address", "id") if f.is_valid() else Household.objects.none()
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for h in page:  # masked for everyone: the whole values only through a reveal with a reason
        h.shown_id = mask_id_number(h.id_number)
        h.shown_phone = mask_phone(h.phone)
    return render(
        request,
        "visits/household_list.html",
        {"page": page, "campaign": f.campaign_shown, "form": f.form},
        status=400 if f.errors else 200,
    )


@login_required
def household_reveal(request, pk):
    """查看完整信息: the whole ID number and phone of one household, after a reason is given;
    every reveal is audited, and too many an hour are refused and reported."""
    h = _household(request, pk, action="reveal")
    form = RevealForm(request.POST or None)
    revealed, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                revealed = services.reveal_personal(
                    actor=request.user, household=h, reason=form.cleaned_data["reason"], text=form.cleaned_data["text"]
                )
            except DomainError as exc:
                messages.error(request, exc.message)
                status = exc.status
        else:
            status = 400
    response = render(
        request,
        "visits/household_reveal.html",
        {"h": h, "form": form, "revealed": revealed, "shown_id": mask_id_number(h.id_number),
         "shown_phone": mask_phone(h.phone)},
        status=status,
    )  # fmt: skip
    response["Cache-Control"] = "no-store"  # the whole values are never kept by the browser
    return response


@login_required
def household_detail(request, pk):
    h = _household(request, pk)
    campaign = current_campaign(request, h.grid)
    visits = selectors.visit_record(request.user, h)
    saved = request.GET.get("saved", "")
    saved_visit = next((v for v in visits if str(v.client_id) == saved and v.visitor_id == request.user.pk), None)
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
            "shown_id": mask_id_number(h.id_number),
            "shown_phone": mask_phone(h.phone),
            "visits": visits,
            "assignments": assignments,
            "plan": getattr(h, "hardship_plan", None),
            "events": events[:10],
            "can_visit": can(request.user, "visit", h),
            "can_plan": can(request.user, "plan", h),
            "saved_visit": saved_visit,
            "back": back_url(
                request,
                reverse("visits:mine" if scope(request.user).has_role(*FIELD_PAGE_ROLES) else "visits:households"),
            ),
            # The office checks where a visit was logged; the cadre who logged it knows.
            "show_distance": bool(scope(request.user).roles - {Role.CADRE}),
            "pairings": Pairing.objects.visible_to(request.user).filter(household=h).select_related("supporter_user"),
        },
    )


def _save_plan(request, household, form):
    try:
        services.save_hardship_plan(actor=request.user, household=household, **form.cleaned_data)
    except DomainError as exc:
        for field, errors in exc.fields.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        if not exc.fields:
            form.add_error(None, exc.message)
        return exc, False
    messages.success(request, "一户一策已保存")
    return None, True


def _review_plan(request, plan, form):
    review = plan.reviews.filter(pk=form.cleaned_data["review"]).first() if plan else None
    if review is None:
        form.add_error(None, "复核日期不存在")
        return None, False
    try:
        services.record_plan_review(actor=request.user, plan=plan, review=review, outcome=form.cleaned_data["outcome"])
    except DomainError as exc:
        form.add_error(None, exc.message)
        return exc, False
    messages.success(request, "复核情况已记录")
    return None, True


@login_required
def hardship_plan(request, pk):
    """一户一策: the plan, its review dates and its history; office staff edit it and record reviews."""
    h = _household(request, pk)
    plan = (
        HardshipPlan.objects.visible_to(request.user)
        .filter(household=h)
        .select_related("responsible_user")
        .prefetch_related("reviews__done_by", "changes__actor")
        .first()
    )
    may_plan = can(request.user, "plan", h)
    initial = {}
    if plan is not None:
        initial = {
            "situation": plan.situation,
            "measures": plan.measures,
            "responsible": plan.responsible,
            "responsible_user": plan.responsible_user_id,
            "review_dates": "\n".join(r.due_date.isoformat() for r in plan.reviews.all() if r.done_at is None),
        }
    posted = request.POST.get("action") if request.method == "POST" else None
    if posted and not may_plan:
        raise PermissionDenied
    form = HardshipPlanForm(request.POST if posted == "save" else None, user=request.user, initial=initial)
    review_form = PlanReviewForm(request.POST if posted == "review" else None)
    refusal, done = None, False
    if posted == "save" and form.is_valid():
        refusal, done = _save_plan(request, h, form)
    elif posted == "review" and review_form.is_valid():
        refusal, done = _review_plan(request, plan, review_form)
    if done:
        return redirect("visits:plan", pk=h.pk)
    if posted not in (None, "save", "review"):
        form.add_error(None, "无法识别的操作")
    return render(
        request,
        "visits/hardship_plan.html",
        {"h": h, "plan": plan, "form": form if may_plan else None, "review_form": review_form, "may_plan": may_plan},
        status=_form_status(request, refusal),
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
                location=form.location(),
                repeat_ok=d["confirm_repeat"],
            )
        except DomainError as exc:
            field = next((f for f in exc.fields if f in form.fields), None)
            form.add_error(field, exc.message)
            refusal = exc
        else:
            if not created:
                messages.info(request, "该走访记录已保存过，未重复提交")
                return redirect("visits:household", pk=h.pk)
            if visit.photos_pending:
                messages.warning(request, f"有 {visit.photos_pending} 张照片暂时无法保存，请稍后在走访记录中补传")
            # The household page says it was saved, naming the entries it registered and their deadlines.
            return redirect(f"{reverse('visits:household', args=[h.pk])}?saved={visit.client_id}")
    return render(
        request,
        "visits/visit_form.html",
        {
            "h": h,
            "campaign": campaign,
            "form": form,
            "photo_max_bytes": uploads.limits("photo")["max_bytes"],
            "photo_max_side": services.PHOTO_MAX_SIDE,
            "repeat_asked": refusal is not None and refusal.code == "repeat_visit",
            # A refused photo is told at the photo input (the file field is not a form field).
            "photo_error": " ".join(refusal.fields.get("photos", [])) if refusal is not None else "",
            "TIME_ZONE": settings.TIME_ZONE,
        },
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
                client_id=d["client_id"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            refusal = exc
        else:
            if report.replayed:
                messages.info(request, "该十必报已上报过，未重复提交")
                return redirect("visits:household", pk=h.pk)
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
@throttle_page("import", methods=("POST",))
def import_upload(request):
    if not holds(request.user, Household, "import"):
        raise PermissionDenied("只有活动办工作人员可以导入花名册")
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
def import_retry(request, pk):
    """重试: check a failed roster again from its stored file."""
    job = get_for(request.user, ImportJob, pk=pk)
    try:
        job = services.retry_import(actor=request.user, job=job)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.info(request, "已重新开始校验")
    return redirect("visits:import-detail", pk=job.pk)


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


# --- past visits (补录) ---------------------------------------------------------------------------
@login_required
def visit_import_template(request):
    return xlsx_response(
        visit_import.template_file(), "走访记录补录模板.xlsx", "visit-import-template.xlsx", stream=False
    )


@login_required
def visit_import_upload(request):
    if not holds(request.user, Household, "backfill"):
        raise PermissionDenied(visit_import.IMPORTER.refused)
    form = VisitUploadForm(request.POST or None, request.FILES or None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            job = services.start_visit_import(actor=request.user, upload=form.cleaned_data["file"])
        except DomainError as exc:
            form.add_error("file", exc.message)
            refusal = exc
        else:
            return redirect("visits:visit-import-detail", pk=job.pk)
    jobs = VisitImportJob.objects.visible_to(request.user)[:10]
    context = {"form": form, "jobs": jobs, "headers": visit_import.HEADERS}
    return render(request, "visits/visit_import_upload.html", context, status=_form_status(request, refusal))


@login_required
def visit_import_detail(request, pk):
    job = get_for(request.user, VisitImportJob, pk=pk)
    partial = request.headers.get("HX-Request")
    template = "visits/_visit_import_status.html" if partial else "visits/visit_import_detail.html"
    return render(request, template, {"job": job, "running": job.running})


@login_required
@require_POST
def visit_import_confirm(request, pk):
    job = get_for(request.user, VisitImportJob, pk=pk)
    try:
        job = services.confirm_visit_import(actor=request.user, job=job)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if job.status == ImportStatus.DONE:
            messages.success(request, job.message)
    return redirect("visits:visit-import-detail", pk=job.pk)


@login_required
@require_POST
def visit_import_retry(request, pk):
    """重试: check a failed past-visit import again from its stored file."""
    job = get_for(request.user, VisitImportJob, pk=pk)
    try:
        job = services.retry_visit_import(actor=request.user, job=job)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.info(request, "已重新开始校验")
    return redirect("visits:visit-import-detail", pk=job.pk)


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
    campaign = current_campaign(request)
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
    campaign = current_campaign(request)
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
    _serves(request, COVERAGE_ROLES)
    user = request.user
    campaign = current_campaign(request)
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
            # Each figure links to the households it counts: the list, filtered, per unit.
            "hh": f"{reverse('visits:households')}?campaign={campaign.pk}&unit=",
            "parent": data["unit"].parent
            if data["unit"] and OrgUnit.objects.visible_to(user).filter(pk=data["unit"].parent_id).exists()
            else None,
        },
    )


@login_required
def visit_ledger(request):
    """The visits the user may see (filters as GET /api/visits/) as the 入户走访台账 (附件1)."""
    from .api import VisitFilter, visit_ledger_response

    f = VisitFilter(request.GET, queryset=Visit.objects.visible_to(request.user), request=request)
    if not f.is_valid():
        raise Http404
    return visit_ledger_response(request, f.qs)


@login_required
def diary(request, user_id=None):
    if user_id is None:
        _serves(request, FIELD_PAGE_OPEN_TO)
    try:
        visitor = request.user if user_id is None else User.objects.get(pk=user_id)
    except (User.DoesNotExist, OverflowError) as exc:
        raise Http404 from exc
    campaign = current_campaign(request)
    visits = list(selectors.diary(request.user, visitor, campaign))
    if not visits and not User.objects.visible_to(request.user).filter(pk=visitor.pk).exists():
        # An empty diary is shown only of someone the user can see anyway: nobody else may learn
        # who a user id belongs to.
        raise Http404
    questions = {str(q.pk): q for q in campaign.checklist.all()} if campaign else {}
    for v in visits:
        v.answer_rows = [(questions.get(k), a) for k, a in v.answers.items()]
    return render(request, "visits/diary.html", {"visitor": visitor, "visits": visits, "campaign": campaign})


# --- 帮扶千千结 ----------------------------------------------------------------------------------
@login_required
def pairings(request):
    """Pairings in the user's subtree, the coverage of hardship households, and (office) a new one."""
    may_pair = Household.objects.units_for(request.user, "pair").exists()
    form = PairingForm(request.POST or None, user=request.user) if may_pair else None
    if request.method == "POST" and form is None:
        raise PermissionDenied
    refusal = None
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        try:
            services.create_pairing(actor=request.user, household=d.pop("household"), **d)
        except DomainError as exc:
            form.add_error(None, exc.message)
            refusal = exc
        else:
            messages.success(request, "结对帮扶已建立")
            return redirect("visits:pairings")
    rows = (
        Pairing.objects.visible_to(request.user)
        .select_related("household__grid")
        .annotate(records_count=Count("records"))
        .order_by("household__grid__code", "household__address", "id")
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "visits/pairings.html",
        {"page": page, "form": form, "figures": selectors.pairing_coverage(request.user)},
        status=_form_status(request, refusal),
    )


@login_required
def pairing_detail(request, pk):
    p = get_for(request.user, Pairing.objects.select_related("household__grid"), pk=pk)
    may_edit = can(request.user, "edit", p)
    form = None
    refusal = None
    if may_edit:
        form = SupportRecordForm(
            request.POST or None, request.FILES or None, user=request.user, initial={"pairing": p.pk}
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            d = dict(form.cleaned_data)
            d.pop("pairing")
            try:
                record = services.record_support(actor=request.user, pairing=p, **d)
            except DomainError as exc:
                form.add_error(None, exc.message)
                refusal = exc
            else:
                if record.replayed:
                    messages.info(request, "该帮扶记录已保存过，未重复提交")
                else:
                    messages.success(request, "帮扶记录已保存")
                return redirect("visits:pairing", pk=p.pk)
    records = SupportRecord.objects.visible_to(request.user).filter(pairing=p)
    return render(
        request,
        "visits/pairing_detail.html",
        {"p": p, "form": form, "records": records},
        status=_form_status(request, refusal),
    )


@login_required
def support_evidence(request, pk):
    """Evidence is served only to who may see the pairing."""
    r = get_for(request.user, SupportRecord, pk=pk)
    if not r.evidence:
        raise Http404
    return FileResponse(default_storage.open(r.evidence.name, "rb"), as_attachment=True)
