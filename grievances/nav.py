"""Navigation entries of the grievances app. Each item: label, url, order, roles it serves."""

from django.urls import reverse

from campaigns.access import scope
from campaigns.models import Role


def items(request):
    return background_items(request)


def background_items(request):
    """Issue 6: the inbox (with its unread badge on every page), look-back tasks, operations."""
    from .notifications import unread_count

    s = scope(request.user)
    everyone = list(Role)
    result = [
        {
            "label": "消息",
            "url": reverse("grievances:notifications"),
            "order": 80,
            "roles": everyone,
            "badge": unread_count(request.user) or None,
        },
        {
            "label": "我的回头看",
            "url": reverse("grievances:followups"),
            "order": 11,
            "roles": [Role.CADRE, Role.OFFICE],
        },
    ]
    if s.has_role(Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.ADMIN):
        result.append(
            {
                "label": "督办清单",
                "url": reverse("grievances:supervision-list"),
                "order": 45,
                "roles": [Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.ADMIN],
            }
        )
    if s.has_role(Role.ADMIN):
        result.append({"label": "后台任务", "url": reverse("grievances:ops"), "order": 88, "roles": [Role.ADMIN]})
    return result
