"""Navigation for every page: each installed app may offer `nav.items(request)`; the roles decide."""

from functools import cache
from importlib import import_module

from django.apps import apps
from django.utils.functional import SimpleLazyObject
from django.utils.module_loading import module_has_submodule

from .access import scope
from .selectors import campaign_choices


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
    s = scope(user)
    items = []
    for module in nav_modules():
        # A menu shows what the user's roles can use and nothing else: an entry names the roles
        # it serves (an empty list: everyone); superusers act as admins, not as every role.
        items.extend(i for i in module.items(request) if not i["roles"] or s.roles.intersection(i["roles"]))
    items.sort(key=lambda i: i.get("order", 100))
    return {
        "nav_items": items,
        "user_scope": s,
        # Read only by pages that work in a campaign (the switcher in base.html).
        "campaign_choices": SimpleLazyObject(lambda: campaign_choices(user)),
    }
