"""The request an audit record belongs to, and the client's address behind trusted proxies.

The actor of an API request is known only once DRF has authenticated it (a token), long after the
middleware ran; DRF sets the user on the underlying request, so the actor is read from the request
when a record is written, not when the request comes in.
"""

from contextvars import ContextVar
from ipaddress import ip_address

from django.conf import settings

_request: ContextVar = ContextVar("zoufang_audit_request", default=None)


def current_request():
    return _request.get()


def bind(request):
    return _request.set(request)


def unbind(token):
    _request.reset(token)


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or with N trusted proxies in front the address the
    outermost of them saw (the Nth entry from the right of X-Forwarded-For). Entries further left
    are whatever the client wrote and are never believed."""
    if request is None:
        return None
    hops = settings.ZOUFANG_SECURITY["TRUSTED_PROXY_HOPS"]
    addr = request.META.get("REMOTE_ADDR") or None
    if hops > 0:
        chain = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(chain) >= hops:
            addr = chain[-hops]
    try:
        return str(ip_address(addr)) if addr else None
    except ValueError:
        return None


def current_actor():
    request = current_request()
    user = getattr(request, "user", None) if request is not None else None
    return user if user is not None and user.is_authenticated else None
