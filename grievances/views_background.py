"""Browser pages of the background work: my look-back tasks, operations, supervision list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render

from campaigns.access import get_for, holds
from campaigns.errors import DomainError
from campaigns.forms import PhaseSwitchForm
from campaigns.models import Campaign, VisitMode
from campaigns.services import switch_phase
from notifications.models import Delivery, DeliveryStatus

from . import followups, sweep
from .models import FollowUp, FollowUpStatus, NoticeLog, Satisfaction, SweepRun


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
    deliveries = (
        Delivery.objects.visible_to(user)
        .values("channel")
        .annotate(
            sent=Count("id", filter=Q(status=DeliveryStatus.SENT)),
            pending=Count("id", filter=Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING])),
            failed=Count("id", filter=Q(status=DeliveryStatus.FAILED)),
        )
        .order_by("channel")
    )
    failures = (
        Delivery.objects.visible_to(user)
        .filter(status__in=[DeliveryStatus.FAILED, DeliveryStatus.RETRYING])
        .select_related("notification__recipient")
        .order_by("-id")[:20]
    )
    return render(
        request,
        "grievances/ops_dashboard.html",
        {
            "runs": runs,
            "may_sweep": SweepRun.objects.may_start(user),
            "deliveries": deliveries,
            "failures": failures,
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
    rows = sweep.supervision_list(request.user).select_related("grievance__unit", "grievance__handling_unit")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "grievances/ops_supervision.html", {"page": page})
