"""Navigation entries of the visits app."""

from django.urls import reverse

from campaigns.access import scope
from campaigns.choices import Role


def items(request):
    s = scope(request.user)
    result = [
        {"label": "我的走访", "url": reverse("visits:mine"), "order": 10, "roles": [Role.CADRE]},
        {"label": "民情日记", "url": reverse("visits:diary"), "order": 14, "roles": [Role.CADRE]},
        {
            "label": "走访覆盖",
            "url": reverse("visits:coverage"),
            "order": 16,
            "roles": [Role.CADRE, Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.ADMIN],
        },
    ]
    if s.has_role(Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.ADMIN):
        result.append(
            {
                "label": "农户名册",
                "url": reverse("visits:households"),
                "order": 12,
                "roles": [Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.ADMIN],
            }
        )
    if s.has_role(Role.OFFICE, Role.ADMIN):
        result.append(
            {"label": "导入花名册", "url": reverse("visits:import"), "order": 18, "roles": [Role.OFFICE, Role.ADMIN]}
        )
        result.append(
            {"label": "走访分配", "url": reverse("visits:assignments"), "order": 17, "roles": [Role.OFFICE, Role.ADMIN]}
        )
    return result
