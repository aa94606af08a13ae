"""Reads of the notifications beyond a filter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q

from .models import Delivery, DeliveryStatus, Notification

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from campaigns.models import User


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def delivery_totals(user: User) -> QuerySet[Delivery, dict[str, Any]]:
    """Per channel: sent, pending or retrying, and failed deliveries to the people `user` manages."""
    return (
        Delivery.objects.visible_to(user)
        .values("channel")
        .annotate(
            sent=Count("id", filter=Q(status=DeliveryStatus.SENT)),
            pending=Count(
                "id", filter=Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.RETRYING])
            ),
            failed=Count("id", filter=Q(status=DeliveryStatus.FAILED)),
        )
        .order_by("channel")
    )


def recent_failures(user: User, limit: int = 20) -> QuerySet[Delivery]:
    """The latest deliveries to the people `user` manages that failed or are being retried."""
    return (
        Delivery.objects.visible_to(user)
        .filter(status__in=[DeliveryStatus.FAILED, DeliveryStatus.RETRYING])
        .select_related("notification__recipient")
        .order_by("-id")[:limit]
    )
