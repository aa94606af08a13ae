"""Navigation entries of the liaison network: the town page for readers and the station's roles."""

from django.urls import reverse

from campaigns.choices import Role


def items(request):
    roles = [Role.CADRE, Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.ADMIN]
    return [{"label": "民情联络", "url": reverse("liaison:network"), "order": 40, "roles": roles}]
