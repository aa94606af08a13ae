"""Reads of the notifications beyond a filter."""

from .models import Notification


def unread_count(user):
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
