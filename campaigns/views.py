from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from . import selectors, twofactor
from .access import scope
from .choices import Role
from .forms import CampaignSwitchForm, LoginForm, OtpConfirmForm
from .lib.back import back_url
from .models import Campaign, OrgUnit
from .throttling import LOGIN_THROTTLES, check_page, login_failed, too_many

# What each role's home page offers, in the order a user of that role needs it.
ROLE_HOME = {
    Role.CADRE: ("走访干部", "查看分配给我的农户，入户走访并记录群众诉求。"),
    Role.OFFICE: ("办公室", "审核、分派、督办本单位及下级的问题整改台账。"),
    Role.HANDLER: ("责任单位", "办理分派给本单位的问题，提交方案与办理结果。"),
    Role.LEADER: ("领导", "查看辖区走访覆盖、问题办理情况和包案事项。"),
    Role.INSPECTOR: ("督导", "抽查走访与整改情况，记录问题并扣分。"),
    Role.ADMIN: ("系统管理员", "配置组织架构、活动、类别、工作日历与系统参数。"),
    Role.SECURITY: ("安全管理员", "管理账户、角色与任职、双因素认证、令牌与登录锁定。"),
    Role.AUDITOR: ("审计管理员", "查阅、检索和导出审计记录，核验审计链完整性。"),
}


@login_required
def home(request):
    s = scope(request.user)
    campaigns = list(Campaign.objects.visible_to(request.user).select_related("territory")[:10])
    roles = [(role, *ROLE_HOME[role]) for role in Role if role in s.roles]
    units = OrgUnit.objects.filter(pk__in=s.unit_ids()).order_by("path")
    return render(
        request,
        "campaigns/home.html",
        {"campaigns": campaigns, "roles": roles, "units": units},
    )


@login_required
def campaign_detail(request, pk):
    campaign = get_object_or_404(
        Campaign.objects.visible_to(request.user).prefetch_related("phases", "checklist", "tiers", "focus_categories"),
        pk=pk,
    )
    return render(request, "campaigns/campaign_detail.html", {"campaign": campaign})


@login_required
def org_unit_detail(request, pk):
    unit = get_object_or_404(OrgUnit.objects.visible_to(request.user), pk=pk)
    children = OrgUnit.objects.visible_to(request.user).filter(parent=unit)
    return render(request, "campaigns/org_unit_detail.html", {"unit": unit, "children": children})


@login_required
@require_POST
def campaign_switch(request):
    """Work in another campaign for the rest of the session (404 for one outside the scope)."""
    form = CampaignSwitchForm(request.POST, user=request.user)
    if not form.is_valid():
        raise Http404  # a campaign outside the scope is as missing as one that does not exist
    selectors.choose_campaign(request, form.cleaned_data["campaign"])
    return redirect_back(request, "/")


@cache_control(no_cache=True)
def service_worker(request):
    """The service worker from static/, at the site root so that its scope is the whole app."""
    path = finders.find("js/sw.js")
    if path is None:  # collected: read it back from the static storage
        with staticfiles_storage.open("js/sw.js") as fh:
            body = fh.read()
    else:
        with open(path, "rb") as fh:
            body = fh.read()
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@cache_control(max_age=86400)
def favicon(request):
    """The tab icon browsers ask for at /favicon.ico whatever the page links (no 404 in the log)."""
    path = finders.find("img/favicon.ico")
    fh = open(path, "rb") if path else staticfiles_storage.open("img/favicon.ico")  # noqa: SIM115
    return FileResponse(fh, content_type="image/x-icon")


@cache_control(max_age=3600)
def web_manifest(request):
    """The web app manifest: the field app installs to the home screen and opens on 我的走访."""
    manifest = {
        "name": "大走访管理系统",
        "short_name": "走访",
        "lang": "zh-CN",
        "start_url": "/visits/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#c0392b",
        "icons": [{"src": static("img/icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"}],
    }
    return JsonResponse(manifest, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


@login_required
def two_factor(request):
    """Enrol a TOTP device (QR code drawn here), verify this session, renew recovery codes."""
    user = request.user
    enrolled = twofactor.has_device(user)
    verified = user.is_verified()
    form = OtpConfirmForm(request.POST or None)
    codes = None
    device = None if enrolled else twofactor.totp_device(user)
    if request.method == "POST":
        if request.POST.get("renew") and enrolled and verified:
            codes = twofactor.new_recovery_codes(user)
        elif form.is_valid():
            code = form.cleaned_data["code"]
            if enrolled:
                matched = twofactor.check(user, code)
                if matched is not None:
                    otp_login(request, matched)
                    return redirect_back(request, "/")
            else:
                codes = twofactor.confirm(user, device, code)
                if codes is not None:
                    otp_login(request, twofactor.totp_device(user))
                    enrolled = verified = True
            if codes is None:
                form.add_error("code", "动态口令错误或已过期")
    context = {
        "enrolled": enrolled,
        "verified": verified,
        "required": twofactor.required_for(user),
        "form": form,
        "codes": codes,
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    if device is not None and not enrolled:
        context.update(qr=mark_safe(twofactor.qr_svg(device)), secret=twofactor.secret_base32(device))  # noqa: S308
    return render(request, "registration/two_factor.html", context)


def redirect_back(request, default):
    """Back to the page the form came from (`next`), never to another site."""
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = default
    return redirect(target)


class LoginView(auth_views.LoginView):
    """The login page, throttled like the token endpoint: failed attempts per address."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        wait = check_page(request, LOGIN_THROTTLES)
        if wait is not None:
            return too_many(request, wait)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        login_failed(self.request)
        return super().form_invalid(form)


LOCKED_MESSAGE = "登录失败次数过多，账户已锁定30分钟，请稍后再试"


def locked_out(request, response=None, credentials=None):
    """django-axes lockout: the API's error body for scripts, a Chinese page for browsers."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "locked_out", "detail": LOCKED_MESSAGE}, status=403)
    return render(request, "registration/locked_out.html", status=403)


# --- error pages ------------------------------------------------------------------------------------
# Pages answer inside the app's layout, in Chinese, with a way back; the API keeps its JSON body
# ({"code", "detail"}, as campaigns.api_base.exception_handler writes it) for what never reached a
# DRF view: an unknown /api/ path, a CSRF failure on a session-authenticated call, a crash.
ERROR_PAGES = {
    400: ("bad_request", "请求有误", "提交的内容无法处理，请返回上一页检查后重试。"),
    403: ("permission_denied", "没有权限", "您没有使用该功能的权限。如需使用，请联系本单位管理员。"),
    404: ("not_found", "页面不存在", "您访问的页面不存在，或不在您的管辖范围内。"),
    500: ("server_error", "系统出错了", "服务器处理请求时出错，已记录。请稍后重试，或联系管理员。"),
}
CSRF_MESSAGE = "页面已过期或登录状态已变化，请返回上一页刷新后重新提交。"


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _error(request, status: int, detail: str | None = None, template: str | None = None):
    code, title, message = ERROR_PAGES[status]
    if _is_api(request):
        return JsonResponse({"code": code, "detail": detail or title}, status=status)
    context = {"title": title, "message": detail or message, "status": status, "back": _back(request)}
    return render(request, template or f"{status}.html", context, status=status)


def _back(request) -> str | None:
    """Where the user came from, when that is a page of this site other than this one."""
    return back_url(request)


def _own_message(exception) -> str | None:
    """A refusal's own words when our code gave it some in Chinese (PermissionDenied("只有…")),
    never Django's English defaults or a 404's reason (outside the scope reads as missing)."""
    text = str(exception or "")
    return text if text and any("\u4e00" <= ch <= "\u9fff" for ch in text) else None


def bad_request(request, exception=None):
    return _error(request, 400)


def permission_denied(request, exception=None):
    return _error(request, 403, _own_message(exception))


def page_not_found(request, exception=None):
    return _error(request, 404)


def server_error(request):
    code, title, message = ERROR_PAGES[500]
    if _is_api(request):
        return JsonResponse({"code": code, "detail": title}, status=500)
    # No context processors: the failure may be in one of them (or in the database they read).
    from django.template import loader

    body = loader.get_template("500.html").render({"title": title, "message": message, "status": 500})
    from django.http import HttpResponseServerError

    return HttpResponseServerError(body)


def csrf_failure(request, reason=""):
    if _is_api(request):
        return JsonResponse({"code": "csrf_failed", "detail": CSRF_MESSAGE}, status=403)
    context = {"title": "页面已过期", "message": CSRF_MESSAGE, "status": 403, "back": _back(request)}
    return render(request, "403_csrf.html", context, status=403)
