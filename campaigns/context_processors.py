"""Navigation for every page: each installed app may offer `nav.items(request)`; the roles decide."""

from functools import cache
from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule

from .access import scope


@cache
def nav_modules():
    """The `nav` module of every installed app that has one, in INSTALLED_APPS order (found once:
    the app registry does not change while the process runs)."""
    return [
        import_module(f"{config.name}.nav")
        for config in apps.get_app_configs()
        if module_has_submodule(config.module, "nav")
    ]


def navigation(request):
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    items = []
    for module in nav_modules():
        items.extend(module.items(request))
    items.sort(key=lambda i: i.get("order", 100))
    return {"nav_items": items, "user_scope": scope(user)}
