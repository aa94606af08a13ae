"""The ledger API: list/create/update, transitions, merge, Excel export and import; look-back tasks,
sweep runs and the supervision list."""

import django_filters
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from campaigns.api_base import HoldsRule, ScopedGenericViewSet, ScopedModelChoiceFilter, ScopedReadOnlyViewSet
from campaigns.errors import InvalidInput
from campaigns.lib.imports import ImportStatus
from campaigns.lib.xlsx import xlsx_response
from campaigns.models import Campaign
from campaigns.pagination import Pagination

from . import excel, followups, selectors, services, workflow
from .filters import LedgerFilter
from .models import FollowUp, FollowUpKind, FollowUpStatus, Grievance, GrievanceCategory, ImportJob, NoticeLog, SweepRun
from .serializers import (
    CategorySerializer,
    EventSerializer,
    FollowUpSerializer,
    GrievanceCreatedSerializer,
    GrievanceCreateSerializer,
    GrievanceSerializer,
    GrievanceUpdateSerializer,
    LedgerImportJobSerializer,
    LedgerUploadSerializer,
    MergeRequestSerializer,
    RecordSerializer,
    SupervisionSerializer,
    SweepRunSerializer,
    TransitionOptionSerializer,
    TransitionRequestSerializer,
)


class CategoryViewSet(ScopedReadOnlyViewSet):
    """The two-level taxonomy (configuration, visible to every signed-in user)."""

    queryset = GrievanceCategory.objects.order_by("order", "id")
    serializer_class = CategorySerializer
    pagination_class = None


class LedgerPagination(Pagination):
    """Page numbers with the total counted once per filter set until the ledger changes."""

    class django_paginator_class(selectors.CountCachingPaginator, Pagination.django_paginator_class):  # noqa: N801
        pass


@extend_schema_view(retrieve=extend_schema(responses=GrievanceSerializer))
class GrievanceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedGenericViewSet,
):
    queryset = Grievance.objects.all()
    serializer_class = GrievanceSerializer
    pagination_class = LedgerPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = LedgerFilter
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    http_method_names = ["get", "post", "patch", "head", "options"]
    object_actions = {"partial_update": "edit", "update": "edit", "merge": "merge"}

    def filter_queryset(self, queryset):
        """The scoped queryset with its deadlines annotated; the list and the export take the
        ledger's filters too (LedgerFilter annotates on its way)."""
        if self.action in ("list", "export"):
            return super().filter_queryset(queryset)
        return selectors.ledger(self.request.user, qs=queryset)

    def list(self, request, *args, **kwargs):
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(GrievanceSerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        g = self.get_object()
        return Response(GrievanceSerializer(g).data)

    @extend_schema(request=GrievanceCreateSerializer, responses={201: GrievanceCreatedSerializer})
    def create(self, request, *args, **kwargs):
        data = GrievanceCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        household = v.get("household")
        unit = None if household is not None else (v.get("unit") or selectors.own_unit(request.user))
        g = services.register_grievance(
            actor=request.user,
            content=v["content"],
            category=v["category"],
            kind=v["kind"],
            source=v["source"],
            tier=v["tier"],
            household=household,
            unit=unit,
            campaign=v.get("campaign"),
            reporter_name=v.get("reporter_name", ""),
            reporter_phone=v.get("reporter_phone", ""),
            proposed_solution=v.get("proposed_solution", ""),
            registered_at=v.get("registered_at"),
        )
        g = selectors.ledger(request.user).get(pk=g.pk)
        g.duplicates = selectors.similar_entries(
            campaign=g.campaign,
            unit=g.unit,
            content=g.content,
            household=g.household,
            exclude=g.pk,
            user=request.user,
        )
        return Response(GrievanceCreatedSerializer(g).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=GrievanceUpdateSerializer, responses={200: GrievanceSerializer})
    def partial_update(self, request, *args, **kwargs):
        g = self.get_object()
        data = GrievanceUpdateSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        if "version" not in v:
            raise InvalidInput("请提供版本号", fields={"version": ["请提供版本号"]})
        services.update_grievance(actor=request.user, grievance=g, **v)
        return Response(GrievanceSerializer(_fresh(request, g.pk)).data)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(
        methods=["GET"],
        request=None,
        responses=TransitionOptionSerializer(many=True),
        description="当前用户此刻可执行的办理操作",
    )
    @extend_schema(methods=["POST"], request=TransitionRequestSerializer, responses=GrievanceSerializer)
    @action(detail=True, methods=["get", "post"])
    def transitions(self, request, pk=None):
        g = self.get_object()
        if request.method == "GET":
            options = [
                {"name": t.name, "label": t.label, "required": list(t.required), "optional": list(t.optional)}
                for t in workflow.allowed(request.user, g)
            ]
            return Response(TransitionOptionSerializer(options, many=True).data)
        data = TransitionRequestSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "evidence" in request.FILES:
            fields["evidence"] = request.FILES.getlist("evidence")
        name = fields.pop("name")
        version = fields.pop("version", None)
        services.transition(actor=request.user, grievance=g, name=name, version=version, **fields)
        return Response(GrievanceSerializer(_fresh(request, g.pk)).data)

    @extend_schema(request=MergeRequestSerializer, responses=GrievanceSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        survivor = self.get_object()
        data = MergeRequestSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        v = data.validated_data
        services.merge_duplicates(
            actor=request.user,
            survivor=survivor,
            sources=v["sources"],
            version=v.get("version"),
            note=v.get("note", ""),
        )
        return Response(GrievanceSerializer(_fresh(request, survivor.pk)).data)

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        g = self.get_object()
        return Response(EventSerializer(selectors.timeline(g), many=True).data)

    @extend_schema(
        filters=True,
        responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY},
    )
    @action(detail=False, methods=["get"])
    def export(self, request):
        return export_response(self.filter_queryset(Grievance.objects.actionable_by(request.user, "export")))


def _fresh(request, pk):
    """The entry as it is now, annotated. An escalation may take it out of the caller's sight: the
    caller still gets the answer to what they just did."""
    g = selectors.ledger(request.user).filter(pk=pk).first()
    if g is None:
        g = selectors.annotate_deadlines(Grievance.objects.select_related("unit", "handling_unit")).get(pk=pk)
    return g


def export_response(qs):
    """The ledger export as a download, written to a temporary file first and streamed from disk."""
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    return xlsx_response(excel.export_file(qs), f"问题整改台账-{stamp}.xlsx", f"ledger-{stamp}.xlsx")


class ImportViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """Upload an offline ledger: a preview of every row and every error; confirm creates all or none."""

    queryset = ImportJob.objects.all()
    serializer_class = LedgerImportJobSerializer
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]
    object_actions = {"confirm": "confirm"}

    @extend_schema(request={"multipart/form-data": LedgerUploadSerializer}, responses={201: LedgerImportJobSerializer})
    def create(self, request, *args, **kwargs):
        """Upload an offline ledger (.xlsx); its preview runs in the background."""
        data = LedgerUploadSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        job = excel.start_import(actor=request.user, upload=data.validated_data["file"])
        return Response(LedgerImportJobSerializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={
            200: LedgerImportJobSerializer,
            202: LedgerImportJobSerializer,
            400: OpenApiResponse(description="有错误"),
        },
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Register every previewed entry, all or none (202 while it runs, 200 once imported)."""
        job = excel.confirm_import(actor=request.user, job=self.get_object())
        code = status.HTTP_200_OK if job.status == ImportStatus.DONE else status.HTTP_202_ACCEPTED
        return Response(LedgerImportJobSerializer(job).data, status=code)


class FollowUpFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=FollowUpStatus.choices)
    kind = django_filters.ChoiceFilter(choices=FollowUpKind.choices)
    campaign = ScopedModelChoiceFilter(queryset=Campaign.objects.all())

    class Meta:
        model = FollowUp
        fields = ["status", "kind", "campaign"]


class FollowUpViewSet(ScopedReadOnlyViewSet):
    """The caller's look-back tasks (回头看). `?scope=unit` lists those of the caller's units (office)."""

    queryset = FollowUp.objects.select_related("household", "grievance")
    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilter
    object_actions = {"record": "record"}

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action == "list" and self.request.query_params.get("scope") != "unit":
            queryset = queryset.assigned_to(self.request.user)
        return queryset

    @extend_schema(request=RecordSerializer, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        """Record the look-back: satisfied closes the entry, not satisfied reopens it."""
        fu = self.get_object()
        data = RecordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fu = followups.record_followup(actor=request.user, followup=fu, **data.validated_data)
        return Response(FollowUpSerializer(fu).data)


class MayStartSweeps(permissions.BasePermission):
    """Sweeps and their runs cover the whole tree: an admin of every unit, not of one street."""

    def has_permission(self, request, view):
        return SweepRun.objects.may_start(request.user)


class SweepRunViewSet(ScopedReadOnlyViewSet):
    """Background runs for admins of the whole tree; POST run/ starts a deadline sweep now (in the worker)."""

    queryset = SweepRun.objects.all()
    serializer_class = SweepRunSerializer
    permission_classes = [permissions.IsAuthenticated, MayStartSweeps]
    filterset_fields = ["kind"]

    @extend_schema(request=None, responses=inline_serializer("SweepQueued", {"queued": serializers.BooleanField()}))
    @action(detail=False, methods=["post"])
    def run(self, request):
        from .tasks import sweep_deadlines

        sweep_deadlines.delay()
        return Response({"queued": True}, status=202)


class SupervisionListViewSet(ScopedReadOnlyViewSet):
    """The upper level's supervision list (督办清单): entries overdue by M working days or more.
    The same "supervise" rule as the page: who holds none of its roles gets a 403 on both."""

    queryset = NoticeLog.objects.all()
    serializer_class = SupervisionSerializer
    permission_classes = [permissions.IsAuthenticated, HoldsRule]
    required_rule = (NoticeLog, "supervise")

    def get_queryset(self):
        # The selector's rows (listed, still overdue, still open) under the "supervise" rule, which
        # narrows visible_to: exactly what the page lists.
        return selectors.supervision_list(self.request.user)
