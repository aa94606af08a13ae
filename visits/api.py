"""REST API of the visits app: each view calls one service or selector.

Every view starts from a scoped base (`campaigns.api_base`): rows outside the user's scope are a
404, ids in bodies outside it a 400, and the write rules of `visits.models` say what may be done.
"""

import django_filters
from django.db.models import Count, Prefetch, prefetch_related_objects
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.access import get_for
from campaigns.api_base import MAX_ID, ReplayCreateMixin, ScopedGenericViewSet
from campaigns.errors import InvalidInput
from campaigns.filters import FlagFilter
from campaigns.lib.imports import ImportStatus
from campaigns.models import Campaign, OrgUnit, VisitMode
from campaigns.selectors import current_campaign

from . import assignment as assign_service
from . import selectors, services
from .filters import HouseholdFilter
from .forms import CoverageQuery
from .models import (
    Assignment,
    AssignmentKind,
    EventReport,
    HardshipPlan,
    Household,
    ImportJob,
    Pairing,
    SupportRecord,
    Visit,
    VisitImportJob,
)
from .serializers import (
    AssignmentCreateSerializer,
    AssignmentSerializer,
    AssignmentUpdateSerializer,
    BulkAssignSerializer,
    ConflictCheckSerializer,
    CoverageSerializer,
    EventReportSerializer,
    HardshipPlanSerializer,
    HouseholdSerializer,
    HouseholdWriteSerializer,
    PairingCoverageSerializer,
    PairingSerializer,
    PairingUpdateSerializer,
    PhotoUploadSerializer,
    PlanReviewDoneSerializer,
    ProposeResultSerializer,
    ProposeSerializer,
    RevealedSerializer,
    RevealSerializer,
    RosterImportJobSerializer,
    RosterUploadSerializer,
    SupportRecordSerializer,
    VisitImportJobSerializer,
    VisitInputSerializer,
    VisitSerializer,
)


def _id_filter(field_name=None):
    # A plain number, not a model choice: an id outside the scope filters to nothing, exactly
    # like a missing one, instead of answering "no such object" only for the missing.
    return django_filters.NumberFilter(field_name=field_name, min_value=1, max_value=MAX_ID)


@extend_schema(tags=["households"])
class HouseholdViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedGenericViewSet,
):
    queryset = Household.objects.select_related("grid")
    serializer_class = HouseholdSerializer
    object_actions = {"update": "edit", "partial_update": "edit", "reveal": "reveal"}
    lookup_value_regex = r"\d+"
    filter_backends = [DjangoFilterBackend]
    filterset_class = HouseholdFilter

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).order_by("grid__code", "address", "id")

    def _save(self, request, household=None):
        data = HouseholdWriteSerializer(
            data=request.data, partial=household is not None, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        grid = v.pop("grid", None) or household.grid
        if household is not None:
            for f in ("head_name", "address", "id_number", "phone"):
                v.setdefault(f, getattr(household, f))
        h = services.save_household(actor=request.user, household=household, grid=grid, **v)
        h = self.filter_queryset(self.get_queryset()).get(pk=h.pk)
        return HouseholdSerializer(h, context=self.get_serializer_context()).data

    @extend_schema(request=HouseholdWriteSerializer, responses={201: HouseholdSerializer})
    def create(self, request, *args, **kwargs):
        return Response(self._save(request), status=status.HTTP_201_CREATED)

    @extend_schema(request=HouseholdWriteSerializer, responses={200: HouseholdSerializer})
    def update(self, request, *args, **kwargs):
        return Response(self._save(request, self.get_object()))

    @extend_schema(request=RevealSerializer, responses=RevealedSerializer)
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """The whole ID number and phone, for a reason (回访, 核实身份, 办理需要, 其他); audited."""
        household = self.get_object()
        data = RevealSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        shown = services.reveal_personal(actor=request.user, household=household, **data.validated_data)
        return Response(shown)

    def _plan(self, household):
        return (
            HardshipPlan.objects.visible_to(self.request.user)
            .filter(household=household)
            .select_related("responsible_user")
            .prefetch_related("reviews__done_by", "changes__actor")
            .first()
        )

    @extend_schema(request=HardshipPlanSerializer, responses={200: HardshipPlanSerializer})
    @action(detail=True, methods=["get", "put"], url_path="hardship-plan")
    def hardship_plan(self, request, pk=None):
        """The household's 一户一策 with its review dates and its history (every change, who and when)."""
        household = self.get_object()
        if request.method == "GET":
            plan = self._plan(household)
            if plan is None:
                return Response({"code": "not_found", "detail": "该户尚未制定一户一策"}, status=404)
            return Response(HardshipPlanSerializer(plan, context=self.get_serializer_context()).data)
        data = HardshipPlanSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        services.save_hardship_plan(actor=request.user, household=household, **data.validated_data)
        return Response(HardshipPlanSerializer(self._plan(household), context=self.get_serializer_context()).data)

    @extend_schema(request=PlanReviewDoneSerializer, responses={200: HardshipPlanSerializer})
    @action(detail=True, methods=["post"], url_path="hardship-plan/review")
    def hardship_plan_review(self, request, pk=None):
        """Record a scheduled review of the plan as done, with its outcome (复核情况)."""
        household = self.get_object()
        plan = self._plan(household)
        if plan is None:
            return Response({"code": "not_found", "detail": "该户尚未制定一户一策"}, status=404)
        data = PlanReviewDoneSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = plan.reviews.filter(pk=data.validated_data["review"]).first()
        if review is None:
            raise InvalidInput("复核日期不存在", fields={"review": ["复核日期不存在"]})
        services.record_plan_review(
            actor=request.user, plan=plan, review=review, outcome=data.validated_data["outcome"]
        )
        return Response(HardshipPlanSerializer(self._plan(household), context=self.get_serializer_context()).data)


@extend_schema(tags=["households"])
class ImportJobViewSet(ScopedGenericViewSet):
    # Routed by hand under households/import/ (api_urls): "import" must not be taken for an id.
    queryset = ImportJob.objects.all()
    serializer_class = RosterImportJobSerializer
    throttle_scopes = {"create": "import"}
    object_actions = {"confirm": "confirm", "retry": "confirm"}
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request={"multipart/form-data": RosterUploadSerializer}, responses={202: RosterImportJobSerializer})
    def create(self, request):
        """Upload a roster (.xlsx); its preview runs in the background."""
        data = RosterUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.start_import(actor=request.user, upload=data.validated_data["file"])
        return Response(RosterImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=RosterImportJobSerializer)
    def retrieve(self, request, pk=None):
        """A roster job: its status, counts and every problem with row and column."""
        return Response(RosterImportJobSerializer(self.get_object()).data)

    @extend_schema(request=None, responses={202: RosterImportJobSerializer, 200: RosterImportJobSerializer})
    def confirm(self, request, pk=None):
        """Write a previewed roster, all rows or none (202 while it runs, 200 once imported)."""
        job = self.get_object()
        job = services.confirm_import(actor=request.user, job=job)
        code = status.HTTP_200_OK if job.status == ImportStatus.DONE else status.HTTP_202_ACCEPTED
        return Response(RosterImportJobSerializer(job).data, status=code)

    @extend_schema(request=None, responses={202: RosterImportJobSerializer})
    def retry(self, request, pk=None):
        """重试: check a failed roster again from its stored file (202, then poll)."""
        job = services.retry_import(actor=request.user, job=self.get_object())
        return Response(RosterImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["visits"])
class VisitImportJobViewSet(ScopedGenericViewSet):
    # Routed by hand under visits/import/ (api_urls): "import" must not be taken for a visit id.
    queryset = VisitImportJob.objects.all()
    serializer_class = VisitImportJobSerializer
    object_actions = {"confirm": "confirm", "retry": "confirm"}
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        operation_id="visits_import_create",
        request={"multipart/form-data": RosterUploadSerializer},
        responses={202: VisitImportJobSerializer},
    )
    def create(self, request):
        """Upload past visits (.xlsx, one sheet per month); each row is matched in the background."""
        data = RosterUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.start_visit_import(actor=request.user, upload=data.validated_data["file"])
        return Response(VisitImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(operation_id="visits_import_retrieve", responses=VisitImportJobSerializer)
    def retrieve(self, request, pk=None):
        """A visit import: its status, counts and every unmatched or bad row with its sheet and row."""
        return Response(VisitImportJobSerializer(self.get_object()).data)

    @extend_schema(
        operation_id="visits_import_confirm_create",
        request=None,
        responses={202: VisitImportJobSerializer, 200: VisitImportJobSerializer},
    )
    def confirm(self, request, pk=None):
        """Write the previewed visits and their ledger entries, all or none (202 while it runs)."""
        job = self.get_object()
        job = services.confirm_visit_import(actor=request.user, job=job)
        code = status.HTTP_200_OK if job.status == ImportStatus.DONE else status.HTTP_202_ACCEPTED
        return Response(VisitImportJobSerializer(job).data, status=code)

    @extend_schema(operation_id="visits_import_retry_create", request=None, responses={202: VisitImportJobSerializer})
    def retry(self, request, pk=None):
        """重试: check a failed visit import again from its stored file (202, then poll)."""
        job = services.retry_visit_import(actor=request.user, job=self.get_object())
        return Response(VisitImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class MayAssign(permissions.BasePermission):
    """Changing assignments needs the household rule "assign" over some unit, before any id of
    the body is read: for everyone else it is a 403, not a list of unknown ids."""

    message = "只有活动办工作人员可以调整走访分配"

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return Household.objects.units_for(request.user, "assign").exists()


class AssignmentFilter(django_filters.FilterSet):
    campaign = _id_filter()
    visitor = _id_filter()
    household = _id_filter()
    team = _id_filter()
    kind = django_filters.ChoiceFilter(choices=AssignmentKind.choices)
    mine = FlagFilter(narrow="only_mine", label="只看分配给我的", help_text="只看分配给我走访的")

    class Meta:
        model = Assignment
        fields = ["campaign", "visitor", "household", "kind", "team"]

    def only_mine(self, qs):
        return qs.filter(visitor=self.request.user)


@extend_schema(tags=["assignments"])
class AssignmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    ScopedGenericViewSet,
):
    queryset = Assignment.objects.select_related("household__grid", "visitor")
    serializer_class = AssignmentSerializer
    object_actions = {"partial_update": "adjust", "destroy": "adjust"}
    permission_classes = [permissions.IsAuthenticated, MayAssign]
    http_method_names = ["get", "post", "patch", "delete"]
    filterset_class = AssignmentFilter

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).order_by("household__grid__code", "household__address", "id")

    def _input(self, serializer_class):
        data = serializer_class(data=self.request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return data.validated_data

    @extend_schema(request=AssignmentCreateSerializer, responses={201: AssignmentSerializer})
    def create(self, request):
        v = self._input(AssignmentCreateSerializer)
        created = assign_service.assign(
            actor=request.user,
            campaign=v["campaign"],
            households=[v["household"]],
            visitor=v["visitor"],
            kind=v["kind"],
            team=v["team"],
            replace=v["replace"],
        )
        a = next(a for a in created if a.household_id == v["household"].pk and a.kind == v["kind"])
        return Response(AssignmentSerializer(a).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AssignmentUpdateSerializer, responses=AssignmentSerializer)
    def partial_update(self, request, *args, **kwargs):
        assignment = self.get_object()
        v = self._input(AssignmentUpdateSerializer)
        a = assign_service.change_visitor(actor=request.user, assignment=assignment, visitor=v["visitor"])
        return Response(AssignmentSerializer(a).data)

    def perform_destroy(self, instance):
        assign_service.unassign(actor=self.request.user, assignment=instance)

    @extend_schema(request=BulkAssignSerializer, responses={200: AssignmentSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        v = self._input(BulkAssignSerializer)
        done = assign_service.assign(
            actor=request.user,
            campaign=v["campaign"],
            households=v["households"],
            visitor=v["visitor"],
            kind=v["kind"],
            team=v["team"],
            replace=v["replace"],
        )
        return Response(AssignmentSerializer(done, many=True).data)

    @extend_schema(request=BulkAssignSerializer, responses={200: ConflictCheckSerializer})
    @action(detail=False, methods=["post"])
    def check(self, request):
        """What a bulk assignment would break (互不重复), before submitting it."""
        v = self._input(BulkAssignSerializer)
        found = assign_service.check(
            actor=request.user, campaign=v["campaign"], households=v["households"], visitor=v["visitor"], kind=v["kind"]
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
        v = self._input(ProposeSerializer)
        return Response({"created": assign_service.propose_assignments(campaign=v["campaign"], actor=request.user)})


class VisitFilter(django_filters.FilterSet):
    campaign = _id_filter()
    standing = django_filters.BooleanFilter(
        field_name="campaign", lookup_expr="isnull", label="日常走访", help_text="只看（或排除）日常走访"
    )
    household = _id_filter()
    visitor = _id_filter()
    mode = django_filters.ChoiceFilter(choices=VisitMode.choices)
    unit = django_filters.NumberFilter(method="filter_unit", help_text="组织单位ID（含下级）")

    class Meta:
        model = Visit
        fields = ["campaign", "household", "visitor", "too_short", "mode", "standing"]

    def filter_unit(self, qs, name, value):
        # Out of the user's scope is a 404, like a missing unit.
        unit = get_for(self.request.user, OrgUnit, pk=int(value)) if 0 < value <= MAX_ID else None
        return qs.filter(household__grid__path__startswith=unit.path) if unit else qs.none()


@extend_schema(tags=["visits"])
class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    queryset = (
        Visit.objects.select_related("visitor", "household__grid")
        .prefetch_related("photos", "grievances", "co_visitors")
        .order_by("-visited_at")
    )
    serializer_class = VisitSerializer
    object_actions = {"photos": "edit"}
    filterset_class = VisitFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(request=VisitInputSerializer, responses={201: VisitSerializer, 200: VisitSerializer})
    def create(self, request):
        data = VisitInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        v = data.validated_data
        photos = request.FILES.getlist("photos")
        visit, created = services.record_visit(
            actor=request.user,
            household=v["household"],
            client_id=v["client_id"],
            visited_at=v["visited_at"],
            duration_minutes=v["duration_minutes"],
            mode=v["mode"],
            mode_reason=v["mode_reason"],
            answers=v["answers"],
            notes=v["notes"],
            campaign=v.get("campaign"),
            standing=v["standing"],
            co_visitors=v["co_visitors"],
            photos=photos,
            grievances=v["grievances"],
            location={k: v[k] for k in ("latitude", "longitude", "accuracy_m")},
            repeat_ok=v["confirm_repeat"],
        )
        if created:
            # Just written by this user, with the household (and grid) the body named: only the
            # related rows this request gave are read back; the others are known to be none.
            given = {"photos": photos, "grievances": v["grievances"], "co_visitors": v["co_visitors"]}
            prefetch_related_objects(
                [visit],
                *(name if rows else Prefetch(name, queryset=_none_of(name)) for name, rows in given.items()),
            )
        else:
            visit = self.get_queryset().get(pk=visit.pk)
        return Response(VisitSerializer(visit).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY}
    )
    @action(detail=False, methods=["get"])
    def ledger(self, request):
        """The visits (with the list's filters) as seed 002's 入户走访台账 (附件1), an Excel file."""
        return visit_ledger_response(request, self.filter_queryset(self.get_queryset()))

    @extend_schema(request={"multipart/form-data": PhotoUploadSerializer}, responses={201: VisitSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def photos(self, request, pk=None):
        visit = self.get_object()
        upload = request.FILES.get("image")
        if upload is None:
            raise InvalidInput("请选择照片", fields={"image": ["请选择照片"]})
        services.add_photo(actor=request.user, visit=visit, upload=upload)
        return Response(VisitSerializer(self.get_queryset().get(pk=visit.pk)).data, status=status.HTTP_201_CREATED)


def _none_of(relation):
    """A queryset of a visit's `relation` that reads nothing (Django answers it without a query)."""
    return Visit._meta.get_field(relation).related_model.objects.none()


def visit_ledger_response(request, qs):
    """The download of the 入户走访台账, traced and recorded on the audit trail like every export."""
    from audit.exports import xlsx_download

    from .excel import visit_ledger_sheets

    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    return xlsx_download(
        request,
        visit_ledger_sheets(qs),
        export="visit_ledger",
        filename_zh=f"入户走访台账-{stamp}.xlsx",
        filename_ascii=f"visits-{stamp}.xlsx",
    )


class EventReportFilter(django_filters.FilterSet):
    household = _id_filter()
    campaign = _id_filter()
    unit = _id_filter()
    area = django_filters.BooleanFilter(
        field_name="household", lookup_expr="isnull", label="区域事项", help_text="只看不涉及农户的区域事项"
    )

    class Meta:
        model = EventReport
        fields = ["household", "kind", "campaign", "unit", "area"]


@extend_schema(tags=["visits"])
@extend_schema_view(create=extend_schema(responses={201: EventReportSerializer, 200: EventReportSerializer}))
class EventReportViewSet(
    ReplayCreateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedGenericViewSet
):
    """十必报. A create with a `client_id` already used answers the first report with 200."""

    queryset = EventReport.objects.order_by("-reported_at")
    serializer_class = EventReportSerializer
    filterset_class = EventReportFilter

    def perform_create(self, serializer):
        v = serializer.validated_data
        serializer.instance = services.report_event(
            actor=self.request.user,
            household=v.get("household"),
            unit=v.get("unit"),
            kind=v["kind"],
            description=v["description"],
            to_grievance=v.get("to_grievance", False),
            category=v.get("category"),
            client_id=v.get("client_id"),
        )


@extend_schema(tags=["visits"])
class CoverageView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("campaign", OpenApiTypes.INT), OpenApiParameter("unit", OpenApiTypes.INT)],
        responses=CoverageSerializer,
    )
    def get(self, request):
        user = request.user
        query = CoverageQuery(request.query_params)
        if not query.is_valid():
            raise translate_validation(query.errors)  # the same 400 as a list's filters
        pk = query.cleaned_data
        campaign = get_for(user, Campaign, pk=pk["campaign"]) if pk["campaign"] is not None else None
        campaign = campaign or current_campaign(request)
        if campaign is None:
            raise InvalidInput("没有可查看的走访活动", code="no_campaign")
        unit = get_for(user, OrgUnit, pk=pk["unit"]) if pk["unit"] is not None else None
        data = selectors.coverage(user, campaign, unit)
        data["campaign"] = campaign
        return Response(CoverageSerializer(data).data)


class PairingFilter(django_filters.FilterSet):
    household = _id_filter()

    class Meta:
        model = Pairing
        fields = ["household", "supporter_kind"]


@extend_schema(tags=["pairings"])
class PairingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedGenericViewSet,
):
    """帮扶千千结: who supports which household. Everyone in the subtree reads; its office writes."""

    queryset = Pairing.objects.select_related("household").annotate(records_count=Count("records"))
    serializer_class = PairingSerializer
    object_actions = {"update": "edit", "partial_update": "edit"}
    filterset_class = PairingFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        return PairingUpdateSerializer if self.action in ("update", "partial_update") else PairingSerializer

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).order_by("household_id", "start_date", "id")

    def perform_create(self, serializer):
        v = dict(serializer.validated_data)
        serializer.instance = services.create_pairing(actor=self.request.user, household=v.pop("household"), **v)

    def perform_update(self, serializer):
        serializer.instance = services.update_pairing(
            actor=self.request.user, pairing=serializer.instance, **serializer.validated_data
        )

    @extend_schema(
        responses=PairingCoverageSerializer,
        parameters=[OpenApiParameter("org_unit", OpenApiTypes.INT, description="只统计该单位以下")],
    )
    @action(detail=False, methods=["get"])
    def coverage(self, request):
        """Hardship households in scope and how many have a running pairing."""
        unit = None
        raw = request.query_params.get("org_unit")
        if raw:
            unit = get_for(request.user, OrgUnit, pk=raw)
        return Response(PairingCoverageSerializer(selectors.pairing_coverage(request.user, unit)).data)


class SupportRecordFilter(django_filters.FilterSet):
    pairing = _id_filter()

    class Meta:
        model = SupportRecord
        fields = ["pairing", "kind"]


@extend_schema(tags=["pairings"])
@extend_schema_view(create=extend_schema(responses={201: SupportRecordSerializer, 200: SupportRecordSerializer}))
class SupportRecordViewSet(
    ReplayCreateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedGenericViewSet
):
    """帮扶记录. A create with a `client_id` already used answers the first record with 200."""

    queryset = SupportRecord.objects.order_by("-date", "-id")
    serializer_class = SupportRecordSerializer
    filterset_class = SupportRecordFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def perform_create(self, serializer):
        v = dict(serializer.validated_data)
        serializer.instance = services.record_support(actor=self.request.user, pairing=v.pop("pairing"), **v)
