"""Navigation entries of the visits app. Write pages show for the roles their access rule names
(no query per page); the pages themselves ask the rules."""

from django.urls import reverse

from campaigns.access import scope
from campaigns.choices import Role

from .models import Household


def _rule_roles(action):
    return Household.objects.get_queryset().rules[action].roles


# Who the field pages serve: a handling unit works its routed entries and has none of them. The
# menu links them for cadres; office staff, who may visit too, reach them from a household.
FIELD_PAGE_ROLES = (Role.CADRE,)
FIELD_PAGE_OPEN_TO = (Role.CADRE, Role.OFFICE)
COVERAGE_ROLES = (Role.CADRE, Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.ADMIN)


def items(request):
    s = scope(request.user)
    result = [
        {"label": "我的走访", "url": reverse("visits:mine"), "order": 10, "roles": list(FIELD_PAGE_ROLES)},
        {"label": "民情日记", "url": reverse("visits:diary"), "order": 14, "roles": list(FIELD_PAGE_ROLES)},
        {"label": "走访覆盖", "url": reverse("visits:coverage"), "order": 16, "roles": list(COVERAGE_ROLES)},
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
    importers = _rule_roles("import")
    if s.has_role(*importers):
        result.append({"label": "导入花名册", "url": reverse("visits:import"), "order": 18, "roles": list(importers)})
    backfillers = _rule_roles("backfill")
    if s.has_role(*backfillers):
        result.append(
            {"label": "补录走访", "url": reverse("visits:visit-import"), "order": 19, "roles": list(backfillers)}
        )
    assigners = _rule_roles("assign")
    if s.has_role(*assigners):
        result.append(
            {"label": "走访分配", "url": reverse("visits:assignments"), "order": 17, "roles": list(assigners)}
        )
    if s.has_role(Role.CADRE, Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.ADMIN):
        result.append(
            {
                "label": "结对帮扶",
                "url": reverse("visits:pairings"),
                "order": 19,
                "roles": [Role.CADRE, Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.ADMIN],
            }
        )
    return result
