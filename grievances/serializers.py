"""Input and output shapes of the ledger API: entries, imports, look-back tasks, sweeps, supervision."""

from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.api_base import MAX_ID, ClientIdField, ScopedRelatedField
from campaigns.lib.imports import ImportStatus
from campaigns.lib.masking import mask_phone
from campaigns.lib.uploads import UploadValidator
from campaigns.models import Campaign, OrgUnit, User, VisitMode

from .choices import Kind, Source, Tier
from .models import (
    BoardPoster,
    FollowUp,
    Grievance,
    GrievanceCategory,
    GrievanceEvent,
    ImportJob,
    NoticeLog,
    Publication,
    Reception,
    ReceptionKind,
    ReceptionVisitor,
    Satisfaction,
    SweepRun,
)

# The ledger points at visits by name only (visits imports the ledger to register what it hears).
Household = apps.get_model("visits", "Household")


# A request body: a field it does not declare is refused, never silently dropped, so that status,
# deadlines, the handling unit or who registered an entry cannot ride along. (Comments, not
# docstrings, on these classes: the API schema would publish a docstring as the body's description.)
class WriteSerializer(serializers.Serializer):
    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            extra = sorted(set(data.keys()) - set(self.fields))
            if extra:
                raise serializers.ValidationError({key: ["该字段不能在此修改"] for key in extra})
        return super().to_internal_value(data)


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = GrievanceCategory
        fields = ["id", "code", "name", "parent", "default_department"]


class GrievanceSerializer(serializers.ModelSerializer):
    overdue = serializers.BooleanField(read_only=True, default=False)
    plan_overdue = serializers.BooleanField(read_only=True, default=False)
    remaining_days = serializers.IntegerField(read_only=True, allow_null=True, default=None)
    plan_remaining_days = serializers.IntegerField(read_only=True, allow_null=True, default=None)
    handling_unit = serializers.PrimaryKeyRelatedField(read_only=True)
    handling_unit_name = serializers.CharField(source="handling_unit.name", read_only=True, default="")
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    sign_for_overdue = serializers.SerializerMethodField()
    reporter_phone_masked = serializers.SerializerMethodField()

    class Meta:
        model = Grievance
        fields = [
            "id",
            "status",
            "status_label",
            "kind",
            "tier",
            "source",
            "category",
            "category_name",
            "content",
            "reporter_name",
            "household",
            "campaign",
            "unit",
            "unit_name",
            "handling_unit",
            "handling_unit_name",
            "case_owner",
            "registered_at",
            "plan_due_at",
            "due_at",
            "overdue",
            "plan_overdue",
            "remaining_days",
            "plan_remaining_days",
            "deadline_provisional",
            "extension_state",
            "extension_days",
            "proposed_solution",
            "result",
            "resolved_level",
            "satisfaction",
            "merged_into",
            "external_ref",
            "urgent",
            "dispatched_at",
            "sign_for_due_at",
            "signed_for_at",
            "sign_for_overdue",
            "returned_at",
            "return_reason",
            "return_count",
            "pause_state",
            "pause_until",
            "paused_working_days",
            "is_typical",
            "is_backlog",
            "skipped_level",
            "petition_settled_at",
            "reporter_phone_masked",
            "version",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_reporter_phone_masked(self, obj) -> str:
        """The reporter's phone masked; the whole number through POST …/reveal/ (audited)."""
        return mask_phone(obj.reporter_phone)

    def get_sign_for_overdue(self, obj) -> bool:
        """Routed, not signed for (nor returned) and past the sign-for time: flagged."""
        return bool(
            obj.sign_for_due_at
            and obj.signed_for_at is None
            and obj.returned_at is None
            and obj.is_running
            and obj.sign_for_due_at < timezone.now()
        )


# A new entry. Every id resolves through the caller's scope: out of it is the same 400 as a missing
# row. The campaign's territory must also contain the entry's unit (checked by the service, which
# knows the unit once the household is resolved).
class GrievanceCreateSerializer(WriteSerializer):
    content = serializers.CharField()
    kind = serializers.ChoiceField(choices=Kind.choices, default=Kind.PROBLEM)
    category = ScopedRelatedField(queryset=GrievanceCategory.objects.all())
    source = serializers.ChoiceField(choices=Source.choices, default=Source.VISIT)
    tier = serializers.ChoiceField(choices=Tier.choices, default=Tier.GENERAL)
    urgent = serializers.BooleanField(required=False, default=False)
    household = ScopedRelatedField(queryset=Household.objects.all(), required=False, allow_null=True)
    reporter_name = serializers.CharField(required=False, allow_blank=True, max_length=50, default="")
    reporter_phone = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")
    proposed_solution = serializers.CharField(required=False, allow_blank=True, default="")
    campaign = ScopedRelatedField(queryset=Campaign.objects.all(), required=False, allow_null=True)
    # Only a territorial unit the caller may register in: entries belong to a place, not a department.
    unit = ScopedRelatedField(
        queryset=OrgUnit.objects.territorial(), action="register", required=False, allow_null=True
    )
    registered_at = serializers.DateTimeField(required=False, allow_null=True)
    # A client that may send the same create twice (a phone's queue, a retry after a timeout)
    # names it: the same key again answers the first entry with 200.
    client_id = ClientIdField()


class GrievanceCreatedSerializer(GrievanceSerializer):
    duplicates = serializers.SerializerMethodField()

    class Meta(GrievanceSerializer.Meta):
        fields = [*GrievanceSerializer.Meta.fields, "duplicates"]
        read_only_fields = fields

    def get_duplicates(self, obj) -> list[dict]:
        return [
            {"id": g.pk, "content": g.content[:60], "status": g.status, "similarity": g.similarity}
            for g in getattr(obj, "duplicates", [])
        ]


# An edit of the entry's text. `version` is the optimistic lock, never written; status, deadlines,
# routing and the case owner change only through transitions.
class GrievanceUpdateSerializer(WriteSerializer):
    version = serializers.IntegerField(min_value=0, max_value=MAX_ID)
    content = serializers.CharField(required=False)
    category = ScopedRelatedField(queryset=GrievanceCategory.objects.all(), required=False)
    reporter_name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    reporter_phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    proposed_solution = serializers.CharField(required=False, allow_blank=True)
    is_typical = serializers.BooleanField(required=False)
    source = serializers.ChoiceField(choices=Source.choices, required=False)
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)


class TransitionOptionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    required = serializers.ListField(child=serializers.CharField())
    optional = serializers.ListField(child=serializers.CharField())


# One transition. The ids it names depend on the entry (a routing target in its district, a leader
# over its unit, a merge target the caller may merge into): the service resolves them against the
# entry, for the API and the pages alike.
class TransitionRequestSerializer(WriteSerializer):
    name = serializers.CharField()
    version = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=MAX_ID)
    note = serializers.CharField(required=False, allow_blank=True)
    handling_unit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    case_owner = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    proposed_solution = serializers.CharField(required=False)
    result = serializers.CharField(required=False)
    evidence = serializers.ListField(
        child=serializers.FileField(validators=[UploadValidator("evidence", field="evidence", label="佐证材料")]),
        required=False,
    )
    satisfaction = serializers.CharField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    tier = serializers.CharField(required=False)
    days = serializers.IntegerField(required=False)
    into = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    until = serializers.DateField(required=False)


class MergeRequestSerializer(WriteSerializer):
    sources = ScopedRelatedField(queryset=Grievance.objects.all(), action="merge", many=True, allow_empty=False)
    version = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=MAX_ID)
    note = serializers.CharField(required=False, allow_blank=True)

    def validate_sources(self, value):
        if len(value) > 500:
            raise serializers.ValidationError("一次最多合并500条")
        return value


class EventSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.display_name", read_only=True, default="")

    class Meta:
        model = GrievanceEvent
        fields = [
            "id",
            "grievance",
            "action",
            "from_status",
            "to_status",
            "note",
            "data",
            "actor",
            "actor_name",
            "created_at",
        ]


class LedgerUploadSerializer(WriteSerializer):
    file = serializers.FileField()


# What `state` says: the ledger import's own words from before its jobs shared one design.
LEDGER_IMPORT_STATES = [("pending", "校验中"), ("preview", "待确认"), ("done", "已导入"), ("failed", "有错误")]


class LedgerImportJobSerializer(serializers.ModelSerializer):
    # Read-only aliases under this endpoint's earlier names, still sent for the clients that read
    # them: file_name (original_name), state (see get_state), created_count (entries created, 0
    # until done), confirmed_at (finished_at of a job that is done).
    file_name = serializers.CharField(source="original_name", read_only=True)
    state = serializers.SerializerMethodField()
    created_count = serializers.SerializerMethodField()
    confirmed_at = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "status",
            "original_name",
            "total_rows",
            "to_create",
            "rows",
            "errors",
            "error_count",
            "progress",
            "message",
            "created_at",
            "finished_at",
            "file_name",
            "state",
            "created_count",
            "confirmed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=LEDGER_IMPORT_STATES))
    def get_state(self, job) -> str:
        """failed: problems were found (or the job failed); preview: it may be confirmed (a second
        confirm of one being written does nothing); pending: not checked yet."""
        if job.status == ImportStatus.FAILED or job.error_count:
            return "failed"
        if job.status == ImportStatus.DONE:
            return "done"
        return "preview" if job.status in (ImportStatus.READY, ImportStatus.CONFIRMING) else "pending"

    def get_created_count(self, job) -> int:
        return job.to_create if job.status == ImportStatus.DONE else 0

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_confirmed_at(self, job) -> str | None:
        if job.status != ImportStatus.DONE or job.finished_at is None:
            return None
        return self.fields["finished_at"].to_representation(job.finished_at)


class FollowUpSerializer(serializers.ModelSerializer):
    household_name = serializers.CharField(source="household.head_name", default="", read_only=True)
    address = serializers.CharField(source="household.address", default="", read_only=True)
    content = serializers.CharField(source="grievance.content", default="", read_only=True)
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "overdue",
            "kind",
            "grievance",
            "household",
            "household_name",
            "address",
            "content",
            "campaign",
            "assignee",
            "due_at",
            "status",
            "mode",
            "solved",
            "satisfaction",
            "notes",
            "new_needs",
            "recorded_at",
        ]
        read_only_fields = fields


class RecordSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=VisitMode.choices)
    solved = serializers.BooleanField()
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    new_needs = serializers.ListField(child=serializers.CharField(allow_blank=True), required=False, default=list)
    client_id = ClientIdField()


class SweepRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = SweepRun
        fields = [
            "id",
            "kind",
            "as_of",
            "started_at",
            "finished_at",
            "interrupted_at",
            "counts",
            "queries",
            "failures",
            "error",
        ]
        read_only_fields = fields


class _RevealedReporterSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()


class ReporterPhoneSerializer(serializers.Serializer):
    reporter_name = serializers.CharField()
    reporter_phone = serializers.CharField(help_text="反映人完整电话")
    reporters = _RevealedReporterSerializer(many=True, help_text="合并后各反映人的电话")


class TypicalSerializer(serializers.Serializer):
    is_typical = serializers.BooleanField(help_text="是否作为典型案例")


class SupervisionSerializer(serializers.ModelSerializer):
    """One entry of the supervision list: `deadline`/`due_at` are the deadline it was first listed
    for; `plan_due_at` and `resolution_due_at` are the entry's two deadlines as they stand."""

    content = serializers.CharField(source="grievance.content", read_only=True)
    unit = serializers.CharField(source="grievance.unit", read_only=True)
    handling_unit = serializers.CharField(source="grievance.handling_unit", default="", read_only=True)
    plan_due_at = serializers.DateTimeField(source="grievance.plan_due_at", read_only=True, allow_null=True)
    resolution_due_at = serializers.DateTimeField(source="grievance.due_at", read_only=True, allow_null=True)
    plan_overdue_days = serializers.IntegerField(read_only=True, allow_null=True, help_text="方案期限超期工作日")
    due_overdue_days = serializers.IntegerField(read_only=True, allow_null=True, help_text="办结期限超期工作日")
    overdue_working_days = serializers.IntegerField(read_only=True, help_text="超期工作日（两个期限中较多者）")
    bulletined = serializers.BooleanField(read_only=True, help_text="已向上一级通报")
    is_backlog = serializers.BooleanField(source="grievance.is_backlog", read_only=True, help_text="信访积案")
    skipped_level = serializers.BooleanField(source="grievance.skipped_level", read_only=True, help_text="越级信访")
    url = serializers.SerializerMethodField(help_text="问题详情页")

    class Meta:
        model = NoticeLog
        fields = [
            "id",
            "grievance",
            "content",
            "unit",
            "handling_unit",
            "deadline",
            "due_at",
            "plan_due_at",
            "resolution_due_at",
            "plan_overdue_days",
            "due_overdue_days",
            "overdue_working_days",
            "bulletined",
            "is_backlog",
            "skipped_level",
            "created_at",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return reverse("grievances:detail", args=[obj.grievance_id])


class PublicationSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    category = serializers.CharField(source="grievance.category.name", read_only=True)
    grievance_status = serializers.CharField(source="grievance.status", read_only=True)
    on_board = serializers.BooleanField(read_only=True)
    text_approved = serializers.BooleanField(read_only=True)

    class Meta:
        model = Publication
        fields = [
            "id",
            "grievance",
            "unit",
            "unit_name",
            "unit_code",
            "category",
            "grievance_status",
            "summary",
            "outcome",
            "text_approved",
            "text_approved_at",
            "published_at",
            "on_board",
            "withdrawn_at",
            "withdraw_reason",
        ]
        read_only_fields = fields


# Put an entry on its community's board: the entry by id through the "publish" rule.
class PublicationCreateSerializer(WriteSerializer):
    grievance = ScopedRelatedField(queryset=Grievance.objects.all(), action="publish", help_text="问题编号")
    summary = serializers.CharField(
        required=False, allow_blank=True, max_length=500, help_text="公开摘要（审核后显示）"
    )
    outcome = serializers.CharField(
        required=False, allow_blank=True, max_length=500, help_text="公开办理结果（审核后显示）"
    )


# Change the public texts; a change takes the approval back.
class PublicationTextSerializer(WriteSerializer):
    summary = serializers.CharField(required=False, allow_blank=True, max_length=500)
    outcome = serializers.CharField(required=False, allow_blank=True, max_length=500)


class PublicationWithdrawSerializer(WriteSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="撤下理由")


class BoardPosterSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = BoardPoster
        fields = ["id", "unit", "unit_name", "status", "progress", "error", "created_at", "finished_at"]
        read_only_fields = fields


# Queue the A3 poster of a community's board.
class BoardPosterCreateSerializer(WriteSerializer):
    unit = ScopedRelatedField(
        queryset=OrgUnit.objects.filter(level="community"), action="publish", help_text="社区/村编号"
    )


# --- The petition cycle (信访): 接访, 约访, 带案下访, and the entry's 积案/越级/息访 marks ------------


class ReceptionVisitorSerializer(serializers.ModelSerializer):
    grievance_content = serializers.CharField(source="grievance.content", default="", read_only=True)

    class Meta:
        model = ReceptionVisitor
        fields = ["id", "reception", "name", "matter", "grievance", "grievance_content", "outcome", "created_at"]
        read_only_fields = fields


class ReceptionSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    leader_name = serializers.CharField(source="leader.display_name", read_only=True)
    visitors = ReceptionVisitorSerializer(many=True, read_only=True)

    class Meta:
        model = Reception
        fields = [
            "id",
            "kind",
            "kind_label",
            "unit",
            "unit_name",
            "leader",
            "leader_name",
            "date",
            "place",
            "note",
            "visitors",
            "created_at",
        ]
        read_only_fields = fields


# A reception day, an appointment or a visit down. Ids resolve through the caller's scope; the
# service checks the caller may record it in the unit and the leader leads the unit or one above.
class ReceptionWriteSerializer(WriteSerializer):
    kind = serializers.ChoiceField(choices=ReceptionKind.choices, default=ReceptionKind.RECEPTION)
    unit = ScopedRelatedField(queryset=OrgUnit.objects.all(), help_text="单位编号")
    leader = ScopedRelatedField(queryset=User.objects.all(), required=False, help_text="接访领导（默认本人）")
    date = serializers.DateField()
    place = serializers.CharField(required=False, allow_blank=True, max_length=100)
    note = serializers.CharField(required=False, allow_blank=True)


class ReceptionVisitorWriteSerializer(WriteSerializer):
    reception = ScopedRelatedField(queryset=Reception.objects.all(), action="manage", help_text="接访编号")
    name = serializers.CharField(max_length=50, help_text="来访人（约访对象）")
    matter = serializers.CharField(help_text="反映事项")
    grievance = ScopedRelatedField(
        queryset=Grievance.objects.all(), required=False, allow_null=True, help_text="关联的台账条目（带案下访必填）"
    )
    outcome = serializers.CharField(required=False, allow_blank=True, help_text="处理结果")


class PetitionFlagsSerializer(WriteSerializer):
    is_backlog = serializers.BooleanField(required=False, help_text="信访积案")
    skipped_level = serializers.BooleanField(required=False, help_text="越级信访")
    settled = serializers.BooleanField(required=False, help_text="息访（true 记为今日息访，false 撤销）")
