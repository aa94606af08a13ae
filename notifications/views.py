"""Browser pages of the inbox: the list of one's messages, and marking them read."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from campaigns.access import get_for
from campaigns.views import redirect_back

from . import services
from .models import Notification
from .selectors import unread_count


@login_required
def inbox(request):
    qs = Notification.objects.visible_to(request.user).select_related("grievance", "notice")
    if request.GET.get("unread"):
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "unread": unread_count(request.user), "only_unread": bool(request.GET.get("unread"))},
    )


@login_required
@require_POST
def mark_read(request, pk=None):
    if pk is not None:  # someone else's message is a 404, like a missing one
        pk = get_for(request.user, Notification, action="read", pk=pk).pk
    services.mark_read(actor=request.user, ids=None if pk is None else [pk])
    return redirect_back(request, reverse("notifications:inbox"))
