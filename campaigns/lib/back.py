"""Where a "返回" link leads: the page the user came from, when that is safe to send them to.

A page's own steps (its forms post to the page or below it and come back) are not where the user
came from, so the first outside page that led to a page is kept in the session for it.
"""

from urllib.parse import urlsplit

from django.utils.http import url_has_allowed_host_and_scheme

# Never back to a page that ends a session or asks for a login again.
_NOT_BACK_TO = ("/accounts/login/", "/accounts/logout/", "/accounts/two-factor/")
_SESSION_KEY = "back_to"
_KEPT = 20  # pages remembered per session


def _safe(request, url: str) -> bool:
    if not url or url.lower().startswith("javascript:"):
        return False
    return url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure())


def _outside(here: str, url: str) -> bool:
    """A page other than this one and not one of its own steps (a path below it)."""
    path = urlsplit(url).path
    return path != here and not path.startswith(here.rstrip("/") + "/") and not path.startswith(_NOT_BACK_TO)


def back_url(request, default: str | None = None) -> str | None:
    """A `next` parameter (GET or POST), else the Referer, when it is of this host and outside this
    page; else where the user last came to this page from; else `default`."""
    here = request.path
    candidates = [request.GET.get("next", ""), request.META.get("HTTP_REFERER", "")]
    if request.method == "POST":
        candidates.insert(0, request.POST.get("next", ""))
    session = getattr(request, "session", None)
    for candidate in candidates:
        if _safe(request, candidate) and _outside(here, candidate):
            if session is not None and getattr(request.user, "is_authenticated", False):
                kept = {k: v for k, v in session.get(_SESSION_KEY, {}).items() if k != here}
                kept[here] = candidate
                session[_SESSION_KEY] = dict(list(kept.items())[-_KEPT:])
            return candidate
    if session is not None:
        kept = session.get(_SESSION_KEY, {}).get(here)
        if kept and _safe(request, kept):
            return kept
    return default
