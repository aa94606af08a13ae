"""Request middleware of the foundation: the idle session's refresh, the second-factor gate,
bodies refused by their declared size before they are read, and what the user sees when
infrastructure is away."""

import logging

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode

from . import twofactor
from .errors import RETRY_AFTER_SECONDS, FileMissing, Unavailable, is_infrastructure_error
from .lib.back import back_url

log = logging.getLogger(__name__)


SESSION_FLAG = "zoufang_otp_required"
OTP_REQUIRED_MESSAGE = "该账户须使用双因素认证：请先启用或验证动态口令"


def mark_session(request, user) -> None:
    """Record at login whether this session needs a verified second factor (read per request
    from the session, so ordinary requests cost no query)."""
    if getattr(request, "session", None) is not None:
        request.session[SESSION_FLAG] = twofactor.required_for(user)


SESSION_SEEN = "zoufang_seen"


class SessionRefreshMiddleware:
    """A session's idle time counts from its last request: a request more than
    SESSION_REFRESH_SECONDS after the session was last saved saves it again (a new expiry, a new
    cookie), so an idle session ends SESSION_COOKIE_AGE after its last use, give or take that
    minute, for one session write a minute rather than one per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            import time

            now = int(time.time())
            if now - session.get(SESSION_SEEN, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[SESSION_SEEN] = now
        return response


class SecondFactorMiddleware:
    """A session that needs a second factor and has not verified one reaches only the
    enrolment/verification page and logout; the API answers 403 `otp_required`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.session.get(SESSION_FLAG) and request.user.is_authenticated and not request.user.is_verified():
            allowed = {reverse("two-factor"), reverse("logout")}
            if request.path not in allowed and not request.path.startswith(("/static/", "/media/")):
                if request.path.startswith("/api/"):
                    return JsonResponse({"code": "otp_required", "detail": OTP_REQUIRED_MESSAGE}, status=403)
                return redirect(f"{reverse('two-factor')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class UnavailableMiddleware:
    """A database, broker or storage error that reaches the top of a page (or of an API route that
    DRF does not wrap) is a 503 with Retry-After: a Chinese page in the browser, the API's body
    under /api/. The page is rendered without context processors, which would query the database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, FileNotFoundError):
            # The row is there, its file is not: a 404 with the reason, not a server error.
            if request.path.startswith("/api/"):
                return JsonResponse({"code": FileMissing.code, "detail": FileMissing.message}, status=404)
            raise Http404(FileMissing.message) from exception
        if not is_infrastructure_error(exception):
            return None
        log.error("infrastructure unavailable: %s", type(exception).__name__, exc_info=exception)
        if request.path.startswith("/api/"):
            response = JsonResponse({"code": Unavailable.code, "detail": Unavailable.message}, status=503)
        else:
            response = HttpResponse(render_to_string("503.html", {"back": back_url(request)}), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


# Room for the multipart envelope and the form's other fields around the file(s).
BODY_ENVELOPE = 1024 * 1024


def body_limit(path: str) -> int:
    """The most bytes a request to `path` may send: its route's upload kinds
    (settings.REQUEST_BODY_LIMITS, by URL name) or else the largest upload any route takes."""
    from .lib.uploads import limits

    try:
        match = resolve(path)
    except Resolver404:
        match = None
    kinds = settings.REQUEST_BODY_LIMITS.get(match.view_name) if match else None
    if kinds:
        return sum(limits(k)["max_bytes"] * n for k, n in kinds) + BODY_ENVELOPE
    return max(v["max_bytes"] for v in settings.UPLOAD_LIMITS.values()) + BODY_ENVELOPE


class RequestSizeMiddleware:
    """A body whose Content-Length is over its route's limit is refused before a byte of it is
    read: Django would otherwise spool the whole upload to a temporary file before any view could
    check its size. Bodies without a Content-Length (chunked) are left to the per-file checks."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > 0 and length > (limit := body_limit(request.path_info)):
            from .lib.uploads import size_text

            message = f"上传内容过大：本页面每次最多可上传{size_text(limit - BODY_ENVELOPE)}"
            log.warning("body refused by its length: %s bytes to %s", length, request.path_info)
            if request.path.startswith("/api/"):
                response = JsonResponse(
                    {"code": "file_too_large", "detail": message, "errors": {"file": [message]}},
                    status=400,
                    json_dumps_params={"ensure_ascii": False},
                )
            else:
                response = HttpResponse(render_to_string("400_body.html", {"message": message}), status=400)
            # The unread body must not be taken for the next request on a kept-alive connection.
            response["Connection"] = "close"
            return response
        return self.get_response(request)
