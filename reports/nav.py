"""Navigation entries of the reports app."""

from django.urls import reverse

from campaigns.access import scope
from campaigns.choices import Role

from .models import CARD_ROLES, READER_ROLES


def items(request):
    s = scope(request.user)
    result = []
    if s.has_role(*READER_ROLES):
        result += [
            {"label": "统计看板", "url": reverse("reports:dashboard"), "order": 40, "roles": list(READER_ROLES)},
            {"label": "总结报告", "url": reverse("reports:report-list"), "order": 41, "roles": list(READER_ROLES)},
            {
                "label": "考核评分",
                "url": reverse("reports:violations"),
                "order": 42,
                "roles": [Role.LEADER, Role.INSPECTOR, Role.ADMIN],
            },
        ]
    if s.has_role(*CARD_ROLES):
        result.append({"label": "连心卡", "url": reverse("reports:cards"), "order": 43, "roles": list(CARD_ROLES)})
    return result
