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
from campaigns.models import Campaign, OrgUnit, User
from campaigns.pagination import Pagination
from campaigns.services import enqueue_now
from visits.serializers import RevealSerializer

from . import board, excel, followups, handoff, petitions, selectors, services, workflow
from .filters import LedgerFilter
from .models import (
    BoardPoster,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Grievance,
    GrievanceCategory,
    ImportJob,
    NoticeLog,
    Publication,
    Reception,
    ReceptionKind,
    ReceptionVisitor,
    SweepRun,
)
from .serializers import (
    BoardPosterCreateSerializer,
    BoardPosterSerializer,
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
    PetitionFlagsSerializer,
    PublicationCreateSerializer,
    PublicationSerializer,
    PublicationTextSerializer,
    PublicationWithdrawSerializer,
    ReceptionSerializer,
    ReceptionVisitorSerializer,
    ReceptionVisitorWriteSerializer,
    ReceptionWriteSerializer,
    RecordSerializer,
    ReporterPhoneSerializer,
    SupervisionSerializer,
    SweepRunSerializer,
    TransitionOptionSerializer,
    TransitionRequestSerializer,
    TypicalSerializer,
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

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        # Over COUNT_CAP matches, `count` is COUNT_CAP + 1 and means "more than COUNT_CAP".
        response.data["count_capped"] = self.page.paginator.capped
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_capped"] = {
            "type": "boolean",
            "description": f"为 true 时实际条数超过 {selectors.COUNT_CAP}，count 为 {selectors.COUNT_CAP + 1}",
        }
        return schema


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
    object_actions = {
        "partial_update": "edit",
        "update": "edit",
        "merge": "merge",
        "reveal": "reveal_phone",
        "typical": "mark_typical",
        "petition": "flag_petition",
    }
    throttle_scopes = {"export": "export", "handoff": "export"}

    def filter_queryset(self, queryset):
        """The scoped queryset with its deadlines annotated; the list and the export take the
        ledger's filters too (LedgerFilter annotates on its way)."""
        if self.action in ("list", "export", "handoff"):
            return super().filter_queryset(queryset)
        return selectors.ledger(self.request.user, qs=queryset)

    def list(self, request, *args, **kwargs):
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(GrievanceSerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        g = self.get_object()
        return Response(GrievanceSerializer(g).data)

    @extend_schema(
        request=GrievanceCreateSerializer, responses={201: GrievanceCreatedSerializer, 200: GrievanceCreatedSerializer}
    )
    def create(self, request, *args, **kwargs):
        """Register an entry; a repeat with the same `client_id` answers the first one with 200."""
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
            urgent=v.get("urgent", False),
            client_id=v.get("client_id"),
        )
        replayed = g.replayed
        g = selectors.ledger(request.user).get(pk=g.pk)
        g.duplicates = selectors.similar_entries(
            campaign=g.campaign,
            unit=g.unit,
            content=g.content,
            household=g.household,
            exclude=g.pk,
            user=request.user,
        )
        code = status.HTTP_200_OK if replayed else status.HTTP_201_CREATED
        return Response(GrievanceCreatedSerializer(g).data, status=code)

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

    @extend_schema(request=RevealSerializer, responses=ReporterPhoneSerializer)
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """The reporter's whole phone, to call back, for a reason (回访, 核实身份, 办理需要, 其他);
        audited, and counted with the households' reveals against the hourly limit."""
        g = self.get_object()
        data = RevealSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(services.reveal_reporter_phone(actor=request.user, grievance=g, **data.validated_data))

    @extend_schema(request=TypicalSerializer, responses=GrievanceSerializer)
    @action(detail=True, methods=["post"])
    def typical(self, request, pk=None):
        """Mark a solved entry (closed ones too) as a typical case for the summary, or unmark it."""
        g = self.get_object()
        data = TypicalSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.mark_typical(actor=request.user, grievance=g, typical=data.validated_data["is_typical"])
        return Response(GrievanceSerializer(_fresh(request, g.pk)).data)

    @extend_schema(request=PetitionFlagsSerializer, responses=GrievanceSerializer)
    @action(detail=True, methods=["post"])
    def petition(self, request, pk=None):
        """Mark the entry a long-standing (积案) or level-skipping (越级) petition case, or settled
        (息访); a field left out keeps its mark."""
        g = self.get_object()
        data = PetitionFlagsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        petitions.flag_petition(actor=request.user, grievance=g, **data.validated_data)
        return Response(GrievanceSerializer(_fresh(request, g.pk)).data)

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
        filterset = LedgerFilter(
            request.query_params, Grievance.objects.actionable_by(request.user, "export"), request=request
        )
        if not filterset.is_valid():
            raise django_filters.utils.translate_validation(filterset.errors)
        return export_response(request, filterset.qs, filterset.covers())

    @extend_schema(
        filters=True,
        responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY},
        description="移交12345平台的工单批次（Excel），按台账筛选条件",
    )
    @action(detail=False, methods=["get"])
    def handoff(self, request):
        return handoff_response(request, self.filter_queryset(Grievance.objects.actionable_by(request.user, "export")))


def _fresh(request, pk):
    """The entry as it is now, annotated. An escalation may take it out of the caller's sight: the
    caller still gets the answer to what they just did."""
    g = selectors.ledger(request.user).filter(pk=pk).first()
    if g is None:
        g = selectors.annotate_deadlines(Grievance.objects.select_related("unit", "handling_unit")).get(pk=pk)
    return g


def handoff_response(request, qs):
    """The hand-off batch for the 12345 platform as a download, traced and audited."""
    from audit.exports import xlsx_download

    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    return xlsx_download(
        request,
        [handoff.handoff_sheet(qs)],
        export="grievances.handoff",
        filename_zh=f"移交12345工单-{stamp}.xlsx",
        filename_ascii=f"handoff-{stamp}.xlsx",
    )


def export_response(request, qs, covers: str = ""):
    """The ledger export as a download, traced and audited, written to a temporary file first and
    streamed from disk; `covers` (unit, dates, filters) is the title's second line."""
    from audit.exports import xlsx_download

    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    return xlsx_download(
        request,
        [excel.export_sheet(qs, covers=covers)],
        export="grievances.ledger",
        filename_zh=f"问题整改台账-{stamp}.xlsx",
        filename_ascii=f"ledger-{stamp}.xlsx",
    )


class ImportViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """Upload an offline ledger: a preview of every row and every error; confirm creates all or none."""

    queryset = ImportJob.objects.all()
    serializer_class = LedgerImportJobSerializer
    throttle_scopes = {"create": "import"}
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]
    object_actions = {"confirm": "confirm", "retry": "confirm"}

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

    @extend_schema(request=None, responses={202: LedgerImportJobSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """重试: check a failed upload again from its stored file (202, then poll)."""
        job = excel.retry_import(actor=request.user, job=self.get_object())
        return Response(LedgerImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


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

        enqueue_now(sweep_deadlines)
        return Response({"queued": True}, status=202)


PETITION_FLAGS = [("backlog", "信访积案"), ("skipped_level", "越级信访")]


class SupervisionFilter(django_filters.FilterSet):
    flag = django_filters.ChoiceFilter(
        choices=PETITION_FLAGS, method="filter_flag", help_text="只列信访积案（backlog）或越级信访（skipped_level）"
    )

    class Meta:
        model = NoticeLog
        fields = ["flag"]

    def filter_flag(self, qs, name, value):
        return qs.filter(grievance__in=petitions.flagged(Grievance.objects.all(), value))


class PetitionCaseQuerySerializer(serializers.Serializer):
    flag = serializers.ChoiceField(choices=PETITION_FLAGS, required=False, help_text="backlog 积案；skipped_level 越级")


class SupervisionListViewSet(ScopedReadOnlyViewSet):
    """The upper level's supervision list (督办清单): entries overdue by M working days or more.
    The same "supervise" rule as the page: who holds none of its roles gets a 403 on both."""

    queryset = NoticeLog.objects.all()
    serializer_class = SupervisionSerializer
    permission_classes = [permissions.IsAuthenticated, HoldsRule]
    required_rule = (NoticeLog, "supervise")

    filterset_class = SupervisionFilter
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self):
        # The selector's rows (listed, still overdue, still open) under the "supervise" rule, which
        # narrows visible_to: exactly what the page lists.
        return selectors.supervision_list(self.request.user)

    @extend_schema(filters=False, parameters=[PetitionCaseQuerySerializer], responses=GrievanceSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="petition-cases", filter_backends=[])
    def petition_cases(self, request):
        """Open entries watched as long-standing (积案) or level-skipping (越级) petition cases, overdue
        or not; `?flag=backlog` or `?flag=skipped_level` keeps one kind."""
        q = PetitionCaseQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        qs = selectors.annotate_deadlines(petitions.petition_cases(request.user, q.validated_data.get("flag")))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(GrievanceSerializer(page, many=True).data)


class PublicationFilter(django_filters.FilterSet):
    unit = ScopedModelChoiceFilter(queryset=OrgUnit.objects.all(), help_text="社区/村编号")
    on_board = django_filters.BooleanFilter(field_name="withdrawn_at", lookup_expr="isnull", help_text="仍在公开栏中")

    class Meta:
        model = Publication
        fields = ["unit", "on_board"]


@extend_schema(tags=["public board"])
class PublicationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedGenericViewSet,
):
    """The public board's entries (公开栏): publish an entry, write and approve its public texts,
    withdraw it. The board's own page is /public/<community code>/."""

    queryset = Publication.objects.select_related("unit", "grievance__category")
    serializer_class = PublicationSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = PublicationFilter
    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["get", "post", "patch", "head", "options"]
    object_actions = {"partial_update": "publish", "approve_text": "publish", "withdraw": "publish"}

    @extend_schema(request=PublicationCreateSerializer, responses={201: PublicationSerializer})
    def create(self, request, *args, **kwargs):
        data = self.get_serializer_class_for(PublicationCreateSerializer, request.data)
        p = board.publish(actor=request.user, **data)
        return Response(PublicationSerializer(self.get_queryset().get(pk=p.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PublicationTextSerializer, responses=PublicationSerializer)
    def partial_update(self, request, *args, **kwargs):
        p = self.get_object()
        data = self.get_serializer_class_for(PublicationTextSerializer, request.data)
        board.edit_text(
            actor=request.user,
            publication=p,
            summary=data.get("summary", p.summary),
            outcome=data.get("outcome", p.outcome),
        )
        return Response(PublicationSerializer(self.get_queryset().get(pk=p.pk)).data)

    @extend_schema(request=None, responses=PublicationSerializer)
    @action(detail=True, methods=["post"], url_path="approve-text")
    def approve_text(self, request, pk=None):
        p = board.approve_text(actor=request.user, publication=self.get_object())
        return Response(PublicationSerializer(self.get_queryset().get(pk=p.pk)).data)

    @extend_schema(request=PublicationWithdrawSerializer, responses=PublicationSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        p = self.get_object()
        data = self.get_serializer_class_for(PublicationWithdrawSerializer, request.data)
        board.withdraw(actor=request.user, publication=p, reason=data.get("reason", ""))
        return Response(PublicationSerializer(self.get_queryset().get(pk=p.pk)).data)

    def get_serializer_class_for(self, cls, data):
        s = cls(data=data, context=self.get_serializer_context())
        s.is_valid(raise_exception=True)
        return s.validated_data


@extend_schema(tags=["public board"])
class BoardPosterViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedGenericViewSet
):
    """A3 posters of a community's board with a QR code to its page: create (202), poll, download."""

    queryset = BoardPoster.objects.select_related("unit")
    serializer_class = BoardPosterSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["unit", "status"]

    @extend_schema(request=BoardPosterCreateSerializer, responses={202: BoardPosterSerializer})
    def create(self, request, *args, **kwargs):
        data = BoardPosterCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        job = board.request_poster(actor=request.user, unit=data.validated_data["unit"])
        job.refresh_from_db()
        return Response(BoardPosterSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, 409: OpenApiResponse(description="海报尚未生成完成")}
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):

        job = self.get_object()
        if job.status != BoardPoster.State.DONE or not job.file:
            return Response({"code": "not_ready", "detail": "海报尚未生成完成，请稍后再下载"}, status=409)
        from audit.exports import pdf_download

        return pdf_download(request, job, kind="grievances.board_poster", filename=f"{job.unit.name}公开栏海报.pdf")

    @extend_schema(request=None, responses={202: BoardPosterSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """重试: render a failed poster again (202, then poll)."""
        job = board.retry_poster(actor=request.user, job=self.get_object())
        return Response(BoardPosterSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ReceptionFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ReceptionKind.choices)
    unit = ScopedModelChoiceFilter(queryset=OrgUnit.objects.all(), method="filter_unit", help_text="单位（含下级）")
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", help_text="日期起")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", help_text="日期止")
    leader = ScopedModelChoiceFilter(queryset=User.objects.all(), help_text="接访领导")

    class Meta:
        model = Reception
        fields = ["kind", "unit", "leader"]

    def filter_unit(self, qs, name, value):
        return qs.filter(unit__path__startswith=value.path)


@extend_schema(tags=["petitions"])
class ReceptionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedGenericViewSet,
):
    """Leaders' reception days (接访), appointments (约访) and visits taking a case down (带案下访),
    each with its register (`visitors`, written through /api/reception-visitors/)."""

    queryset = Reception.objects.select_related("unit", "leader").prefetch_related("visitors__grievance")
    serializer_class = ReceptionSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ReceptionFilter
    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["get", "post", "patch", "head", "options"]
    object_actions = {"partial_update": "manage", "update": "manage"}

    def _answer(self, pk, code=status.HTTP_200_OK):
        return Response(ReceptionSerializer(self.get_queryset().get(pk=pk)).data, status=code)

    @extend_schema(request=ReceptionWriteSerializer, responses={201: ReceptionSerializer})
    def create(self, request, *args, **kwargs):
        data = ReceptionWriteSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        r = petitions.create_reception(actor=request.user, **data.validated_data)
        return self._answer(r.pk, status.HTTP_201_CREATED)

    @extend_schema(request=ReceptionWriteSerializer(partial=True), responses=ReceptionSerializer)
    def partial_update(self, request, *args, **kwargs):
        r = self.get_object()
        data = ReceptionWriteSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        petitions.update_reception(actor=request.user, reception=r, **data.validated_data)
        return self._answer(r.pk)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)


class ReceptionVisitorFilter(django_filters.FilterSet):
    reception = ScopedModelChoiceFilter(queryset=Reception.objects.all(), help_text="接访编号")
    grievance = ScopedModelChoiceFilter(queryset=Grievance.objects.all(), help_text="台账条目编号")

    class Meta:
        model = ReceptionVisitor
        fields = ["reception", "grievance"]


@extend_schema(tags=["petitions"])
class ReceptionVisitorViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedGenericViewSet,
):
    """The register of a reception: who came (or was booked, or whose case was taken down), about
    what, the ledger entry of the matter and the outcome."""

    queryset = ReceptionVisitor.objects.select_related("grievance")
    serializer_class = ReceptionVisitorSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ReceptionVisitorFilter
    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["get", "post", "patch", "head", "options"]
    object_actions = {"partial_update": "manage", "update": "manage"}

    @extend_schema(request=ReceptionVisitorWriteSerializer, responses={201: ReceptionVisitorSerializer})
    def create(self, request, *args, **kwargs):
        data = ReceptionVisitorWriteSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        v = petitions.add_visitor(actor=request.user, **data.validated_data)
        return Response(ReceptionVisitorSerializer(v).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReceptionVisitorWriteSerializer(partial=True), responses=ReceptionVisitorSerializer)
    def partial_update(self, request, *args, **kwargs):
        visitor = self.get_object()
        data = ReceptionVisitorWriteSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "reception" in fields:
            raise InvalidInput("登记不能移到另一次接访", fields={"reception": ["登记不能移到另一次接访"]})
        petitions.update_visitor(actor=request.user, visitor=visitor, **fields)
        return Response(ReceptionVisitorSerializer(self.get_queryset().get(pk=visitor.pk)).data)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)
