"""Browser pages of the background work: inbox, my look-back tasks, operations, supervision list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from campaigns.access import scope
from campaigns.errors import DomainError
from campaigns.models import Campaign, Phase, Role, VisitMode

from . import followups, notifications, sweep
from .models import Delivery, DeliveryStatus, FollowUp, FollowUpStatus, Notification, Satisfaction, SweepRun

SUPERVISION_ROLES = (Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.ADMIN)


@login_required
def inbox(request):
    qs = Notification.objects.visible_to(request.user).select_related("grievance")
    if request.GET.get("unread"):
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "grievances/notifications_inbox.html",
        {
            "page": page,
            "unread": notifications.unread_count(request.user),
            "only_unread": bool(request.GET.get("unread")),
        },
    )


@login_required
@require_POST
def mark_read(request, pk=None):
    if pk is not None:  # someone else's message is a 404, like a missing one
        pk = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk).pk
    notifications.mark_read(actor=request.user, ids=None if pk is None else [pk])
    return redirect(request.POST.get("next") or "grievances:notifications")


@login_required
def my_followups(request):
    qs = FollowUp.objects.assigned_to(request.user).select_related("household", "grievance")
    pending = qs.filter(status=FollowUpStatus.PENDING).order_by("due_at", "id")
    done = qs.filter(status=FollowUpStatus.DONE).order_by("-recorded_at")[:20]
    return render(request, "grievances/followups_list.html", {"pending": pending, "done": done})


@login_required
def followup_record(request, pk):
    fu = get_object_or_404(FollowUp.objects.visible_to(request.user).select_related("household", "grievance"), pk=pk)
    errors, values = {}, {}
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
            errors = exc.fields or {"__all__": [exc.message]}
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
    )


def _require_admin(user):
    if not scope(user).has_role(Role.ADMIN):
        raise PermissionDenied


@login_required
def ops(request):
    _require_admin(request.user)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "sweep":
            from .tasks import sweep_deadlines

            sweep_deadlines.delay()
            messages.success(request, "已提交一次期限扫描，稍后刷新查看结果")
        elif action == "phases":
            from .tasks import sync_campaign_phases

            sync_campaign_phases.delay()
            messages.success(request, "已提交按日期切换阶段")
        elif action == "switch":
            campaign = get_object_or_404(Campaign.objects.visible_to(request.user), pk=request.POST.get("campaign"))
            try:
                work = followups.switch_phase(
                    actor=request.user, campaign=campaign, phase=request.POST.get("phase", "")
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"{campaign}：阶段已切换并锁定 {work or ''}")
        return redirect("grievances:ops")
    runs = SweepRun.objects.all()[:30]
    deliveries = (
        Delivery.objects.values("channel")
        .annotate(
            sent=Count("id", filter=Q(status=DeliveryStatus.SENT)),
            pending=Count("id", filter=Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING])),
            failed=Count("id", filter=Q(status=DeliveryStatus.FAILED)),
        )
        .order_by("channel")
    )
    failures = (
        Delivery.objects.filter(status__in=[DeliveryStatus.FAILED, DeliveryStatus.RETRYING])
        .select_related("notification__recipient")
        .order_by("-id")[:20]
    )
    return render(
        request,
        "grievances/ops_dashboard.html",
        {
            "runs": runs,
            "deliveries": deliveries,
            "failures": failures,
            "campaigns": Campaign.objects.visible_to(request.user),
            "phases": Phase.choices,
        },
    )


@login_required
def supervision(request):
    if not scope(request.user).has_role(*SUPERVISION_ROLES):
        raise PermissionDenied
    rows = sweep.supervision_list(request.user).select_related("grievance__unit", "grievance__handling_unit")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "grievances/ops_supervision.html", {"page": page})
