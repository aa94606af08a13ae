"""Navigation entries of the inbox: on every page, with its unread badge."""

from django.urls import reverse

from campaigns.models import Role

from .selectors import unread_count


def items(request):
    return [
        {
            "label": "消息",
            "url": reverse("notifications:inbox"),
            "order": 80,
            "roles": list(Role),
            "badge": unread_count(request.user) or None,
        }
    ]
