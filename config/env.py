"""Strict reading of boolean environment variables.

django-environ reads any value it does not know as False, so a typo such as DJANGO_HTTPS=ture
would quietly turn security off. Here an unknown value stops the process at start-up instead.
"""

import os

from django.core.exceptions import ImproperlyConfigured

TRUE_VALUES = ("true", "yes", "on", "1")
FALSE_VALUES = ("false", "no", "off", "0")


def env_bool(name: str, *, default: bool) -> bool:
    """The boolean in the variable `name` (any case); unset or empty means `default`."""
    raw = os.environ.get(name, "")
    value = raw.strip().lower()
    if not value:
        # Empty counts as unset: docker-compose passes `${VAR:-}` through as an empty string.
        return default
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    accepted = ", ".join(TRUE_VALUES + FALSE_VALUES)
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use one of {accepted} (any case)")
