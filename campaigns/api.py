import django_filters
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from knox.models import AuthToken
from rest_framework import mixins, permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from . import calendar, services, twofactor
from .api_base import MAX_ID, HoldsRule, ScopedGenericViewSet, ScopedReadOnlyViewSet
from .choices import Level
from .errors import DomainError
from .models import Campaign, LevelTable, OrgUnit, TeamMember
from .selectors import campaign_choices, current_campaign
from .serializers import (
    CampaignPhaseSerializer,
    CampaignSerializer,
    DueQuerySerializer,
    DueResponseSerializer,
    LevelNameSerializer,
    MeSerializer,
    OrgUnitSerializer,
    PhaseSwitchSerializer,
    SpanQuerySerializer,
    SpanResponseSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
    TokenRevokedSerializer,
    TokenRevokeSerializer,
)
from .signals import token_logged_in
from .throttling import LOGIN_THROTTLES, login_failed
from .views import LOCKED_MESSAGE


class LoginLocked(DomainError):
    code = "locked_out"
    message = LOCKED_MESSAGE
    status = 403


class BadCredentials(DomainError):
    code = "invalid_credentials"
    message = "用户名或密码错误"
    status = 400


class OtpRequired(DomainError):
    code = "otp_required"
    message = "该账户须使用双因素认证：请在 otp 中提供动态口令（未启用的管理员请先在网页端启用）"
    status = 400


class BadOtp(DomainError):
    code = "invalid_otp"
    message = "动态口令错误或已过期"
    status = 400


class TokenView(APIView):
    """Log in with username and password; answers a token for `Authorization: Token <token>`."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_classes = list(LOGIN_THROTTLES)

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer}, tags=["auth"])
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # django-axes counts failures and locks the username, the same as the login page.
        code = data.validated_data.pop("otp", "")
        user = authenticate(request._request, **data.validated_data)
        if getattr(request._request, "axes_locked_out", False):
            login_failed(request)
            raise LoginLocked()
        if user is None or not user.is_active:
            login_failed(request)
            raise BadCredentials()
        if twofactor.required_for(user):
            if not twofactor.has_device(user) or not code:
                raise OtpRequired()
            if twofactor.check(user, code) is None:
                user_login_failed.send(
                    sender=__name__, credentials={"username": user.get_username()}, request=request._request
                )
                raise BadOtp()
        token_logged_in.send(sender=type(self), user=user, request=request._request, otp=bool(code))
        # A new token per login, stored as a digest only, expiring after REST_KNOX["TOKEN_TTL"];
        # the user's expired ones go now (requests check only the token they present).
        AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
        instance, token = AuthToken.objects.create(user=user)
        return Response({"token": token, "expiry": instance.expiry})


class TokenRevokeView(APIView):
    """Revoke the token of this request (`all`: every token of the caller)."""

    @extend_schema(request=TokenRevokeSerializer, responses={200: TokenRevokedSerializer}, tags=["auth"])
    def post(self, request):
        data = TokenRevokeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mine = AuthToken.objects.filter(user=request.user)
        if not data.validated_data["all"]:
            mine = mine.filter(digest=getattr(request.auth, "digest", None))
        count, _ = mine.delete()
        return Response({"revoked": count})


class MeView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("campaign", OpenApiTypes.INT, description="按此活动回答 current_campaign")],
        responses=MeSerializer,
        tags=["users"],
    )
    def get(self, request):
        user = type(request.user).objects.prefetch_related("memberships__unit").get(pk=request.user.pk)
        context = {"current_campaign": current_campaign(request), "campaigns": campaign_choices(request.user)}
        return Response(MeSerializer(user, context=context).data)


class OrgUnitFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=OrgUnit._meta.get_field("level").choices)
    parent = django_filters.NumberFilter(min_value=1, max_value=MAX_ID)
    code = django_filters.CharFilter()

    class Meta:
        model = OrgUnit
        fields = ["level", "parent", "code"]


class OrgUnitViewSet(ScopedReadOnlyViewSet):
    queryset = OrgUnit.objects.all()
    serializer_class = OrgUnitSerializer
    filterset_class = OrgUnitFilter
    ordering_fields = ["path", "name", "code"]

    def get_serializer_context(self):
        ctx = super().get_serializer_context()
        ctx["level_table"] = LevelTable.load()  # one query for every unit of the page
        return ctx

    @extend_schema(responses=LevelNameSerializer(many=True), summary="层级名称（按该单位所在分支）")
    @action(detail=True, methods=["get"], url_path="level-names", pagination_class=None, filterset_class=None)
    def level_names(self, request, pk=None):
        """What each level is called where this unit is (the installation's names, or its branch's)."""
        unit = self.get_object()
        names = LevelTable.load().names(unit.path)
        rows = [{"level": lv, "name": names[lv]} for lv in Level.values]
        return Response(LevelNameSerializer(rows, many=True).data)


class CampaignFilter(django_filters.FilterSet):
    # A plain number, not a choice: a cadre sees the district campaign but not the district unit, and
    # an id outside the scope must answer like a missing one (no rows), never "invalid choice".
    territory = django_filters.NumberFilter(min_value=1, max_value=MAX_ID)

    class Meta:
        model = Campaign
        fields = ["year", "phase", "territory"]


class CampaignViewSet(ScopedReadOnlyViewSet):
    queryset = Campaign.objects.prefetch_related(
        "phases",
        "focus_categories",
        "checklist",
        "tiers",
        "teams",
        Prefetch("teams__teammember_set", queryset=TeamMember.objects.select_related("user")),
    )
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter


class CampaignPhaseViewSet(mixins.ListModelMixin, ScopedGenericViewSet):
    """Switch a campaign's phase by hand (an admin over its territory); the switch runs its work
    (look-back tasks, coverage notices) and locks the phase against the dates."""

    queryset = Campaign.objects.all()
    serializer_class = CampaignPhaseSerializer
    permission_classes = [permissions.IsAuthenticated, HoldsRule]
    required_rule = (Campaign, "manage")
    object_actions = {"switch": "manage"}
    pagination_class = None

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action == "list":  # the campaigns this admin may switch, not every one they can see
            queryset = queryset.actionable_by(self.request.user, "manage")
        return queryset

    @extend_schema(
        request=PhaseSwitchSerializer,
        responses=inline_serializer(
            "PhaseSwitched", {"phase": serializers.CharField(), "work": serializers.DictField()}
        ),
    )
    @action(detail=True, methods=["post"])
    def switch(self, request, pk=None):
        campaign = self.get_object()
        data = PhaseSwitchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        work = services.switch_phase(actor=request.user, campaign=campaign, phase=data.validated_data["phase"])
        return Response({"phase": data.validated_data["phase"], "work": work})


class CalendarDueView(APIView):
    """N working days after a moment: 23:59:59 (Asia/Shanghai) of the Nth working day."""

    @extend_schema(parameters=[DueQuerySerializer], responses=DueResponseSerializer, tags=["calendar"])
    def get(self, request):
        q = DueQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        result = calendar.add_working_days(q.validated_data["start"], q.validated_data["days"])
        return Response({"due": result.due.isoformat(), "provisional": result.provisional})


class CalendarWorkingDaysView(APIView):
    """Working days d with start < d <= end."""

    @extend_schema(parameters=[SpanQuerySerializer], responses=SpanResponseSerializer, tags=["calendar"])
    def get(self, request):
        q = SpanQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        if abs((q.validated_data["end"] - q.validated_data["start"]).days) > 3660:
            raise DomainError("查询区间不能超过10年", code="invalid")
        span = calendar.working_days_between(q.validated_data["start"], q.validated_data["end"])
        return Response({"working_days": span.working_days, "provisional": span.provisional}, status=status.HTTP_200_OK)
