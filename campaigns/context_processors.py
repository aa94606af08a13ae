"""Navigation for every page: each app may offer `nav.items(request)`; the roles decide."""

from importlib import import_module

from .access import scope

_NAV_APPS = ["campaigns", "notifications", "visits", "grievances", "reports"]


def navigation(request):
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    items = []
    for app in _NAV_APPS:
        try:
            module = import_module(f"{app}.nav")
        except ModuleNotFoundError:
            continue
        items.extend(module.items(request))
    items.sort(key=lambda i: i.get("order", 100))
    return {"nav_items": items, "user_scope": scope(user)}
