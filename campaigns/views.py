from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from .access import scope
from .choices import Role
from .models import Campaign, OrgUnit

# What each role's home page offers, in the order a user of that role needs it.
ROLE_HOME = {
    Role.CADRE: ("走访干部", "查看分配给我的农户，入户走访并记录群众诉求。"),
    Role.OFFICE: ("办公室", "审核、分派、督办本单位及下级的问题整改台账。"),
    Role.HANDLER: ("责任单位", "办理分派给本单位的问题，提交方案与办理结果。"),
    Role.LEADER: ("领导", "查看辖区走访覆盖、问题办理情况和包案事项。"),
    Role.INSPECTOR: ("督导", "抽查走访与整改情况，记录问题并扣分。"),
    Role.ADMIN: ("管理员", "配置组织架构、人员、活动、类别与工作日历。"),
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


def redirect_back(request, default):
    """Back to the page the form came from (`next`), never to another site."""
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = default
    return redirect(target)


LOCKED_MESSAGE = "登录失败次数过多，账户已锁定30分钟，请稍后再试"


def locked_out(request, response=None, credentials=None):
    """django-axes lockout: the API's error body for scripts, a Chinese page for browsers."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "locked_out", "detail": LOCKED_MESSAGE}, status=403)
    return render(request, "registration/locked_out.html", status=403)
