from django.urls import reverse

from campaigns.choices import Role


def items(request):
    return [{"label": "安全审计", "url": reverse("audit:records"), "order": 92, "roles": [Role.AUDITOR]}]
