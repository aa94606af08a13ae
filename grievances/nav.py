"""Navigation entries of the ledger (the home page shows them on role cards)."""

from django.urls import reverse

from campaigns.access import scope
from campaigns.choices import Role
from campaigns.models import OrgUnit

from .models import PETITION_ROLES, Grievance


def _unit_rule(action):
    """The roles of an OrgUnit rule (who may open records in a unit, backdate them)."""
    return OrgUnit.objects.get_queryset().rules[action].roles


def items(request):
    s = scope(request.user)
    result = [
        {
            "label": "问题台账",
            "url": reverse("grievances:ledger"),
            "order": 20,
            "roles": [Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.ADMIN, Role.CADRE],
        },
        {
            "label": "特殊困难户台账",
            "url": reverse("grievances:hardship"),
            "order": 22,
            "roles": [Role.OFFICE, Role.LEADER, Role.ADMIN],
        },
        {"label": "登记问题", "url": reverse("grievances:create"), "order": 24, "roles": list(_unit_rule("register"))},
    ]
    if s.has_role(Role.HANDLER, Role.OFFICE):
        routed = Grievance.objects.running().filter(handling_unit_id__in=s.unit_ids([Role.HANDLER]))
        item = {"label": "交办给我的", "url": reverse("grievances:routed"), "order": 21, "roles": [Role.HANDLER]}
        if s.has_role(Role.HANDLER) and not s.is_superuser:
            item["badge"] = routed.count() or None
        result.append(item)
    if s.has_role(Role.LEADER):
        result.append({"label": "我的包案", "url": reverse("grievances:owned"), "order": 23, "roles": [Role.LEADER]})
    result.append(
        {"label": "我的回头看", "url": reverse("grievances:followups"), "order": 11, "roles": [Role.CADRE, Role.OFFICE]}
    )
    if s.has_role(Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.ADMIN):
        result.append(
            {
                "label": "督办清单",
                "url": reverse("grievances:supervision-list"),
                "order": 45,
                "roles": [Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.ADMIN],
            }
        )
    if s.has_role(*PETITION_ROLES):
        result.append(
            {"label": "信访接待", "url": reverse("grievances:petitions"), "order": 47, "roles": list(PETITION_ROLES)}
        )
    importers = _unit_rule("backdate")
    if s.has_role(*importers):
        result.append({"label": "导入台账", "url": reverse("grievances:import"), "order": 26, "roles": list(importers)})
    if s.has_role(Role.OFFICE, Role.ADMIN):
        result.append(
            {"label": "公开栏管理", "url": reverse("grievances:board"), "order": 46, "roles": [Role.OFFICE, Role.ADMIN]}
        )
    if s.has_role(Role.ADMIN):
        result.append({"label": "后台任务", "url": reverse("grievances:ops"), "order": 88, "roles": [Role.ADMIN]})
    return result
