"""Navigation entries of the foundation. Each item: label, url, order, roles it serves."""

from django.urls import reverse

from .access import scope
from .choices import Role


def items(request):
    s = scope(request.user)
    result = [{"label": "首页", "url": reverse("home"), "order": 0, "roles": []}]
    if s.is_superuser or request.user.is_staff:
        result.append({"label": "系统管理", "url": reverse("admin:index"), "order": 90, "roles": [Role.ADMIN]})
    result.append({"label": "接口文档", "url": reverse("api-docs"), "order": 95, "roles": [Role.ADMIN]})
    return result
