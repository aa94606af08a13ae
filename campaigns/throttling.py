"""Rate limits: DRF throttle classes whose state lives in the cache (Redis in production), with
their rates in `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`.

- `ActionUserThrottle` / `ActionAddressThrottle`, the default throttles of every API view: a view
  (or one action of a viewset) that names a scope (`throttle_scope = "export"`, or
  `throttle_scopes = {"export": "export"}` by action) is limited per user by the rate `<scope>`
  and per address by `<scope>_address`. Views without a scope are not limited.
- Logins (the token endpoint and the login page): `LoginAddressThrottle` counts every attempt of
  an address (`login_address`, never below 60 a minute: an office's cadres share one address
  behind NAT), `LoginFailureThrottle` only the failed ones (`login_failures`), which are what
  password spraying makes; past that many failures the address gets 429 until the window moves.
  Per account, django-axes locks a username after repeated failures.
- `throttle_page(scope)` puts the same throttles in front of a browser view.

Rates take DRF's form `N/unit` and also `N/<k><unit>` ("30/15m": 30 per 15 minutes). A throttled
request answers 429 `{"code": "throttled", "detail": "请求过于频繁，请N秒后再试"}` with `Retry-After`.
"""

import math
import re
from functools import wraps

from django.http import JsonResponse
from django.shortcuts import render
from rest_framework.throttling import SimpleRateThrottle

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])[a-z]*\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def throttled_message(wait: float | None) -> str:
    if wait:
        return f"请求过于频繁，请{max(1, math.ceil(wait))}秒后再试"
    return "请求过于频繁，请稍后再试"


class RateThrottle(SimpleRateThrottle):
    """DRF's cache-backed sliding window, with "N/<k><unit>" rates."""

    def parse_rate(self, rate):
        if rate is None:
            return (None, None)
        m = _RATE.match(rate)
        if not m:
            raise ValueError(f"bad throttle rate {rate!r}")
        return int(m.group(1)), int(m.group(2) or 1) * _SECONDS[m.group(3)]

    def get_rate(self):
        # Read now, not at import, so that a changed setting (a test) takes effect.
        from rest_framework.settings import api_settings

        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def address(self, request) -> str:
        return self.get_ident(request)


class _ScopedThrottle(RateThrottle):
    """Limited only where the view names a scope; the rate is `<scope><suffix>`."""

    suffix = ""

    def allow_request(self, request, view):
        scope = getattr(view, "throttle_scope", None)
        scope = scope or getattr(view, "throttle_scopes", {}).get(getattr(view, "action", None))
        if not scope:
            return True
        self.scope = scope + self.suffix
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class ActionUserThrottle(_ScopedThrottle):
    """Per signed-in user (per address for an anonymous request)."""

    def get_cache_key(self, request, view):
        user = getattr(request, "user", None)
        ident = f"u{user.pk}" if user is not None and user.is_authenticated else f"a{self.address(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ActionAddressThrottle(_ScopedThrottle):
    """Per client address, whoever is signed in."""

    suffix = "_address"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.address(request)}


class LoginAddressThrottle(RateThrottle):
    """Every login attempt of an address, successful or not."""

    scope = "login_address"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.address(request)}


class LoginFailureThrottle(RateThrottle):
    """Failed logins of an address: checked before each attempt, counted by `failed()` after one."""

    scope = "login_failures"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.address(request)}

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        return len(self.history) < self.num_requests

    def failed(self, request) -> None:
        """Count one failed attempt of the request's address."""
        if self.rate is None:
            return
        key = self.get_cache_key(request, None)
        now = self.timer()
        history = [t for t in self.cache.get(key, []) if t > now - self.duration]
        history.insert(0, now)
        self.cache.set(key, history, self.duration)


LOGIN_THROTTLES = (LoginAddressThrottle, LoginFailureThrottle)


def login_failed(request) -> None:
    """Record a failed login (token or page) against the request's address."""
    LoginFailureThrottle().failed(request)


def check_page(request, throttle_classes, view=None) -> float | None:
    """The seconds to wait if one of the throttles refuses the request, else None."""
    waits = []
    for cls in throttle_classes:
        throttle = cls()
        if not throttle.allow_request(request, view):
            waits.append(throttle.wait() or 1)
    return max(waits) if waits else None


def too_many(request, wait: float | None):
    """The 429 a browser or a script gets, with Retry-After."""
    message = throttled_message(wait)
    if request.path.startswith("/api/") or "json" in request.headers.get("Accept", ""):
        response = JsonResponse({"code": "throttled", "detail": message}, status=429)
    else:
        response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(max(1, math.ceil(wait or 1)))
    return response


class _PageView:
    """What the scoped throttles read from a view, for a plain Django view."""

    def __init__(self, scope):
        self.throttle_scope = scope


def throttle_page(scope: str, *, methods: tuple[str, ...] = ("GET", "POST")):
    """Limit a browser view like an API view of the same scope (per user and per address)."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                wait = check_page(request, (ActionUserThrottle, ActionAddressThrottle), _PageView(scope))
                if wait is not None:
                    return too_many(request, wait)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
