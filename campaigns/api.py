import django_filters
from django.contrib.auth import authenticate
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from . import calendar, services
from .api_base import MAX_ID, HoldsRule, ScopedGenericViewSet, ScopedReadOnlyViewSet
from .errors import DomainError
from .models import Campaign, LevelName, OrgUnit, TeamMember
from .serializers import (
    CampaignPhaseSerializer,
    CampaignSerializer,
    DueQuerySerializer,
    DueResponseSerializer,
    MeSerializer,
    OrgUnitSerializer,
    PhaseSwitchSerializer,
    SpanQuerySerializer,
    SpanResponseSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
)
from .views import LOCKED_MESSAGE


class LoginLocked(DomainError):
    code = "locked_out"
    message = LOCKED_MESSAGE
    status = 403


class BadCredentials(DomainError):
    code = "invalid_credentials"
    message = "用户名或密码错误"
    status = 400


class TokenView(APIView):
    """Log in with username and password; answers a token for `Authorization: Token <token>`."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer}, tags=["auth"])
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # django-axes counts failures and locks the username, the same as the login page.
        user = authenticate(request._request, **data.validated_data)
        if getattr(request._request, "axes_locked_out", False):
            raise LoginLocked()
        if user is None or not user.is_active:
            raise BadCredentials()
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MeView(APIView):
    @extend_schema(responses=MeSerializer, tags=["users"])
    def get(self, request):
        user = type(request.user).objects.prefetch_related("memberships__unit").get(pk=request.user.pk)
        return Response(MeSerializer(user).data)


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
        ctx["level_labels"] = dict(LevelName.objects.values_list("level", "label"))
        return ctx


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
