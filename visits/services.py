"""Writes of the visits app: households, 一户一策 plans, visits, photos, 十必报 reports, coverage notices."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any, NoReturn

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from campaigns.access import can
from campaigns.calendar import local_date
from campaigns.errors import Conflict, InvalidInput, NotAllowed
from campaigns.lib import imports
from campaigns.models import Campaign, ChecklistItem, Membership, Phase, Role, User, VisitMode
from notifications.models import NotificationKind
from notifications.services import notify

from .choices import EventKind
from .models import (
    OUT_OF_SCOPE,
    UNREGISTRABLE,
    Assignment,
    EventReport,
    HardshipPlan,
    Household,
    ImportJob,
    Visit,
    VisitPhoto,
    co_visitor_choices,
)
from .validators import id_number_error, normalize_id_number, phone_error

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import date, datetime

    from django.core.files.uploadedfile import UploadedFile

    from campaigns.models import OrgUnit
    from grievances.models import GrievanceCategory

PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_SIDE = 1600
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}
VISIT_PHASES = (Phase.VISITING, Phase.LOOKBACK)


# --- households -------------------------------------------------------------------------------
def _clean_household(*, grid: OrgUnit, id_number: str, phone: str) -> tuple[str, str]:
    errors = {}
    id_number = normalize_id_number(id_number or "")
    if id_number and (msg := id_number_error(id_number)):
        errors["id_number"] = [msg]
    phone = (phone or "").strip()
    if phone and (msg := phone_error(phone)):
        errors["phone"] = [msg]
    if grid.level != "grid":
        errors["grid"] = ["农户只能登记到网格"]
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], fields=errors)
    return id_number, phone


@transaction.atomic
def save_household(
    *,
    actor: User,
    household: Household | None = None,
    grid: OrgUnit,
    head_name: str,
    address: str,
    id_number: str = "",
    phone: str = "",
    **fields: Any,
) -> Household:
    """Create or edit a household (rule "edit": office staff and admins of the grid's subtree)."""
    may_edit = household is None or can(actor, "edit", household)
    if not may_edit or not Household.objects.units_for(actor, "edit").filter(pk=grid.pk).exists():
        raise NotAllowed("只有本辖区活动办工作人员可以登记或修改农户")
    categories = fields.pop("categories", None)
    id_number, phone = _clean_household(grid=grid, id_number=id_number, phone=phone)
    key = Household.make_key(id_number=id_number, grid_code=grid.code, address=address, head_name=head_name)
    clash = Household.objects.filter(key=key).exclude(pk=household.pk if household else None).first()
    if clash:
        refuse_duplicate(actor, clash)
    household = household or Household()
    household.grid, household.head_name, household.address = grid, head_name, address
    household.id_number, household.phone, household.key = id_number, phone, key
    for name, value in fields.items():
        setattr(household, name, value)
    try:
        with transaction.atomic():
            household.save()
    except IntegrityError:  # registered meanwhile, perhaps where the actor cannot see it
        raise Conflict(UNREGISTRABLE, code="cannot_register") from None
    if categories is not None:
        household.categories.set(categories)
    return household


def refuse_duplicate(actor: User, existing: Household) -> NoReturn:
    """One record per household (the key is unique). Say so when the actor can see the record;
    elsewhere answer without telling whether it exists (an ID number is personal data)."""
    if Household.objects.visible_to(actor).filter(pk=existing.pk).exists():
        raise Conflict("该户已登记（身份证号或网格、地址、户主姓名相同）", code="duplicate_household")
    raise Conflict(UNREGISTRABLE, code="cannot_register")


@transaction.atomic
def save_hardship_plan(
    *,
    actor: User,
    household: Household,
    situation: str,
    measures: str,
    responsible: str,
    responsible_user: User | None = None,
    review_date: date | None = None,
) -> HardshipPlan:
    """一户一策 for a special-hardship household; marks it as such (rule "plan")."""
    if not can(actor, "plan", household):
        raise NotAllowed("只有本辖区活动办工作人员可以制定一户一策")
    if responsible_user is not None and not User.objects.visible_to(actor).filter(pk=responsible_user.pk).exists():
        raise InvalidInput(OUT_OF_SCOPE, fields={"responsible_user": [OUT_OF_SCOPE]})
    plan, _ = HardshipPlan.objects.update_or_create(
        household=household,
        defaults={
            "situation": situation,
            "measures": measures,
            "responsible": responsible,
            "responsible_user": responsible_user,
            "review_date": review_date,
        },
    )
    if not household.is_hardship:
        household.is_hardship = True
        household.save(update_fields=["is_hardship", "updated_at"])
    return plan


# --- visits ---------------------------------------------------------------------------------------
def campaign_for(household: Household, campaign: Campaign | None = None, *, visitor: User | None = None) -> Campaign:
    """The campaign a record at `household` belongs to: the one given, else the running campaign
    the visitor is assigned to visit it in, else the newest one over its grid."""
    if campaign is None and visitor is not None:
        mine = Assignment.objects.own(visitor, live=True).filter(household=household)
        campaign = Campaign.objects.filter(pk__in=mine.values("campaign_id")).order_by("-year", "-id").first()
    if campaign is None:
        campaign = Campaign.objects.current_for_unit(household.grid)
        if campaign is None:
            raise InvalidInput("该农户所在区域没有进行中的走访活动", code="no_campaign")
    elif not household.grid.path.startswith(campaign.territory.path):
        raise InvalidInput("该农户不在所选活动的区域内", code="wrong_campaign")
    return campaign


def check_photo(upload: UploadedFile) -> Image.Image:
    """Real type and size, not the file name: returns the opened image or raises InvalidInput."""
    if upload.size > PHOTO_MAX_BYTES:
        raise InvalidInput("照片不能超过10MB", code="photo_too_large", fields={"photos": ["照片不能超过10MB"]})
    try:
        upload.seek(0)
        image = Image.open(upload)
        image.verify()  # checks the file's structure; the image must be reopened afterwards
        upload.seek(0)
        image = Image.open(upload)
        fmt = image.format
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        fmt = None
    if fmt not in PHOTO_FORMATS:
        msg = "只能上传JPEG、PNG或WebP格式的照片"
        raise InvalidInput(msg, code="photo_type", fields={"photos": [msg]})
    return image


def store_photo(visit: Visit, image: Image.Image) -> VisitPhoto:
    """Resize on the server (phones send 4000 px photos) and store as JPEG through default_storage."""
    image = ImageOps.exif_transpose(image).convert("RGB")
    image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85, optimize=True)
    photo = VisitPhoto(visit=visit)
    photo.image.save(f"{uuid.uuid4().hex}.jpg", ContentFile(buf.getvalue()), save=True)
    return photo


def record_visit(
    *,
    actor: User,
    household: Household,
    client_id: uuid.UUID,
    visited_at: datetime,
    duration_minutes: int | None,
    mode: str = VisitMode.IN_PERSON,
    mode_reason: str = "",
    answers: Mapping[str, str] | None = None,
    notes: str = "",
    campaign: Campaign | None = None,
    co_visitors: Iterable[User | int] = (),
    photos: Iterable[UploadedFile] = (),
    grievances: Iterable[Mapping[str, Any]] = (),
) -> tuple[Visit, bool]:
    """Log a visit (rule "visit"). The same `client_id` again returns the first visit: (visit, created).

    `co_visitors` (users or ids) must be people `co_visitor_choices()` offers the actor."""
    if not can(actor, "visit", household):
        raise NotAllowed("只有分配走访该户的干部或本辖区活动办工作人员可以录入走访")
    first = Visit.objects.filter(client_id=client_id).first()
    if first is not None:
        return _replay(first, actor)
    campaign = campaign_for(household, campaign, visitor=actor)
    phase = _visit_phase(campaign, visited_at)
    mode_reason = _clean_mode(campaign, mode, mode_reason)
    if duration_minutes is None or duration_minutes < 1 or duration_minutes > 600:
        raise InvalidInput("走访时长应在1到600分钟之间", fields={"duration_minutes": ["走访时长应在1到600分钟之间"]})
    answers = _clean_answers(campaign, answers)
    co = _co_visitors(actor, household, campaign, co_visitors)
    images = [check_photo(p) for p in photos]
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                campaign=campaign,
                household=household,
                visitor=actor,
                client_id=client_id,
                visited_at=visited_at,
                duration_minutes=duration_minutes,
                mode=mode,
                mode_reason=mode_reason,
                answers=answers,
                notes=(notes or "").strip(),
                too_short=duration_minutes < campaign.min_visit_minutes,
                is_followup=phase == Phase.LOOKBACK,
            )
            if co:
                visit.co_visitors.set(co)
            for image in images:
                store_photo(visit, image)
            _register_grievances(actor, household, visit, grievances)
    except IntegrityError:
        # Two submits of the same form raced: the other one won; answer with its visit.
        first = Visit.objects.filter(client_id=client_id).first()
        if first is None:
            raise
        return _replay(first, actor)
    return visit, True


def _visit_phase(campaign: Campaign, visited_at: datetime) -> str:
    """The phase of the campaign a visit falls in: it must be a visiting one, and not in the future."""
    phase = campaign.phase_on(local_date(visited_at))
    if phase not in VISIT_PHASES:
        raise InvalidInput("走访日期不在本次活动的集中走访或整改回头看阶段内", code="out_of_phase")
    if visited_at > timezone.now() + timedelta(minutes=10):
        raise InvalidInput("走访时间不能晚于当前时间", code="future_visit")
    return phase


def _clean_mode(campaign: Campaign, mode: str, mode_reason: str) -> str:
    """Check the visit mode against the campaign; returns the reason to store (none in person)."""
    if mode not in VisitMode.values or mode not in (campaign.allowed_modes or VisitMode.values):
        raise InvalidInput("本次活动不允许该走访方式", code="mode_not_allowed")
    mode_reason = (mode_reason or "").strip()
    if mode != VisitMode.IN_PERSON and not mode_reason:
        msg = "电话、微信、短信走访仅限长期外出等情况，请填写原因"
        raise InvalidInput(msg, code="mode_reason_required", fields={"mode_reason": [msg]})
    return mode_reason if mode != VisitMode.IN_PERSON else ""


def _clean_answers(campaign: Campaign, answers: Mapping[str, str] | None) -> dict[str, str]:
    """Non-blank answers keyed by checklist item id, each an item of the campaign."""
    answers = {str(k): str(v).strip() for k, v in (answers or {}).items() if str(v).strip()}
    valid_items = {str(pk) for pk in ChecklistItem.objects.filter(campaign=campaign).values_list("id", flat=True)}
    unknown = set(answers) - valid_items
    if unknown:
        raise InvalidInput("入户必问中有不属于本次活动的问题", fields={"answers": sorted(unknown)})
    return answers


def _co_visitors(
    actor: User, household: Household, campaign: Campaign, co_visitors: Iterable[User | int]
) -> list[User]:
    """The users named as co-visitors, all of them among `co_visitor_choices()`; the actor is dropped."""
    co_ids = {getattr(u, "pk", u) for u in co_visitors} - {actor.pk}
    co = list(co_visitor_choices(actor, household, campaign).filter(pk__in=co_ids)) if co_ids else []
    if len(co) != len(co_ids):
        raise InvalidInput(OUT_OF_SCOPE, fields={"co_visitors": [OUT_OF_SCOPE]})
    return co


def _replay(first: Visit, actor: User) -> tuple[Visit, bool]:
    if first.visitor_id != actor.pk:
        raise Conflict("该提交编号已被使用", code="client_id_taken")
    return first, False


def _register_grievances(
    actor: User, household: Household, visit: Visit, grievances: Iterable[Mapping[str, Any]]
) -> None:
    from grievances.services import register_grievance

    for g in grievances:
        content = (g.get("content") or "").strip()
        if not content:
            continue
        register_grievance(
            actor=actor,
            content=content,
            category=g.get("category"),
            kind=g.get("kind") or "problem",
            household=household,
            visit=visit,
            source="visit",
        )


@transaction.atomic
def add_photo(*, actor: User, visit: Visit, upload: UploadedFile) -> VisitPhoto:
    """One more photo for a visit (rule "edit": its visitor while the campaign runs, or the 活动办)."""
    if not can(actor, "edit", visit):
        raise NotAllowed("只有走访人可以补充照片")
    return store_photo(visit, check_photo(upload))


# --- roster import --------------------------------------------------------------------------------
def start_import(*, actor: User, upload: UploadedFile) -> ImportJob:
    """Store the upload via default_storage and queue its preview (a Celery task)."""
    from . import tasks
    from .roster import IMPORTER

    return imports.start(IMPORTER, actor=actor, upload=upload, queue=tasks.preview_import.delay)


def confirm_import(*, actor: User, job: ImportJob) -> ImportJob:
    """Queue the write of a previewed roster (rule "confirm": its uploader, still an importer)."""
    from . import tasks
    from .roster import IMPORTER

    return imports.confirm(IMPORTER, actor=actor, job=job, queue=tasks.confirm_import.delay)


# --- 十必报 ------------------------------------------------------------------------------------------
@transaction.atomic
def report_event(
    *,
    actor: User,
    household: Household,
    kind: str,
    description: str,
    to_grievance: bool = False,
    category: GrievanceCategory | None = None,
    campaign: Campaign | None = None,
) -> EventReport:
    """Record one of the ten mandatory events (rule "visit"); optionally open a ledger entry
    (source event_report)."""
    from grievances.services import register_grievance

    if not can(actor, "visit", household):
        raise NotAllowed("只有分配走访该户的干部或本辖区活动办工作人员可以上报十必报")
    if kind not in EventKind.values:
        raise InvalidInput("请选择十必报事项", fields={"kind": ["请选择十必报事项"]})
    description = (description or "").strip()
    if not description:
        raise InvalidInput("请填写情况说明", fields={"description": ["请填写情况说明"]})
    if to_grievance and category is None:
        raise InvalidInput("转为问题时请选择问题类别", fields={"category": ["转为问题时请选择问题类别"]})
    campaign = campaign or Campaign.objects.current_for_unit(household.grid)
    report = EventReport.objects.create(
        campaign=campaign, household=household, reporter=actor, kind=kind, description=description
    )
    grievance = None
    if to_grievance:
        label = EventKind(kind).label
        grievance = register_grievance(
            actor=actor,
            content=f"【十必报·{label}】{description}",
            category=category,
            household=household,
            campaign=campaign,
            source="event_report",
        )
    report.grievance = grievance
    return report


# --- coverage ---------------------------------------------------------------------------------
def coverage_notice(*, campaign: Campaign, limit: int = 20) -> int:
    """At the end of the visiting phase: tell office staff which assigned households nobody visited."""
    visited = Visit.objects.filter(campaign=campaign).values("household_id")
    rows = list(
        Assignment.objects.filter(campaign=campaign)
        .exclude(household_id__in=visited)
        .order_by("household__grid__path", "household__address")
        .values_list(
            "household_id", "household__head_name", "household__address", "household__grid__path", "visitor__full_name"
        )
        .distinct()
    )
    assigned = Assignment.objects.filter(campaign=campaign).values("household_id").distinct().count()
    if not assigned:
        return 0
    offices = list(
        Membership.objects.filter(
            role=Role.OFFICE, user__is_active=True, unit__path__startswith=campaign.territory.path
        ).select_related("user", "unit")
    )
    sent = 0
    for m in offices:
        mine = {}
        for hh, name, address, path, visitor in rows:
            if path.startswith(m.unit.path):
                mine.setdefault(hh, (name, address, visitor))
        if mine:
            lines = [
                f"· {name}（{address}），走访人：{visitor or '未指定'}"
                for name, address, visitor in list(mine.values())[:limit]
            ]
            if len(mine) > limit:
                lines.append(f"……另有 {len(mine) - limit} 户")
            title = f"【走访覆盖】{m.unit.name}尚有 {len(mine)} 户已分配未走访"
            body = "集中走访阶段已结束，以下已分配农户尚无走访记录，请安排补访：\n" + "\n".join(lines)
        else:
            title = f"【走访覆盖】{m.unit.name}已分配农户全部走访"
            body = "集中走访阶段已结束，已分配农户均有走访记录。"
        notify(
            recipients=[m.user], kind=NotificationKind.COVERAGE, title=title, body=body, url=reverse("visits:coverage")
        )
        sent += 1
    return sent
