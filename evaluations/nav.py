"""Navigation entries of the yearly evaluation."""

from django.urls import reverse

from campaigns.access import scope
from campaigns.choices import Role

_ROLES = [Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.ADMIN]


def items(request):
    if not scope(request.user).has_role(*_ROLES):
        return []
    return [{"label": "效果年年评", "url": reverse("evaluations:questionnaires"), "order": 60, "roles": _ROLES}]
