"""Writes of the visits app: households, 一户一策 plans, visits, photos, 十必报 reports, coverage notices."""

from __future__ import annotations

import io
import logging
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any, NoReturn

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageOps

from campaigns.access import allowed, can
from campaigns.calendar import local_date
from campaigns.errors import Conflict, InvalidInput, NotAllowed
from campaigns.lib import imports, uploads
from campaigns.lib.idempotency import create_once
from campaigns.models import Campaign, ChecklistItem, Membership, OrgUnit, Phase, Role, User, VisitMode
from notifications.models import NotificationKind
from notifications.services import notify

from .choices import AREA_EVENT_KINDS, EventKind
from .models import (
    OUT_OF_SCOPE,
    UNREGISTRABLE,
    VISIT_RULES,
    Assignment,
    EventReport,
    HardshipPlan,
    Household,
    ImportJob,
    Pairing,
    PlanChange,
    PlanChangeKind,
    PlanReview,
    SupportRecord,
    Visit,
    VisitImportJob,
    VisitPhoto,
    co_visitor_choices,
    standing_village_q,
)
from .validators import id_number_error, normalize_id_number, phone_error

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import date, datetime

    from django.core.files.uploadedfile import UploadedFile

    from grievances.models import GrievanceCategory

PHOTO_MAX_SIDE = 1600
VISIT_PHASES = (Phase.VISITING, Phase.LOOKBACK)

log = logging.getLogger(__name__)


# --- households -------------------------------------------------------------------------------
def _clean_household(*, grid: OrgUnit, id_number: str, phone: str) -> tuple[str, str]:
    errors = {}
    id_number = normalize_id_number(id_number or "")
    if id_number and (msg := id_number_error(id_number)):
        errors["id_number"] = [msg]
    phone = (phone or "").strip()
    if phone and (msg := phone_error(phone)):
        errors["phone"] = [msg]
    if not OrgUnit.objects.household_units().filter(pk=grid.pk).exists():
        errors["grid"] = ["农户只能登记到最低一级的网格或楼组"]
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


PLAN_FIELDS = ("situation", "measures", "responsible", "responsible_user")


def _plan_value(plan: HardshipPlan, name: str):
    if name == "responsible_user":
        user = plan.responsible_user
        return None if user is None else {"id": user.pk, "name": str(user)}
    return getattr(plan, name)


def _log_plan(plan: HardshipPlan, actor: User, kind: str, changes: dict) -> PlanChange:
    return PlanChange.objects.create(plan=plan, at=timezone.now(), actor=actor, kind=kind, changes=changes)


@transaction.atomic
def save_hardship_plan(
    *,
    actor: User,
    household: Household,
    situation: str,
    measures: str,
    responsible: str,
    responsible_user: User | None = None,
    review_dates: Iterable[date] | None = None,
) -> HardshipPlan:
    """一户一策 for a special-hardship household; marks it as such (rule "plan"). `review_dates`
    is the schedule of reviews still to come: dates not listed that are not yet reviewed are
    dropped, reviewed ones stay. Every change goes into the plan's history."""
    if not can(actor, "plan", household):
        raise NotAllowed("只有本辖区活动办工作人员可以制定一户一策")
    if responsible_user is not None and not User.objects.visible_to(actor).filter(pk=responsible_user.pk).exists():
        raise InvalidInput(OUT_OF_SCOPE, fields={"responsible_user": [OUT_OF_SCOPE]})
    # Lock the plan row: two offices saving at once must not lose each other's history.
    plan = HardshipPlan.objects.select_for_update().filter(household=household).first()
    values = {
        "situation": situation,
        "measures": measures,
        "responsible": responsible,
        "responsible_user": responsible_user,
    }
    if plan is None:
        plan = HardshipPlan.objects.create(household=household, **values)
        _log_plan(plan, actor, PlanChangeKind.CREATED, {n: [None, _plan_value(plan, n)] for n in PLAN_FIELDS})
    else:
        before = {n: _plan_value(plan, n) for n in PLAN_FIELDS}
        for name, value in values.items():
            setattr(plan, name, value)
        changed = {n: [before[n], _plan_value(plan, n)] for n in PLAN_FIELDS if before[n] != _plan_value(plan, n)}
        if changed:
            plan.save()
            _log_plan(plan, actor, PlanChangeKind.UPDATED, changed)
    if review_dates is not None:
        _schedule_reviews(plan, actor, set(review_dates))
    if not household.is_hardship:
        household.is_hardship = True
        household.save(update_fields=["is_hardship", "updated_at"])
    return plan


def _schedule_reviews(plan: HardshipPlan, actor: User, wanted: set[date]) -> None:
    existing = {r.due_date: r for r in plan.reviews.all()}
    for day in sorted(set(existing) - wanted):
        review = existing[day]
        if review.done_at is None:
            review.delete()
            _log_plan(plan, actor, PlanChangeKind.REVIEW_REMOVED, {"due_date": day.isoformat()})
    for day in sorted(wanted - set(existing)):
        PlanReview.objects.create(plan=plan, due_date=day)
        _log_plan(plan, actor, PlanChangeKind.REVIEW_ADDED, {"due_date": day.isoformat()})


@transaction.atomic
def record_plan_review(*, actor: User, plan: HardshipPlan, review: PlanReview, outcome: str) -> PlanReview:
    """Record that a scheduled review was done, with what it found (rule "plan" of the household)."""
    if not can(actor, "plan", plan.household):
        raise NotAllowed("只有本辖区活动办工作人员可以复核一户一策")
    review = PlanReview.objects.select_for_update().get(pk=review.pk, plan=plan)
    if review.done_at is not None:
        raise Conflict("该复核日期已完成复核", code="review_done")
    review.done_at, review.done_by, review.outcome = timezone.now(), actor, outcome
    review.save(update_fields=["done_at", "done_by", "outcome"])
    _log_plan(plan, actor, PlanChangeKind.REVIEW_DONE, {"due_date": review.due_date.isoformat(), "outcome": outcome})
    return review


# Reviews are reminded this many working days before their date (and on the day, if the sweep
# did not run before).
PLAN_REVIEW_REMIND_DAYS = 3


def remind_plan_reviews(*, now: datetime) -> int:
    """Remind of every review date that is near or past and not done: its responsible account, or
    else the office staff of the nearest unit above the household that has any. Each review date
    is reminded once, however often the sweep runs or how many run at once."""
    from campaigns import calendar

    today = local_date(now)
    until = local_date(calendar.add_working_days(today, PLAN_REVIEW_REMIND_DAYS).due)
    due = (
        PlanReview.objects.filter(done_at__isnull=True, reminded_at__isnull=True, due_date__lte=until)
        .select_related("plan__household__grid", "plan__responsible_user")
        .order_by("due_date", "pk")
    )
    sent = 0
    for review in due.iterator(chunk_size=500):
        plan, household = review.plan, review.plan.household
        with transaction.atomic():
            # Claim the reminder: a second sweep (or one running at the same time) updates nothing.
            if not PlanReview.objects.filter(pk=review.pk, reminded_at__isnull=True).update(reminded_at=now):
                continue
            recipients = [plan.responsible_user] if plan.responsible_user and plan.responsible_user.is_active else []
            if not recipients:
                recipients = _plan_offices(household.grid)
            late = "已过复核日期" if review.due_date < today else "复核日期临近"
            notify(
                recipients=recipients,
                kind=NotificationKind.REMINDER,
                title=f"【一户一策复核】{household.head_name}户{late}（{review.due_date:%Y年%m月%d日}）",
                body=f"{household.address}：请按期复核帮扶措施落实情况并记录复核结果。",
                url=reverse("visits:plan", args=[household.pk]),
            )
        sent += 1
    return sent


def _plan_offices(grid: OrgUnit) -> list[User]:
    """The active office staff of the grid or of the nearest unit above it that has any."""
    unit = grid
    while unit is not None:
        staff = list(
            User.objects.filter(is_active=True, memberships__unit=unit, memberships__role=Role.OFFICE).distinct()
        )
        if staff:
            return staff
        unit = unit.parent
    return []


# --- visits ---------------------------------------------------------------------------------------
def campaign_for(household: Household, campaign: Campaign | None = None, *, visitor: User | None = None) -> Campaign:
    """The campaign a record at `household` belongs to: the one given, else the running campaign
    the visitor is assigned to visit it in, else the current one over its grid."""
    if campaign is None and visitor is not None:
        mine = Assignment.objects.own(visitor, live=True).filter(household=household)
        campaign = Campaign.objects.filter(pk__in=mine.values("campaign_id")).select_related("territory").current()
        if campaign is not None and campaign.rank(timezone.localdate())[0] != 0:
            # Assigned already for a campaign still being prepared: the running one comes first.
            campaign = Campaign.objects.current_for_unit(household.grid) or campaign
    if campaign is None:
        campaign = Campaign.objects.current_for_unit(household.grid)
        if campaign is None:
            raise InvalidInput("该农户所在区域没有进行中的走访活动", code="no_campaign")
    elif not household.grid.path.startswith(campaign.territory.path):
        raise InvalidInput("该农户不在所选活动的区域内", code="wrong_campaign")
    return campaign


def check_photo(upload: UploadedFile) -> Image.Image:
    """Size, type by content and pixel count before decoding (settings.UPLOAD_LIMITS["photo"]);
    returns the decoded image or raises UploadRefused."""
    return uploads.check_image(upload, "photo", field="photos", label="照片")


def store_photo(visit: Visit, image: Image.Image) -> VisitPhoto:
    """Resize on the server (phones send 4000 px photos) and store as JPEG through default_storage.
    A store that fails half way (a full disk) leaves no partial file behind; the OSError is raised."""
    image = ImageOps.exif_transpose(image).convert("RGB")
    image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85, optimize=True)
    photo = VisitPhoto(visit=visit)
    name = photo.image.field.generate_filename(photo, f"{uuid.uuid4().hex}.jpg")
    try:
        stored = default_storage.save(name, ContentFile(buf.getvalue()))
    except OSError:
        _remove_partial(name)
        raise
    photo.image.name = stored
    photo.save()
    return photo


def _remove_partial(name: str) -> None:
    try:
        if default_storage.exists(name):
            default_storage.delete(name)
    except OSError:
        log.warning("could not remove a partial photo file")


def _store_photos_after(visit: Visit, images: list[Image.Image]) -> None:
    """Store a new visit's photos once the visit is saved; those the file store refuses are
    counted on the visit, for the phone to send again."""
    failed = 0
    for image in images:
        try:
            store_photo(visit, image)
        except OSError as exc:
            failed += 1
            log.warning("photo of visit %s not stored: %s", visit.pk, type(exc).__name__)
    if failed:
        Visit.objects.filter(pk=visit.pk).update(photos_pending=failed)
        visit.photos_pending = failed


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
    standing: bool = False,
    co_visitors: Iterable[User | int] = (),
    photos: Iterable[UploadedFile] = (),
    grievances: Iterable[Mapping[str, Any]] = (),
    location: Mapping[str, float | None] | None = None,
    repeat_ok: bool = True,
) -> tuple[Visit, bool]:
    """Log a visit (rule "visit"). The same `client_id` again returns the first visit: (visit, created).

    A campaign visit needs the rule "campaign_visit" and a visiting phase on its date. A member of
    the liaison network of the household's village logs a standing visit (no campaign) at any
    date: when asked (`standing`), or when no campaign is named and none would take the visit.
    `co_visitors` (users or ids) must be people `co_visitor_choices()` offers the actor. `location`
    is the phone's `latitude`, `longitude` and `accuracy_m`, each optional. Without `repeat_ok`, a
    second visit of the same household by the same visitor within an hour asks for confirmation."""
    first = Visit.objects.filter(client_id=client_id).first()
    if first is not None and first.visitor_id == actor.pk:
        # Answered before the rule: a queued upload of a visit already saved is the same visit,
        # even if the household was reassigned since.
        return _replay(first, actor)
    may = allowed(actor, household, *VISIT_RULES)
    if "visit" not in may:
        raise NotAllowed("只有分配走访该户的干部或本辖区活动办工作人员可以录入走访", code="not_assigned")
    if first is not None:
        return _replay(first, actor)
    campaign, phase = _visit_campaign(actor, household, campaign, visited_at, standing=standing, may=may)
    mode_reason = _clean_mode(campaign, mode, mode_reason)
    if duration_minutes is None or duration_minutes < 1 or duration_minutes > 600:
        raise InvalidInput("走访时长应在1到600分钟之间", fields={"duration_minutes": ["走访时长应在1到600分钟之间"]})
    answers = _clean_answers(campaign, answers)
    grievances = _problems(campaign, household, grievances)
    co = _co_visitors(actor, household, campaign, co_visitors)
    images = [check_photo(p) for p in photos]
    _require_content(campaign, answers=answers, notes=notes, photos=images, mode_reason=mode_reason)
    location = _clean_location(location or {})
    if not repeat_ok:
        _check_repeat(actor, household, visited_at, client_id)
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
                too_short=campaign is not None and duration_minutes < campaign.min_visit_minutes,
                is_followup=phase == Phase.LOOKBACK,
                **location,
            )
            if co:
                visit.co_visitors.set(co)
            _register_grievances(actor, household, visit, grievances)
    except IntegrityError:
        # Two submits of the same form raced: the other one won; answer with its visit.
        first = Visit.objects.filter(client_id=client_id).first()
        if first is None:
            raise
        return _replay(first, actor)
    # The files apart from the rows: a file store that is full or read-only loses no visit.
    _store_photos_after(visit, images)
    return visit, True


def _visit_campaign(
    actor: User,
    household: Household,
    campaign: Campaign | None,
    visited_at: datetime,
    *,
    standing: bool,
    may: frozenset[str],
) -> tuple[Campaign | None, str | None]:
    """The campaign a visit counts for and its phase on the visit's date, or (None, None) for a
    standing visit by a member of the liaison network of the household's village. `may`: which of
    the household rules "visit" and "campaign_visit" the actor holds (`allowed`)."""
    phase = None
    if standing or (campaign is None and "campaign_visit" not in may):
        campaign = _standing(actor, household)
    else:
        named = campaign is not None
        try:
            campaign = campaign_for(household, campaign, visitor=actor)
            phase = _visit_phase(campaign, visited_at)
        except InvalidInput as exc:
            # Outside a visiting phase (or without a campaign) the network's visit is a standing one.
            if named or exc.code not in ("no_campaign", "out_of_phase") or not can(actor, "standing_visit", household):
                raise
            campaign = None
    if campaign is None and visited_at > timezone.now() + timedelta(minutes=10):
        raise _future_visit()
    return campaign, phase


CONTENT_LABELS = {"answers": "入户必问", "notes": "民情日记", "photos": "照片", "mode_reason": "未入户原因"}


def _require_content(campaign: Campaign, **given: Any) -> None:
    """A visit carries at least one of what the campaign counts as content (`visit_content`); a
    standing visit (no campaign) any of them."""
    wanted = campaign.visit_content if campaign is not None else list(CONTENT_LABELS)
    kinds = [k for k in wanted or () if k in CONTENT_LABELS]
    if not kinds or any((given.get(k).strip() if isinstance(given.get(k), str) else given.get(k)) for k in kinds):
        return
    names = "、".join(CONTENT_LABELS[k] for k in kinds)
    msg = f"走访记录不能为空：请至少填写{names}中的一项"
    raise InvalidInput(msg, code="empty_visit", fields={kinds[0]: [msg]})


def _clean_location(location: Mapping[str, float | None]) -> dict[str, float | None]:
    """Latitude, longitude and accuracy, all or none: a position without both coordinates is none."""
    lat, lon, acc = (location.get(k) for k in ("latitude", "longitude", "accuracy_m"))
    if lat is None or lon is None:
        return {"latitude": None, "longitude": None, "accuracy_m": None}
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (acc is not None and acc < 0):
        raise InvalidInput("定位数据无效", code="bad_location", fields={"latitude": ["定位数据无效"]})
    return {"latitude": lat, "longitude": lon, "accuracy_m": acc}


REPEAT_WINDOW = timedelta(hours=1)


def _check_repeat(actor: User, household: Household, visited_at: datetime, client_id: uuid.UUID) -> None:
    """Ask before a second record of the same household by the same visitor within an hour (the
    same `client_id` is the same record, answered by the unique key, not a repeat)."""
    near = Visit.objects.exclude(client_id=client_id).filter(
        visitor=actor,
        household=household,
        visited_at__gt=visited_at - REPEAT_WINDOW,
        visited_at__lt=visited_at + REPEAT_WINDOW,
    )
    if near.exists():
        msg = "您在一小时内已登记过该户的走访，确认要再登记一次吗？"
        raise Conflict(msg, code="repeat_visit", fields={"confirm_repeat": [msg]})


def _standing(actor: User, household: Household) -> None:
    """A standing visit: the actor must belong to the liaison network of the household's village."""
    if not can(actor, "standing_visit", household):
        raise NotAllowed("只有本村（社区）民情联络网络的成员可以录入日常走访", code="not_in_network")


def _visit_phase(campaign: Campaign, visited_at: datetime) -> str:
    """The phase of the campaign a visit falls in: it must be a visiting one, and not in the future."""
    phase = campaign.phase_on(local_date(visited_at))
    if phase not in VISIT_PHASES:
        msg = "走访日期不在本次活动的集中走访或整改回头看阶段内"
        raise InvalidInput(msg, code="out_of_phase", fields={"visited_at": [msg]})
    if visited_at > timezone.now() + timedelta(minutes=10):
        raise _future_visit()
    return phase


def _future_visit() -> InvalidInput:
    msg = "走访时间不能晚于当前时间"
    return InvalidInput(msg, code="future_visit", fields={"visited_at": [msg]})


def _clean_mode(campaign: Campaign | None, mode: str, mode_reason: str) -> str:
    """Check the visit mode against the campaign; returns the reason to store (none in person)."""
    allowed = (campaign.allowed_modes if campaign is not None else None) or VisitMode.values
    if mode not in VisitMode.values or mode not in allowed:
        msg = "本次活动不允许该走访方式"
        raise InvalidInput(msg, code="mode_not_allowed", fields={"mode": [msg]})
    mode_reason = (mode_reason or "").strip()
    if mode != VisitMode.IN_PERSON and not mode_reason:
        msg = "电话、微信、短信走访仅限长期外出等情况，请填写原因"
        raise InvalidInput(msg, code="mode_reason_required", fields={"mode_reason": [msg]})
    return mode_reason if mode != VisitMode.IN_PERSON else ""


def _clean_answers(campaign: Campaign | None, answers: Mapping[str, str] | None) -> dict[str, str]:
    """Non-blank answers keyed by checklist item id, each an item of the campaign (a standing
    visit has no checklist)."""
    answers = {str(k): str(v).strip() for k, v in (answers or {}).items() if str(v).strip()}
    if campaign is None:
        if answers:
            raise InvalidInput("日常走访没有入户必问", fields={"answers": sorted(answers)})
        return answers
    valid_items = {str(pk) for pk in ChecklistItem.objects.filter(campaign=campaign).values_list("id", flat=True)}
    unknown = set(answers) - valid_items
    if unknown:
        raise InvalidInput("入户必问中有不属于本次活动的问题", fields={"answers": sorted(unknown)})
    return answers


def _co_visitors(
    actor: User, household: Household, campaign: Campaign | None, co_visitors: Iterable[User | int]
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


def _problems(
    campaign: Campaign | None, household: Household, grievances: Iterable[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """The problems raised (non-blank). At a standing visit they go into the newest campaign's
    ledger over the household; without one there is no ledger to open them in: nothing is saved."""
    grievances = [g for g in grievances if (g.get("content") or "").strip()]
    if campaign is None and grievances and Campaign.objects.current_for_unit(household.grid) is None:
        message = "本村（社区）目前没有走访活动台账，日常走访中反映的问题暂不能登记，请先记入走访情况"
        raise InvalidInput(message, code="no_campaign", fields={"grievances": [message]})
    return grievances


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
    photo = store_photo(visit, check_photo(upload))
    Visit.objects.filter(pk=visit.pk, photos_pending__gt=0).update(photos_pending=F("photos_pending") - 1)
    return photo


# --- roster import --------------------------------------------------------------------------------
def start_import(*, actor: User, upload: UploadedFile) -> ImportJob:
    """Store the upload via default_storage and queue its preview (a Celery task)."""
    from . import tasks
    from .roster import IMPORTER

    return imports.start(
        IMPORTER, actor=actor, upload=upload, queue=imports.queue_step(tasks.preview_import, "preview")
    )


def retry_import(*, actor: User, job: ImportJob) -> ImportJob:
    """重试: check a failed roster's stored file again from the start (rule "confirm")."""
    from . import tasks
    from .roster import IMPORTER

    return imports.retry(IMPORTER, actor=actor, job=job, queue=imports.queue_step(tasks.preview_import, "preview"))


def confirm_import(*, actor: User, job: ImportJob) -> ImportJob:
    """Queue the write of a previewed roster (rule "confirm": its uploader, still an importer)."""
    from . import tasks
    from .roster import IMPORTER

    return imports.confirm(IMPORTER, actor=actor, job=job, queue=imports.queue_step(tasks.confirm_import, "confirm"))


# --- past visits (补录) ---------------------------------------------------------------------------
def start_visit_import(*, actor: User, upload: UploadedFile) -> VisitImportJob:
    """Store a spreadsheet of past visits and queue its preview (a Celery task); nothing is written."""
    from . import tasks
    from .visit_import import IMPORTER

    return imports.start(
        IMPORTER, actor=actor, upload=upload, queue=imports.queue_step(tasks.preview_visit_import, "preview")
    )


def retry_visit_import(*, actor: User, job: VisitImportJob) -> VisitImportJob:
    """重试: check a failed past-visit import's stored file again from the start (rule "confirm")."""
    from . import tasks
    from .visit_import import IMPORTER

    return imports.retry(
        IMPORTER, actor=actor, job=job, queue=imports.queue_step(tasks.preview_visit_import, "preview")
    )


def confirm_visit_import(*, actor: User, job: VisitImportJob) -> VisitImportJob:
    """Queue the write of previewed past visits (rule "confirm": its uploader, still backfilling)."""
    from . import tasks
    from .visit_import import IMPORTER

    return imports.confirm(
        IMPORTER, actor=actor, job=job, queue=imports.queue_step(tasks.confirm_visit_import, "confirm")
    )


# --- 十必报 ------------------------------------------------------------------------------------------
def report_event(*, actor: User, client_id: uuid.UUID | None = None, **fields: Any) -> EventReport:
    """`_report_event`; with `client_id`, the same key again answers the first report (its
    `replayed` is True) and writes nothing, someone else's key is a 409."""
    return create_once(
        EventReport.objects.all(),
        client_id,
        actor,
        lambda: _report_event(actor=actor, client_id=client_id, **fields),
        owner="reporter",
    )


@transaction.atomic
def _report_event(
    *,
    actor: User,
    client_id: uuid.UUID | None = None,
    household: Household | None = None,
    unit: OrgUnit | None = None,
    kind: str,
    description: str,
    to_grievance: bool = False,
    category: GrievanceCategory | None = None,
    campaign: Campaign | None = None,
) -> EventReport:
    """Record one of the ten mandatory events; optionally open a ledger entry (source event_report).

    At a household under its rule "visit"; the events of an area (`AREA_EVENT_KINDS`) may name
    only the unit, under the unit's "register" rule or by its village's liaison network."""
    from grievances.services import register_grievance

    if kind not in EventKind.values:
        raise InvalidInput("请选择十必报事项", fields={"kind": ["请选择十必报事项"]})
    if household is not None:
        if not can(actor, "visit", household):
            raise NotAllowed("只有分配走访该户的干部或本辖区活动办工作人员可以上报十必报")
        if unit is not None and not household.grid.path.startswith(unit.path):
            raise InvalidInput("所选农户不在该单位内", fields={"unit": ["所选农户不在该单位内"]})
        unit = household.grid
    else:
        if unit is None:
            raise InvalidInput("请选择所属单位或农户", fields={"unit": ["请选择所属单位或农户"]})
        if kind not in AREA_EVENT_KINDS:
            msg = "该事项须指明农户"
            raise InvalidInput(msg, fields={"household": [msg]})
        if unit.is_functional or not _may_report_area(actor, unit):
            raise NotAllowed("只有本辖区干部或本村（社区）民情联络网络成员可以上报该单位的十必报")
    description = (description or "").strip()
    if not description:
        raise InvalidInput("请填写情况说明", fields={"description": ["请填写情况说明"]})
    if to_grievance and category is None:
        raise InvalidInput("转为问题时请选择问题类别", fields={"category": ["转为问题时请选择问题类别"]})
    campaign = campaign or Campaign.objects.current_for_unit(unit)
    report = EventReport.objects.create(
        campaign=campaign,
        household=household,
        unit=unit,
        reporter=actor,
        kind=kind,
        description=description,
        client_id=client_id,
    )
    grievance = None
    if to_grievance:
        label = EventKind(kind).label
        grievance = register_grievance(
            actor=actor,
            content=f"【十必报·{label}】{description}",
            category=category,
            household=household,
            unit=unit if household is None else None,
            campaign=campaign,
            source="event_report",
        )
    report.grievance = grievance
    return report


def _may_report_area(actor: User, unit: OrgUnit) -> bool:
    """The unit's "register" rule (cadres, office, admins over it), or its village's network."""
    units = OrgUnit.objects.filter(pk=unit.pk)
    if units.actionable_by(actor, "register").exists():
        return True
    return units.filter(standing_village_q(actor, "pk") | standing_village_q(actor, "parent_id")).exists()


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


class RevealLimit(NotAllowed):
    code = "reveal_limit"
    message = "一小时内查看完整个人信息次数过多，已暂停并报告安全管理员"
    status = 429


def reveal_personal(*, actor: User, household: Household, reason: str, text: str = "") -> dict[str, str]:
    """The whole ID number and phone of one household, for a reason; audited. More than
    `ZOUFANG_SECURITY["REVEALS_PER_HOUR"]` reveals an hour are refused and reported."""
    from audit.models import Event
    from audit.services import record

    if not can(actor, "reveal", household):
        raise NotAllowed()
    guard_reveal(actor=actor, obj=household, unit=household.grid)
    record(Event.REVEAL, actor=actor, obj=household, data={"reason": reason, "text": text[:200]})
    return {"id_number": household.id_number, "phone": household.phone}


def guard_reveal(*, actor: User, obj, unit: OrgUnit) -> None:
    """Refuse (and report to the security admins over `unit`) a reveal beyond
    `ZOUFANG_SECURITY["REVEALS_PER_HOUR"]` in the last hour, whatever was revealed (every reveal,
    of a household or of a ledger entry's reporter, is one audit record of kind REVEAL)."""
    from django.conf import settings

    from audit.models import Event, Record
    from audit.services import record

    limit = settings.ZOUFANG_SECURITY["REVEALS_PER_HOUR"]
    recent = Record.objects.filter(
        event=Event.REVEAL, actor_id=actor.pk, at__gte=timezone.now() - timedelta(hours=1)
    ).count()
    if recent >= limit:
        record(Event.SECURITY, actor=actor, obj=obj, data={"alert": "reveal_limit", "limit": limit})
        security = User.objects.filter(
            memberships__role=Role.SECURITY, memberships__unit__path__in=unit.ancestor_paths(), is_active=True
        ).distinct()
        notify(
            recipients=list(security),
            kind=NotificationKind.OTHER,
            title=f"{actor.display_name}一小时内查看完整个人信息超过{limit}次",
            body=f"账号 {actor.get_username()} 已被暂停查看，请核实。",
        )
        raise RevealLimit()


# --- 帮扶千千结 ----------------------------------------------------------------------------------

_PAIRING_FIELDS = (
    "supporter_kind",
    "supporter_name",
    "supporter_user",
    "supporter_unit",
    "goal",
    "start_date",
    "end_date",
)


def _check_pairing(actor: User, fields: dict[str, Any]) -> None:
    user, unit = fields.get("supporter_user"), fields.get("supporter_unit")
    if user is not None and not User.objects.visible_to(actor).filter(pk=user.pk).exists():
        raise InvalidInput(OUT_OF_SCOPE, fields={"supporter_user": [OUT_OF_SCOPE]})
    if unit is not None:
        from campaigns.models import OrgUnit

        if not OrgUnit.objects.visible_to(actor).filter(pk=unit.pk).exists():
            raise InvalidInput(OUT_OF_SCOPE, fields={"supporter_unit": [OUT_OF_SCOPE]})
    start, end = fields.get("start_date"), fields.get("end_date")
    if start and end and end < start:
        raise InvalidInput("结束日期不能早于开始日期", fields={"end_date": ["结束日期不能早于开始日期"]})


@transaction.atomic
def create_pairing(*, actor: User, household: Household, **fields: Any) -> Pairing:
    """Pair a supporter with a household (the household's rule "pair")."""
    if not can(actor, "pair", household):
        raise NotAllowed("只有本辖区活动办工作人员可以安排结对帮扶")
    unknown = set(fields) - set(_PAIRING_FIELDS)
    if unknown:
        raise TypeError(f"unknown pairing fields: {sorted(unknown)}")
    _check_pairing(actor, fields)
    if not fields.get("supporter_name"):
        who = fields.get("supporter_user") or fields.get("supporter_unit")
        if who is None:
            raise InvalidInput("请填写帮扶方", fields={"supporter_name": ["请填写帮扶方"]})
        fields["supporter_name"] = str(who)
    return Pairing.objects.create(household=household, created_by=actor, **fields)


@transaction.atomic
def update_pairing(*, actor: User, pairing: Pairing, **fields: Any) -> Pairing:
    """Change a pairing's supporter, goal or dates (rule "edit")."""
    if not can(actor, "edit", pairing):
        raise NotAllowed("只有本辖区活动办工作人员可以修改结对帮扶")
    merged = {f: fields.get(f, getattr(pairing, f)) for f in _PAIRING_FIELDS}
    _check_pairing(actor, merged)
    for name, value in fields.items():
        if name not in _PAIRING_FIELDS:
            raise TypeError(f"unknown pairing field: {name}")
        setattr(pairing, name, value)
    pairing.save()
    return pairing


def record_support(*, actor: User, client_id: uuid.UUID | None = None, **fields: Any) -> SupportRecord:
    """`_record_support`; with `client_id`, the same key again answers the first record (its
    `replayed` is True) and writes nothing, someone else's key is a 409."""
    return create_once(
        SupportRecord.objects.all(),
        client_id,
        actor,
        lambda: _record_support(actor=actor, client_id=client_id, **fields),
        owner="created_by",
    )


@transaction.atomic
def _record_support(
    *,
    actor: User,
    client_id: uuid.UUID | None = None,
    pairing: Pairing,
    date: date,
    kind: str,
    amount=None,
    note: str = "",
    evidence: UploadedFile | None = None,
) -> SupportRecord:
    """Record one act of support under a pairing (the pairing's rule "edit")."""
    if not can(actor, "edit", pairing):
        raise NotAllowed("只有本辖区活动办工作人员可以记录帮扶")
    if evidence is not None:
        uploads.check_file(evidence, "evidence", field="evidence", label="佐证材料")
    record = SupportRecord(
        pairing=pairing, date=date, kind=kind, amount=amount, note=note, created_by=actor, client_id=client_id
    )
    if evidence is not None:
        record.evidence.save(evidence.name, evidence, save=False)
    record.save()
    return record
