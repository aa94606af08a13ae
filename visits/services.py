"""Writes of the visits app: households, 一户一策 plans, visits, photos, 十必报 reports, coverage notices."""

import io
import os
import uuid
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from campaigns.access import scope
from campaigns.calendar import local_date
from campaigns.errors import Conflict, InvalidInput, NotAllowed
from campaigns.models import Campaign, ChecklistItem, Membership, Phase, Role, User, VisitMode
from notifications.models import NotificationKind
from notifications.services import notify

from .models import Assignment, EventReport, HardshipPlan, Household, ImportJob, ImportStatus, Visit, VisitPhoto
from .roster import IMPORT_ROLES
from .validators import id_number_error, normalize_id_number, phone_error

EDIT_ROLES = (Role.OFFICE, Role.ADMIN)
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_SIDE = 1600
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}
VISIT_PHASES = (Phase.VISITING, Phase.LOOKBACK)


# --- households -------------------------------------------------------------------------------
def _clean_household(*, grid, id_number, phone):
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
def save_household(*, actor, household=None, grid, head_name, address, id_number="", phone="", **fields):
    """Create or edit a household (office staff and admins of the grid's subtree)."""
    if not scope(actor).covers(grid, EDIT_ROLES):
        raise NotAllowed("只有本辖区活动办工作人员可以登记或修改农户")
    categories = fields.pop("categories", None)
    id_number, phone = _clean_household(grid=grid, id_number=id_number, phone=phone)
    key = Household.make_key(id_number=id_number, grid_code=grid.code, address=address, head_name=head_name)
    clash = Household.objects.filter(key=key).exclude(pk=household.pk if household else None).first()
    if clash:
        raise Conflict("该户已登记（身份证号或网格、地址、户主姓名相同）", code="duplicate_household")
    household = household or Household()
    household.grid, household.head_name, household.address = grid, head_name, address
    household.id_number, household.phone, household.key = id_number, phone, key
    for name, value in fields.items():
        setattr(household, name, value)
    household.save()
    if categories is not None:
        household.categories.set(categories)
    return household


@transaction.atomic
def save_hardship_plan(*, actor, household, situation, measures, responsible, responsible_user=None, review_date=None):
    """一户一策 for a special-hardship household; marks it as such."""
    if not scope(actor).covers(household.grid, EDIT_ROLES):
        raise NotAllowed("只有本辖区活动办工作人员可以制定一户一策")
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
def campaign_for(household, campaign=None):
    if campaign is None:
        campaign = Campaign.objects.current_for_unit(household.grid)
        if campaign is None:
            raise InvalidInput("该农户所在区域没有进行中的走访活动", code="no_campaign")
    elif not household.grid.path.startswith(campaign.territory.path):
        raise InvalidInput("该农户不在所选活动的区域内", code="wrong_campaign")
    return campaign


def check_photo(upload):
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


def store_photo(visit, image):
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
    actor,
    household,
    client_id,
    visited_at,
    duration_minutes,
    mode=VisitMode.IN_PERSON,
    mode_reason="",
    answers=None,
    notes="",
    campaign=None,
    co_visitors=(),
    photos=(),
    grievances=(),
):
    """Log a visit. The same `client_id` again returns the first visit: (visit, created)."""
    first = Visit.objects.filter(client_id=client_id).first()
    if first is not None:
        return _replay(first, actor)
    campaign = campaign_for(household, campaign)
    day = local_date(visited_at)
    phase = campaign.phase_on(day)
    if phase not in VISIT_PHASES:
        raise InvalidInput("走访日期不在本次活动的集中走访或整改回头看阶段内", code="out_of_phase")
    if visited_at > timezone.now() + timedelta(minutes=10):
        raise InvalidInput("走访时间不能晚于当前时间", code="future_visit")
    if mode not in VisitMode.values or mode not in (campaign.allowed_modes or VisitMode.values):
        raise InvalidInput("本次活动不允许该走访方式", code="mode_not_allowed")
    mode_reason = (mode_reason or "").strip()
    if mode != VisitMode.IN_PERSON and not mode_reason:
        msg = "电话、微信、短信走访仅限长期外出等情况，请填写原因"
        raise InvalidInput(msg, code="mode_reason_required", fields={"mode_reason": [msg]})
    if duration_minutes is None or duration_minutes < 1 or duration_minutes > 600:
        raise InvalidInput("走访时长应在1到600分钟之间", fields={"duration_minutes": ["走访时长应在1到600分钟之间"]})
    answers = {str(k): str(v).strip() for k, v in (answers or {}).items() if str(v).strip()}
    valid_items = {str(pk) for pk in ChecklistItem.objects.filter(campaign=campaign).values_list("id", flat=True)}
    unknown = set(answers) - valid_items
    if unknown:
        raise InvalidInput("入户必问中有不属于本次活动的问题", fields={"answers": sorted(unknown)})
    images = [check_photo(p) for p in photos]
    co = [u for u in co_visitors if u.pk != actor.pk]
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
                mode_reason=mode_reason if mode != VisitMode.IN_PERSON else "",
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


def _replay(first, actor):
    if first.visitor_id != actor.pk:
        raise Conflict("该提交编号已被使用", code="client_id_taken")
    return first, False


def _register_grievances(actor, household, visit, grievances):
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
def add_photo(*, actor, visit, upload):
    if visit.visitor_id != actor.pk and not scope(actor).covers(visit.household.grid, EDIT_ROLES):
        raise NotAllowed("只有走访人可以补充照片")
    return store_photo(visit, check_photo(upload))


# --- roster import --------------------------------------------------------------------------------
MAX_ROSTER_BYTES = 100 * 1024 * 1024


def start_import(*, actor, upload):
    """Store the upload via default_storage and queue its preview (a Celery task)."""
    if not scope(actor).has_role(*IMPORT_ROLES):
        raise NotAllowed("只有活动办工作人员可以导入花名册")
    name = upload.name or "roster.xlsx"
    if not name.lower().endswith(".xlsx"):
        raise InvalidInput("请上传Excel（.xlsx）格式的花名册", fields={"file": ["请上传Excel（.xlsx）格式的花名册"]})
    if upload.size > MAX_ROSTER_BYTES:
        raise InvalidInput("文件不能超过100MB", fields={"file": ["文件不能超过100MB"]})
    stored = default_storage.save(f"imports/{uuid.uuid4().hex}.xlsx", upload)
    job = ImportJob.objects.create(created_by=actor, file=stored, original_name=os.path.basename(name)[:200])
    from . import tasks

    tasks.preview_import.delay(job.pk)
    job.refresh_from_db()
    return job


def confirm_import(*, actor, job):
    if job.status == ImportStatus.IMPORTED:
        return job
    if job.status != ImportStatus.PREVIEW:
        raise InvalidInput("花名册尚未校验完成，不能导入", code="not_ready")
    if job.error_count:
        raise InvalidInput(f"花名册还有{job.error_count}处问题，请修改后重新上传", code="has_errors")
    ImportJob.objects.filter(pk=job.pk).update(message="正在导入……", progress=0)
    from . import tasks

    tasks.confirm_import.delay(job.pk)
    job.refresh_from_db()
    return job


# --- 十必报 ------------------------------------------------------------------------------------------
@transaction.atomic
def report_event(*, actor, household, kind, description, to_grievance=False, category=None, campaign=None):
    """Record one of the ten mandatory events; optionally open a ledger entry (source event_report)."""
    from grievances.services import register_grievance

    from .models import EVENT_KIND_CHOICES

    if kind not in dict(EVENT_KIND_CHOICES):
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
        label = dict(EVENT_KIND_CHOICES)[kind]
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


def co_visitor_choices(user, household):
    """People who may go along: anyone with a role over the household's community."""
    paths = household.grid.ancestor_paths()
    return User.objects.filter(memberships__unit__path__in=paths, is_active=True).exclude(pk=user.pk).distinct()


# --- coverage ---------------------------------------------------------------------------------
def coverage_notice(*, campaign, limit=20):
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
