"""REST API of the visits app: each view calls one service or selector."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404  # a non-numeric id is a 404, not a 500
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.access import scope
from campaigns.errors import InvalidInput, NotAllowed
from campaigns.models import Campaign, FocusCategory, OrgUnit, Team, User

from . import assignment as assign_service
from . import selectors, services
from .models import Assignment, EventReport, Household, ImportJob, ImportStatus, Visit
from .serializers import (
    AssignmentSerializer,
    AssignmentUpdateSerializer,
    BulkAssignSerializer,
    ConflictCheckSerializer,
    CoverageSerializer,
    EventReportSerializer,
    HardshipPlanSerializer,
    HouseholdSerializer,
    HouseholdWriteSerializer,
    PhotoUploadSerializer,
    ProposeResultSerializer,
    ProposeSerializer,
    RosterImportJobSerializer,
    RosterUploadSerializer,
    VisitInputSerializer,
    VisitSerializer,
)


def _bool(value):
    if value in (None, ""):
        return None
    return str(value).lower() in ("1", "true", "yes", "是")


def _id_param(value, name, label):
    """A query-string id: blank is None, anything but a whole number is a clear 400."""
    if value in (None, ""):
        return None
    value = str(value).strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise InvalidInput(f"{label}应为正整数", fields={name: [f"{label}应为正整数"]})
    return int(value)


def _campaign(user, pk):
    pk = _id_param(pk, "campaign", "活动ID")
    if pk is None:
        return None
    return get_object_or_404(Campaign.objects.visible_to(user), pk=pk)


def _unit(user, pk):
    pk = _id_param(pk, "unit", "组织单位ID")
    if pk is None:
        return None
    return get_object_or_404(OrgUnit.objects.visible_to(user), pk=pk)


HOUSEHOLD_FILTERS = [
    OpenApiParameter("grid", str, description="网格编码"),
    OpenApiParameter("unit", int, description="组织单位ID（含下级）"),
    OpenApiParameter("category", str, description="重点类别编码或ID"),
    OpenApiParameter("visited", bool, description="本次活动是否已走访"),
    OpenApiParameter("mine", bool, description="只看分配给我的"),
    OpenApiParameter("assigned_to_me", bool, description="同 mine"),
    OpenApiParameter("campaign", int, description="活动ID（默认当前活动）"),
    OpenApiParameter("q", str, description="户主姓名或地址"),
]


@extend_schema(tags=["households"])
class HouseholdViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = HouseholdSerializer
    lookup_value_regex = r"\d+"
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Household.objects.none()
        p = self.request.query_params
        user = self.request.user
        campaign = _campaign(user, p.get("campaign")) or selectors.current_campaign(user)
        unit = _unit(user, p.get("unit"))
        return selectors.households(
            user,
            campaign=campaign,
            grid=p.get("grid"),
            unit=unit,
            category=p.get("category"),
            visited=_bool(p.get("visited")),
            mine=bool(_bool(p.get("mine")) or _bool(p.get("assigned_to_me"))),
            q=p.get("q"),
        ).order_by("grid__code", "address", "id")

    @extend_schema(parameters=HOUSEHOLD_FILTERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _save(self, request, household=None):
        data = HouseholdWriteSerializer(data=request.data, partial=household is not None)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        grid_code = v.pop("grid", None)
        grid = (
            household.grid
            if household and not grid_code
            else OrgUnit.objects.filter(code=grid_code, level="grid").first()
        )
        if grid is None:
            raise InvalidInput("网格编码不存在", fields={"grid": ["网格编码不存在"]})
        if "categories" in v:
            names = v.pop("categories")
            cats = list(FocusCategory.objects.filter(code__in=names)) + list(
                FocusCategory.objects.filter(name__in=names)
            )
            v["categories"] = cats
        if household is not None:
            for f in ("head_name", "address", "id_number", "phone"):
                v.setdefault(f, getattr(household, f))
        h = services.save_household(actor=request.user, household=household, grid=grid, **v)
        h = self.get_queryset().get(pk=h.pk)
        return HouseholdSerializer(h, context={"request": request}).data

    @extend_schema(request=HouseholdWriteSerializer, responses={201: HouseholdSerializer})
    def create(self, request, *args, **kwargs):
        return Response(self._save(request), status=status.HTTP_201_CREATED)

    @extend_schema(request=HouseholdWriteSerializer, responses={200: HouseholdSerializer})
    def update(self, request, *args, **kwargs):
        return Response(self._save(request, self.get_object()))

    @extend_schema(request=HardshipPlanSerializer, responses={200: HardshipPlanSerializer})
    @action(detail=True, methods=["get", "put"], url_path="hardship-plan")
    def hardship_plan(self, request, pk=None):
        household = self.get_object()
        if request.method == "GET":
            plan = getattr(household, "hardship_plan", None)
            if plan is None:
                return Response({"code": "not_found", "detail": "该户尚未制定一户一策"}, status=404)
            return Response(HardshipPlanSerializer(plan).data)
        data = HardshipPlanSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.save_hardship_plan(actor=request.user, household=household, **data.validated_data)
        return Response(HardshipPlanSerializer(plan).data)


@extend_schema(tags=["households"])
class ImportView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": RosterUploadSerializer}, responses={202: RosterImportJobSerializer})
    def post(self, request):
        data = RosterUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.start_import(actor=request.user, upload=data.validated_data["file"])
        return Response(RosterImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["households"])
class ImportDetailView(APIView):
    @extend_schema(responses=RosterImportJobSerializer)
    def get(self, request, pk):
        job = get_object_or_404(ImportJob.objects.visible_to(request.user), pk=pk)
        return Response(RosterImportJobSerializer(job).data)


@extend_schema(tags=["households"])
class ImportConfirmView(APIView):
    @extend_schema(request=None, responses={202: RosterImportJobSerializer, 200: RosterImportJobSerializer})
    def post(self, request, pk):
        job = get_object_or_404(ImportJob.objects.visible_to(request.user), pk=pk)
        was_done = job.status == ImportStatus.IMPORTED
        job = services.confirm_import(actor=request.user, job=job)
        code = status.HTTP_200_OK if was_done or job.status == ImportStatus.IMPORTED else status.HTTP_202_ACCEPTED
        return Response(RosterImportJobSerializer(job).data, status=code)


@extend_schema(tags=["assignments"])
class AssignmentViewSet(viewsets.ModelViewSet):
    serializer_class = AssignmentSerializer
    http_method_names = ["get", "post", "patch", "delete"]
    filterset_fields = ["campaign", "visitor", "household", "kind", "team"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Assignment.objects.none()
        qs = Assignment.objects.visible_to(self.request.user).select_related("household__grid", "visitor")
        if _bool(self.request.query_params.get("mine")):
            qs = qs.filter(visitor=self.request.user)
        return qs.order_by("household__grid__code", "household__address", "id")

    def perform_create(self, serializer):
        v = serializer.validated_data
        household = get_object_or_404(Household.objects.visible_to(self.request.user), pk=v["household"].pk)
        created = assign_service.assign(
            actor=self.request.user,
            campaign=v["campaign"],
            households=[household],
            visitor=v["visitor"],
            kind=v["kind"],
            team=v.get("team"),
            replace=v.get("replace", False),
        )
        serializer.instance = next(a for a in created if a.household_id == household.pk and a.kind == v["kind"])

    @extend_schema(request=AssignmentUpdateSerializer, responses=AssignmentSerializer)
    def partial_update(self, request, *args, **kwargs):
        data = AssignmentUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visitor = get_object_or_404(User, pk=data.validated_data["visitor"], is_active=True)
        a = assign_service.change_visitor(actor=request.user, assignment=self.get_object(), visitor=visitor)
        return Response(AssignmentSerializer(a).data)

    def perform_destroy(self, instance):
        assign_service.unassign(actor=self.request.user, assignment=instance)

    def _bulk_args(self, request):
        data = BulkAssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        campaign = _campaign(request.user, v["campaign"])
        households = list(
            Household.objects.visible_to(request.user).filter(pk__in=v["households"]).select_related("grid")
        )
        if len(households) != len(set(v["households"])):
            raise InvalidInput("有农户不存在或不在您的管辖范围内")
        visitor = get_object_or_404(User, pk=v["visitor"], is_active=True)
        team = get_object_or_404(Team, pk=v["team"], campaign=campaign) if v.get("team") else None
        return campaign, households, visitor, v["kind"], team, v["replace"]

    @extend_schema(request=BulkAssignSerializer, responses={200: AssignmentSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        campaign, households, visitor, kind, team, replace = self._bulk_args(request)
        done = assign_service.assign(
            actor=request.user,
            campaign=campaign,
            households=households,
            visitor=visitor,
            kind=kind,
            team=team,
            replace=replace,
        )
        return Response(AssignmentSerializer(done, many=True).data)

    @extend_schema(request=BulkAssignSerializer, responses={200: ConflictCheckSerializer})
    @action(detail=False, methods=["post"])
    def check(self, request):
        """What a bulk assignment would break (互不重复), before submitting it."""
        campaign, households, visitor, kind, _team, _replace = self._bulk_args(request)
        found = list(
            assign_service.conflicts(
                campaign=campaign, household_ids=[h.pk for h in households], visitor=visitor, kind=kind
            )
        )
        return Response(
            {
                "conflicts": [
                    {"household": a.household_id, "head_name": a.household.head_name, "visitor": str(a.visitor)}
                    for a in found
                ],
                "message": assign_service.describe_conflicts(found) if found else "",
            }
        )

    @extend_schema(request=ProposeSerializer, responses={200: ProposeResultSerializer})
    @action(detail=False, methods=["post"])
    def propose(self, request):
        data = ProposeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = _campaign(request.user, data.validated_data["campaign"])
        if not scope(request.user).has_role(*assign_service.ADJUST_ROLES):
            raise NotAllowed("只有活动办工作人员可以生成分配方案")
        return Response({"created": assign_service.propose_assignments(campaign=campaign, actor=request.user)})


@extend_schema(tags=["visits"])
class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = VisitSerializer
    filterset_fields = ["campaign", "household", "visitor", "too_short", "mode"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Visit.objects.none()
        return (
            Visit.objects.visible_to(self.request.user)
            .select_related("visitor")
            .prefetch_related("photos", "grievances", "co_visitors")
            .order_by("-visited_at")
        )

    @extend_schema(request=VisitInputSerializer, responses={201: VisitSerializer, 200: VisitSerializer})
    def create(self, request):
        data = VisitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        user = request.user
        household = get_object_or_404(Household.objects.visible_to(user).select_related("grid"), pk=v["household"])
        from grievances.models import GrievanceCategory

        grievances = []
        for g in v["grievances"]:
            cat = GrievanceCategory.objects.filter(pk=g.get("category")).first() if g.get("category") else None
            grievances.append({**g, "category": cat})
        visit, created = services.record_visit(
            actor=user,
            household=household,
            client_id=v["client_id"],
            visited_at=v["visited_at"],
            duration_minutes=v["duration_minutes"],
            mode=v["mode"],
            mode_reason=v["mode_reason"],
            answers=v["answers"],
            notes=v["notes"],
            campaign=_campaign(user, v.get("campaign")),
            co_visitors=list(User.objects.filter(pk__in=v["co_visitors"], is_active=True)),
            photos=request.FILES.getlist("photos"),
            grievances=grievances,
        )
        visit = self.get_queryset().get(pk=visit.pk) if created else Visit.objects.get(pk=visit.pk)
        return Response(VisitSerializer(visit).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request={"multipart/form-data": PhotoUploadSerializer}, responses={201: VisitSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def photos(self, request, pk=None):
        visit = self.get_object()
        upload = request.FILES.get("image")
        if upload is None:
            raise InvalidInput("请选择照片", fields={"image": ["请选择照片"]})
        services.add_photo(actor=request.user, visit=visit, upload=upload)
        return Response(VisitSerializer(self.get_queryset().get(pk=visit.pk)).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["visits"])
class EventReportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = EventReportSerializer
    filterset_fields = ["household", "kind", "campaign"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return EventReport.objects.none()
        return EventReport.objects.visible_to(self.request.user).order_by("-reported_at")

    def perform_create(self, serializer):
        from grievances.models import GrievanceCategory

        v = serializer.validated_data
        household = get_object_or_404(Household.objects.visible_to(self.request.user), pk=v["household"].pk)
        category = GrievanceCategory.objects.filter(pk=v.get("category")).first() if v.get("category") else None
        serializer.instance = services.report_event(
            actor=self.request.user,
            household=household,
            kind=v["kind"],
            description=v["description"],
            to_grievance=v.get("to_grievance", False),
            category=category,
        )


@extend_schema(tags=["visits"])
class CoverageView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("campaign", OpenApiTypes.INT), OpenApiParameter("unit", OpenApiTypes.INT)],
        responses=CoverageSerializer,
    )
    def get(self, request):
        user = request.user
        campaign = _campaign(user, request.query_params.get("campaign")) or selectors.current_campaign(user)
        if campaign is None:
            raise InvalidInput("没有可查看的走访活动", code="no_campaign")
        unit = _unit(user, request.query_params.get("unit"))
        data = selectors.coverage(user, campaign, unit)
        data["campaign"] = campaign
        return Response(CoverageSerializer(data).data)
