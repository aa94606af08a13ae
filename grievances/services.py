"""Writes of the ledger. `register_grievance()` is the one way an entry is created and
`transition()` the one way its status changes (STYLE.md: one state machine)."""

from datetime import timedelta

from auditlog.context import set_actor
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from campaigns import calendar
from campaigns.access import can
from campaigns.api_base import MAX_ID
from campaigns.errors import Conflict, DomainError, InvalidInput, NotAllowed
from campaigns.models import Campaign, Level, OrgUnit

from . import workflow
from .models import (
    FINAL_STATUSES,
    Attachment,
    ExtensionState,
    Grievance,
    GrievanceEvent,
    Kind,
    Reporter,
    ResolvedLevel,
    Satisfaction,
    Source,
    Status,
    Tier,
    case_owners_for,
    handling_units_for,
)
from .signals import post_transition


class InvalidTransition(DomainError):
    code = "invalid_transition"
    message = "当前状态不能执行该操作"
    status = 409


# A ledger entry is a person's request in their words, not a document: longer text goes in an
# attachment. Checked here so the API, pages, inline visit entries and imports all agree.
CONTENT_MAX = 2000
# Clock skew between a phone and the server is not backdating.
BACKDATE_GRACE = timedelta(minutes=10)


def compute_deadlines(*, campaign, registered_at, tier):
    """Plan due in 5 working days unless solved on the spot; resolution by tier (DOMAIN.md, seeds/002)."""
    if tier == Tier.ON_SPOT:
        due = calendar.add_working_days(registered_at, 0)
        return None, due.due, due.provisional
    plan = calendar.add_working_days(registered_at, campaign.tier_days("plan"))
    due = calendar.add_working_days(registered_at, campaign.tier_days(tier))
    return plan.due, due.due, plan.provisional or due.provisional


def _clean_content(content):
    if not content or not content.strip():
        raise InvalidInput("请填写反映内容", fields={"content": ["请填写反映内容"]})
    if len(content.strip()) > CONTENT_MAX:
        message = f"反映内容不能超过{CONTENT_MAX}字，详细材料请作为附件上传"
        raise InvalidInput(message, fields={"content": [message]})
    return content.strip()


def _check_choices(**values):
    """Choice fields given by a caller that bypassed a form (visits, imports, tasks)."""
    choices = {"kind": (Kind, "类型"), "source": (Source, "来源"), "tier": (Tier, "问题层级")}
    errors = {}
    for key, value in values.items():
        enum, label = choices[key]
        if value not in enum.values:
            errors[key] = [f"{label}取值无效"]
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], fields=errors)


def _may_register(actor, unit, household):
    """A unit the actor may register in, or a household assigned to them to visit (a paired
    department's cadre visits households outside their own unit)."""
    from visits.models import Household

    if OrgUnit.objects.actionable_by(actor, "register").filter(pk=unit.pk).exists():
        return True
    return (
        household is not None
        and Household.objects.visible_to(actor).filter(pk=household.pk, assignments__visitor=actor).exists()
    )


def _check_campaign(actor, campaign, unit):
    """The campaign must be one the actor sees, and its territory must contain the entry's unit."""
    if actor is not None and not Campaign.objects.visible_to(actor).filter(pk=campaign.pk).exists():
        message = "所选活动不存在或不在您的管辖范围内"
        raise InvalidInput(message, fields={"campaign": [message]})
    if not unit.path.startswith(campaign.territory.path):
        message = "所选活动的区域不包含该问题的所属单位"
        raise InvalidInput(message, fields={"campaign": [message]})


@transaction.atomic
def register_grievance(
    *,
    actor,
    content,
    category,
    kind="problem",
    source="visit",
    tier=Tier.GENERAL,
    household=None,
    visit=None,
    unit=None,
    campaign=None,
    reporter_name="",
    reporter_phone="",
    proposed_solution="",
    registered_at=None,
    external_ref="",
):
    """Open a ledger entry; deadlines come from the working-day calendar and the campaign's tiers."""
    content = _clean_content(content)
    _check_choices(kind=kind, source=source, tier=tier)
    if category is None:
        raise InvalidInput("请选择问题类别", fields={"category": ["请选择问题类别"]})
    unit = household.grid if household is not None else unit
    if unit is None:
        raise InvalidInput("请指定所属单位或农户", fields={"unit": ["请指定所属单位或农户"]})
    if unit.level == Level.DEPARTMENT:
        # Functional units receive entries by subject; an entry belongs to a place (属地).
        message = "问题不能登记在区直部门，请选择所属社区或网格"
        raise InvalidInput(message, fields={"unit": [message]})
    if actor is not None and not _may_register(actor, unit, household):
        field = "household" if household is not None else "unit"
        raise InvalidInput("您不能在该单位登记问题", fields={field: ["所选对象不存在或不在您的管辖范围内"]})
    campaign = campaign or (visit.campaign if visit is not None else Campaign.objects.current_for_unit(unit))
    if campaign is None:
        raise InvalidInput("该单位没有进行中的走访活动")
    _check_campaign(actor, campaign, unit)
    now = timezone.now()
    if registered_at is not None and registered_at < now - BACKDATE_GRACE:
        # Entries collected offline may be backdated, by office staff only (issue 5 fixed points).
        if actor is not None and not OrgUnit.objects.actionable_by(actor, "backdate").filter(pk=unit.pk).exists():
            raise NotAllowed("只有办公室工作人员可以补录以前的登记时间")
    if registered_at is not None and registered_at > now + BACKDATE_GRACE:
        raise InvalidInput("登记时间不能晚于当前时间", fields={"registered_at": ["登记时间不能晚于当前时间"]})
    registered_at = registered_at or now
    plan_due_at, due_at, provisional = compute_deadlines(campaign=campaign, registered_at=registered_at, tier=tier)
    if household is not None and not reporter_name:
        reporter_name = household.head_name
    grievance = Grievance.objects.create(
        clock_started_at=registered_at,
        campaign=campaign,
        household=household,
        visit=visit,
        unit=unit,
        kind=kind,
        category=category,
        source=source,
        tier=tier,
        content=content,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        proposed_solution=proposed_solution,
        registered_at=registered_at,
        registered_by=actor,
        plan_due_at=plan_due_at,
        due_at=due_at,
        deadline_provisional=provisional,
    )
    Reporter.objects.create(grievance=grievance, name=reporter_name, phone=reporter_phone, household=household)
    GrievanceEvent.objects.create(
        grievance=grievance, actor=actor, action="register", to_status=Status.REGISTERED, note="登记"
    )
    if external_ref:
        Grievance.objects.filter(pk=grievance.pk).update(external_ref=external_ref)
        grievance.external_ref = external_ref
    return grievance


def _deadlines_for(g, *, start=None, extra=None):
    """Plan and resolution deadlines of `g` counted from `start` (default: the entry's clock start)."""
    start = start or g.clock_started_at or g.registered_at
    extra = g.extension_days if extra is None else extra
    if g.tier == Tier.ON_SPOT:
        due = calendar.add_working_days(start, extra)
        return None, due.due, due.provisional
    plan = calendar.add_working_days(start, g.campaign.tier_days("plan"))
    due = calendar.add_working_days(start, g.campaign.tier_days(g.tier) + extra)
    return plan.due, due.due, plan.provisional or due.provisional


def _level_of(unit):
    """The statistics level (DOMAIN.md: report by the level that solved it) of a unit."""
    return {
        Level.GRID: ResolvedLevel.GRID,
        Level.COMMUNITY: ResolvedLevel.COMMUNITY,
        Level.STREET: ResolvedLevel.STREET,
        Level.DISTRICT: ResolvedLevel.DISTRICT,
        Level.DEPARTMENT: ResolvedLevel.DEPARTMENT,
    }.get(unit.level, "")


def _text(fields, key):
    value = fields.get(key)
    return value.strip() if isinstance(value, str) else value


def _require(t, fields):
    # A field the transition does not take is refused, not ignored: a handling unit or a case owner
    # sent along with a review must not look accepted.
    extra = sorted(set(fields) - set(t.required) - set(t.optional))
    if extra:
        raise InvalidInput(f"“{t.label}”不需要这些内容", fields={key: [f"“{t.label}”不需要此项"] for key in extra})
    errors = {}
    for key in t.required:
        value = fields.get(key)
        if key == "evidence":
            continue  # checked against stored attachments too, in the effect
        if value is None or (isinstance(value, str) and not value.strip()) or value == []:
            errors[key] = ["此项为必填项"]
    if errors:
        raise InvalidInput(f"“{t.label}”缺少必填内容", fields=errors)


def _pk(value):
    """A row id from a model instance, an int or a digit string; None for anything else."""
    if isinstance(value, models.Model):
        return value.pk
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ID:
        return None
    return int(text)


def _handling_unit(actor, g, value, *, functional_only=False):
    """The unit an entry is routed to, resolved through `handling_units_for`: within the entry's
    district, a functional unit (归口) or a unit on the entry's own line the actor sees (属地)."""
    pk = _pk(value)
    unit = handling_units_for(actor, g).filter(pk=pk).first() if pk else None
    if unit is None:
        message = "所选责任单位不存在或不在本区可交办的范围内"
        raise InvalidInput(message, fields={"handling_unit": [message]})
    if functional_only and unit.level != Level.DEPARTMENT:
        raise InvalidInput("只能转交给区直职能部门", fields={"handling_unit": ["只能转交给区直职能部门"]})
    return unit


def _case_owner(g, value):
    """The 包案 leader, resolved through `case_owners_for`: a leader over the entry's unit."""
    pk = _pk(value)
    user = case_owners_for(g).filter(pk=pk).first() if pk else None
    if user is None:
        message = "包案领导须为该问题所在单位或其上级单位的领导"
        raise InvalidInput(message, fields={"case_owner": [message]})
    return user


def _save_evidence(actor, g, files):
    if files is not None and not isinstance(files, list | tuple):
        files = [files]
    for f in files or []:
        Attachment.objects.create(
            grievance=g, file=f, name=getattr(f, "name", "")[:200], is_evidence=True, uploaded_by=actor
        )


def _apply(actor, g, t, fields, now):
    """The effect of a transition on fields other than status; returns event data."""
    data = {}
    name = t.name
    if name == "merge":
        into_id = _pk(fields["into"])
        survivor = (
            Grievance.objects.actionable_by(actor, "merge").select_for_update(of=("self",)).filter(pk=into_id).first()
            if into_id
            else None
        )
        if survivor is None:
            message = "合并目标不存在或不在您的管辖范围内"
            raise InvalidInput(message, fields={"into": [message]})
        if survivor.pk == g.pk:
            raise InvalidInput("不能合并到自身", fields={"into": ["不能合并到自身"]})
        if survivor.status in FINAL_STATUSES:
            raise InvalidTransition("合并目标已办结或已合并，不能再合并")
        if survivor.campaign_id != g.campaign_id:
            raise InvalidInput("只能合并同一活动中的条目", fields={"into": ["只能合并同一活动中的条目"]})
        g.merged_into = survivor
        # Every reporter and every entry merged earlier follow the survivor.
        Reporter.objects.filter(grievance=g, source_grievance__isnull=True).update(source_grievance=g)
        Reporter.objects.filter(grievance=g).update(grievance=survivor)
        Grievance.objects.filter(merged_into=g).update(merged_into=survivor)
        survivor.version += 1
        survivor.save(update_fields=["version", "updated_at"])
        GrievanceEvent.objects.create(
            grievance=survivor,
            actor=actor,
            action="merge_in",
            from_status=survivor.status,
            to_status=survivor.status,
            note=_text(fields, "note") or f"合并条目 #{g.pk}",
            data={"source": g.pk},
        )
        data = {"into": survivor.pk}
    elif name == "assign":
        unit = _handling_unit(actor, g, fields["handling_unit"])
        data = {"from_unit": g.handling_unit_id, "to_unit": unit.pk}
        g.handling_unit = unit
        if fields.get("case_owner"):
            g.case_owner = _case_owner(g, fields["case_owner"])
            data["case_owner"] = g.case_owner_id
    elif name == "propose_plan":
        g.proposed_solution = _text(fields, "proposed_solution")
        g.plan_submitted_at = now
    elif name in ("resolve", "solve_on_spot", "explain"):
        g.result = _text(fields, "result")
        _save_evidence(actor, g, fields.get("evidence"))
        if name == "resolve" and not g.attachments.filter(is_evidence=True).exists():
            raise InvalidInput("办结须上传办理佐证材料", fields={"evidence": ["请上传佐证材料（照片或文件）"]})
        g.resolved_at = now
        g.resolved_level = _level_of(g.handling_unit or g.unit)
        if name == "solve_on_spot":
            g.closed_at = now
            g.plan_submitted_at = g.plan_submitted_at or now
    elif name == "follow_up":
        value = fields["satisfaction"]
        if value not in Satisfaction.values:
            raise InvalidInput("满意度取值无效", fields={"satisfaction": ["请选择满意、基本满意或不满意"]})
        g.satisfaction = value
        data = {"satisfaction": value}
    elif name == "close":
        g.closed_at = now
    elif name == "reopen":
        # A fresh clock from the reopen day (DOMAIN.md: dissatisfaction reopens the case).
        g.reopened_count += 1
        g.clock_started_at = now
        g.extension_days, g.extension_state = 0, ExtensionState.NONE
        g.satisfaction, g.resolved_at, g.closed_at, g.resolved_level = "", None, None, ""
        g.plan_submitted_at = None
        g.plan_due_at, g.due_at, g.deadline_provisional = _deadlines_for(g)
        data = {"due_at": g.due_at.isoformat()}
        if g.handling_unit_id is None:
            g.handling_unit = g.unit
    elif name in ("adopt", "reject_suggestion"):
        g.result = _text(fields, "result") or _text(fields, "note") or g.result
        g.resolved_at = g.closed_at = now
        g.resolved_level = _level_of(g.handling_unit or g.unit)
    elif name == "escalate":
        current = g.handling_unit or g.unit
        parent = current.parent
        data = {"from_unit": current.pk, "to_unit": parent.pk}
        g.handling_unit = parent  # the deadline does not restart
    elif name == "transfer":
        unit = _handling_unit(actor, g, fields["handling_unit"], functional_only=True)
        data = {"from_unit": g.handling_unit_id, "to_unit": unit.pk}
        g.handling_unit = unit
    elif name == "request_extension":
        try:
            days = int(fields["days"])
        except (TypeError, ValueError):
            days = 0
        if not 1 <= days <= 60:
            raise InvalidInput("延期天数须为1至60个工作日", fields={"days": ["延期天数须为1至60个工作日"]})
        g.extension_state = ExtensionState.REQUESTED
        g.extension_reason = _text(fields, "note")
        g.extension_requested_days = days
        data = {"days": days}
    elif name == "approve_extension":
        g.extension_state = ExtensionState.APPROVED
        g.extension_days = g.extension_requested_days
        g.plan_due_at, g.due_at, g.deadline_provisional = _deadlines_for(g)
        data = {"days": g.extension_days, "due_at": g.due_at.isoformat()}
    elif name == "reject_extension":
        g.extension_state = ExtensionState.REJECTED
    elif name == "set_tier":
        tier = fields["tier"]
        if tier not in Tier.values:
            raise InvalidInput("问题层级无效", fields={"tier": ["问题层级无效"]})
        data = {"from_tier": g.tier, "to_tier": tier}
        g.tier = tier
        # Recomputed from the original registration (or the reopen day), never from today.
        g.plan_due_at, g.due_at, g.deadline_provisional = _deadlines_for(g)
    elif name == "set_case_owner":
        g.case_owner = _case_owner(g, fields["case_owner"])
        data = {"case_owner": g.case_owner_id}
    return data


def transition(*, actor, grievance, name, version=None, note="", **fields):
    """Run transition `name` on the entry: checks, effect, status, version, history, audit, signal.

    Locks the row: two offices may act on the same entry at once. A `version` older than the
    entry's is refused (Conflict, 409) and nothing changes. Who may run it is the transition
    table's answer (`workflow.check`); ids among `fields` resolve through the actor's scope.
    """
    t = workflow.BY_NAME.get(name)
    if t is None:
        raise InvalidInput("未知的办理操作", fields={"name": ["未知的办理操作"]})
    if note:
        fields["note"] = note
    if name == "follow_up" and fields.get("notes") and not fields.get("note"):
        fields["note"] = fields["notes"]
    pk = grievance.pk if isinstance(grievance, Grievance) else grievance
    with set_actor(actor), transaction.atomic():
        g = (
            Grievance.objects.select_for_update(of=("self",))
            .select_related("unit", "handling_unit", "campaign")
            .get(pk=pk)
        )
        if version not in (None, "") and _version(version) != g.version:
            raise Conflict()
        verdict = workflow.check(actor, g, name)
        if not verdict.allowed:
            if verdict.reason == "scope":
                raise NotAllowed(verdict.message)
            raise InvalidTransition(verdict.message)
        _require(t, fields)
        now = timezone.now()
        from_status = g.status
        data = _apply(actor, g, t, fields, now)
        if t.target is not None:
            g.status = t.target
        g.version += 1
        g.save()
        GrievanceEvent.objects.create(
            grievance=g,
            actor=actor,
            action=name,
            from_status=from_status,
            to_status=g.status,
            note=_text(fields, "note") or "",
            data=data,
        )
        to_status = g.status
        transaction.on_commit(
            lambda: post_transition.send(
                sender=Grievance, grievance=g, name=name, actor=actor, from_status=from_status, to_status=to_status
            )
        )
    return g


# Fields an edit may change, and the rule beyond "edit" that a change of each needs. Everything
# else (status, deadlines, handling unit, case owner, version, who registered it) changes only
# through a transition or is the system's own bookkeeping.
EDITABLE_FIELDS = {
    "content": "edit",
    "category": "edit",
    "reporter_name": "edit",
    "reporter_phone": "edit",
    "proposed_solution": "edit",
    "source": "edit",
    "is_typical": "mark_typical",
    "kind": "set_kind",
}
_RULE_MESSAGES = {
    "mark_typical": "只有活动办工作人员可以标记典型案例",
    "set_kind": "只有活动办工作人员可以调整问题类型",
}


def _version(value):
    """The optimistic-lock input: the version the caller last read."""
    pk = _pk(value) if not isinstance(value, bool) else None
    if pk is None and str(value).strip() != "0":
        raise InvalidInput("版本号无效", fields={"version": ["版本号无效"]})
    return pk or 0


def update_grievance(*, actor, grievance, version, **changes):
    """Edit the entry's text fields (never status). A stale `version` is refused and changes nothing."""
    with set_actor(actor), transaction.atomic():
        if version is None:
            raise InvalidInput("请提供版本号", fields={"version": ["请提供版本号"]})
        version = _version(version)
        g = (
            Grievance.objects.actionable_by(actor, "edit")
            .select_for_update(of=("self",))
            .select_related("unit")
            .filter(pk=grievance.pk)
            .first()
        )
        if g is None:
            raise NotAllowed()
        if version != g.version:
            raise Conflict()
        if g.status in FINAL_STATUSES:
            raise InvalidTransition("已办结的条目不能修改")
        changed = {}
        for key, value in changes.items():
            if key not in EDITABLE_FIELDS:
                raise InvalidInput("该字段不能修改", fields={key: ["该字段不能修改"]})
            if key == "content":
                value = _clean_content(value)
            elif key in ("kind", "source"):
                _check_choices(**{key: value})
            elif key == "category" and value is None:
                raise InvalidInput("请选择问题类别", fields={"category": ["请选择问题类别"]})
            old = getattr(g, key)
            if old == value:
                continue
            rule = EDITABLE_FIELDS[key]
            if rule != "edit" and not can(actor, rule, g):
                raise NotAllowed(_RULE_MESSAGES[rule])
            changed[key] = [str(old), str(value)]
            setattr(g, key, value)
        if changed:
            g.version += 1
            g.save()
            GrievanceEvent.objects.create(
                grievance=g,
                actor=actor,
                action="edit",
                from_status=g.status,
                to_status=g.status,
                note="修改信息",
                data={"fields": sorted(changed)},
            )
    return g


def merge_duplicates(*, actor, survivor, sources, version=None, note=""):
    """Merge `sources` into `survivor`: each becomes `merged`, its reporters and history follow."""
    with transaction.atomic():
        mergeable = Grievance.objects.actionable_by(actor, "merge")
        current = mergeable.select_for_update(of=("self",)).filter(pk=survivor.pk).first()
        if current is None:
            raise NotAllowed("只有活动办工作人员可以合并重复条目")
        if version not in (None, "") and _version(version) != current.version:
            raise Conflict()
        ids = [_pk(s) for s in sources]
        if not ids:
            raise InvalidInput("请选择要合并的条目", fields={"sources": ["请选择要合并的条目"]})
        found = set(mergeable.filter(pk__in=[i for i in ids if i]).values_list("pk", flat=True))
        missing = [s for s, i in zip(sources, ids, strict=True) if i not in found]
        if missing:
            message = "要合并的条目不存在或不在您的管辖范围内"
            raise InvalidInput(message, fields={"sources": [f"{message}：{missing}"]})
        for pk in ids:
            transition(actor=actor, grievance=pk, name="merge", into=survivor.pk, note=note)
    return Grievance.objects.get(pk=survivor.pk)


def bulk_transition(*, actor, ids, name, **fields):
    """Run one bulk action (review, assign, set tier) on many entries, all or nothing."""
    if name not in workflow.BULK:
        raise InvalidInput("不支持的批量操作", fields={"name": ["不支持的批量操作"]})
    with transaction.atomic():
        for value in ids:
            pk = _pk(value)
            g = Grievance.objects.visible_to(actor).filter(pk=pk).first() if pk else None
            if g is None:
                raise InvalidInput(f"条目 #{value} 不存在", fields={"ids": [f"条目 #{value} 不存在"]})
            transition(actor=actor, grievance=g, name=name, **fields)
    return len(ids)


def recompute_deadlines(*, years):
    """After the holiday schedule of `years` changed: recompute open entries' deadlines.

    Set-based: one UPDATE per distinct (clock day, tier, extension, campaign) among the affected
    entries, so a district's ledger costs a handful of statements, not one per entry.
    """
    if not years:
        return 0
    years = set(years)
    qs = Grievance.objects.exclude(status__in=[*FINAL_STATUSES, Status.RESOLVED, Status.EXPLAINED, Status.FOLLOWED_UP])
    qs = qs.filter(Q(clock_started_at__year__in=years) | Q(due_at__year__in=years) | Q(registered_at__year__in=years))
    qs = qs.annotate(clock_day=TruncDate("clock_started_at", tzinfo=calendar.SHANGHAI))
    combos = qs.values_list("clock_day", "tier", "extension_days", "campaign_id").distinct()
    campaigns = {}
    updated = 0
    for day, tier, extra, campaign_id in combos:
        if day is None:
            continue
        campaign = campaigns.get(campaign_id) or Campaign.objects.get(pk=campaign_id)
        campaigns[campaign_id] = campaign
        if tier == Tier.ON_SPOT:
            plan = None
            due = calendar.add_working_days(day, extra)
            provisional = due.provisional
        else:
            p = calendar.add_working_days(day, campaign.tier_days("plan"))
            due = calendar.add_working_days(day, campaign.tier_days(tier) + extra)
            plan, provisional = p.due, p.provisional or due.provisional
        updated += qs.filter(clock_day=day, tier=tier, extension_days=extra, campaign_id=campaign_id).update(
            plan_due_at=plan, due_at=due.due, deadline_provisional=provisional
        )
    if updated:
        from .selectors import bump_generation

        transaction.on_commit(bump_generation)
    return updated


def seed_categories(*, routing=None):
    """Create the default taxonomy (campaigns.defaults) where missing; optionally set 归口 departments.

    `routing` maps department codes to OrgUnits; migration 0004 does the same on a fresh database.
    """
    from campaigns import defaults

    from .models import GrievanceCategory

    by_top = defaults.DEMO.get("department_by_category", {})
    by_child = defaults.DEMO.get("department_by_subcategory", {})
    routing = routing or {}
    existing = {c.code: c for c in GrievanceCategory.objects.all()}
    for i, top in enumerate(defaults.GRIEVANCE_CATEGORIES):
        parent = existing.get(top["code"]) or GrievanceCategory.objects.create(
            code=top["code"], name=top["name"], order=(i + 1) * 100
        )
        wanted = routing.get(by_top.get(top["code"]))
        if wanted is not None and parent.default_department_id is None:
            GrievanceCategory.objects.filter(pk=parent.pk).update(default_department=wanted)
        for j, child in enumerate(top.get("children", [])):
            c = existing.get(child["code"]) or GrievanceCategory.objects.create(
                code=child["code"], name=child["name"], parent=parent, order=(i + 1) * 100 + j + 1
            )
            code = by_child[child["code"]] if child["code"] in by_child else by_top.get(top["code"])
            wanted = routing.get(code)
            if wanted is not None and c.default_department_id is None:
                GrievanceCategory.objects.filter(pk=c.pk).update(default_department=wanted)
