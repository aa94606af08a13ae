"""Look-back (回头看): follow-up tasks and recording their outcome.

DOMAIN.md, Look-back: every household whose problem was handled is called on again — solved?
satisfied? new needs? Dissatisfaction reopens the case. A follow-up exists once per entry and
once per (campaign, focus household); both are enforced by unique constraints, so creating them
twice or in two workers at once is harmless. They are created when an entry is answered and when
a campaign's look-back phase starts (receivers.py).
"""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from campaigns import calendar
from campaigns.access import can
from campaigns.errors import Conflict, InvalidInput, NotAllowed
from campaigns.lib.idempotency import first_for_key
from campaigns.models import Membership, OrgUnit, Phase, Role, VisitMode, path_prefixes
from notifications.models import NotificationKind
from notifications.services import notify

from .models import (
    DeadlineSettings,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Grievance,
    GrievanceCategory,
    HandlingRules,
    Satisfaction,
    Status,
)

# Transitions after which the person is owed a look-back (the workflow's names).
LOOKBACK_TRANSITIONS = {"resolve", "explain", "solve_on_spot"}
# Entries already answered when the look-back phase starts.
LOOKBACK_STATUSES = [Status.RESOLVED, Status.EXPLAINED]
SATISFIED = {Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED}


# --- the seam to the ledger's workflow -----------------------------------------------------
def run_transition(*, actor, grievance, name, **fields):
    """The look-back moves an entry only through the ledger's workflow, whose table lets the
    task's assignee record it (follow-up, then close or reopen) beside the unit's office."""
    from . import services

    return services.transition(actor=actor, grievance=grievance, name=name, **fields)


# --- creating follow-ups -------------------------------------------------------------------
def lookback_due(campaign, now=None, config=None):
    """Due the campaign's set number of working days after the answer (接诉即办: the next working
    day), else at the end of its look-back phase, or in N working days when that is over."""
    now = now or timezone.now()
    days = HandlingRules.for_campaign(campaign).followup_working_days
    if days:
        return calendar.add_working_days(now, days).due
    phase = campaign.phase_dates(Phase.LOOKBACK)
    if phase is not None and phase.end >= calendar.local_date(now):
        return calendar.end_of_day(phase.end)
    config = config or DeadlineSettings.load()
    return calendar.add_working_days(now, config.followup_days).due


def _office_by_unit(unit_ids):
    """For each unit id, an office staff member of the nearest unit above (or at) it. Two queries."""
    units = dict(OrgUnit.objects.filter(pk__in=set(unit_ids)).values_list("pk", "path"))
    offices = {}
    for path, user_id in (
        Membership.objects.filter(role=Role.OFFICE, user__is_active=True)
        .order_by("id")
        .values_list("unit__path", "user_id")
    ):
        offices.setdefault(path, user_id)
    result = {}
    for pk, path in units.items():
        for prefix in reversed(path_prefixes(path)):
            if prefix in offices:
                result[pk] = offices[prefix]
                break
    return result


def _notify_assignees(followups):
    by_user = {}
    for f in followups:
        if f.assignee_id:
            by_user.setdefault(f.assignee_id, []).append(f)
    from campaigns.models import User

    users = User.objects.in_bulk(list(by_user))
    for user_id, items in by_user.items():
        first = items[0]
        notify(
            recipients=[users[user_id]],
            kind=NotificationKind.FOLLOWUP,
            title=f"【回头看】新增 {len(items)} 项回访任务",
            body=f"请在 {timezone.localtime(first.due_at):%Y-%m-%d} 前完成回访，了解问题是否解决、群众是否满意。",
            grievance=first.grievance if len(items) == 1 else None,
            url="/grievances/followups/",
        )


@transaction.atomic
def ensure_followup_for(*, grievance_id):
    """The follow-up of one answered entry (created at most once), with its assignee's notice, in
    the caller's transaction (the transition's). Returns it, or None."""
    g = Grievance.objects.select_related("visit", "campaign").filter(pk=grievance_id).first()
    if g is None:
        return None
    existing = FollowUp.objects.filter(grievance=g).first()
    if existing is not None:
        if (
            existing.status == FollowUpStatus.DONE
            and existing.satisfaction == Satisfaction.NOT_SATISFIED
            and g.status in LOOKBACK_STATUSES
        ):
            # Reopened after dissatisfaction and answered again: the same task, a new round.
            before = (
                f"上次回访（{timezone.localtime(existing.recorded_at):%Y-%m-%d}）：不满意。{existing.notes}".strip()
            )
            reopened = FollowUp.objects.filter(pk=existing.pk, status=FollowUpStatus.DONE).update(
                status=FollowUpStatus.PENDING,
                due_at=lookback_due(g.campaign),
                mode="",
                solved=None,
                satisfaction="",
                notes=before,
                recorded_at=None,
                recorded_by=None,
            )
            existing.refresh_from_db()
            if reopened:
                _notify_assignees([existing])
        return existing
    assignee_id = g.visit.visitor_id if g.visit_id else _office_by_unit([g.unit_id]).get(g.unit_id)
    created = FollowUp.objects.bulk_create(
        [
            FollowUp(
                kind=FollowUpKind.GRIEVANCE,
                grievance=g,
                household_id=g.household_id,
                campaign_id=g.campaign_id,
                assignee_id=assignee_id,
                due_at=lookback_due(g.campaign),
            )
        ],
        ignore_conflicts=True,
    )
    followup = FollowUp.objects.filter(grievance=g).first()
    if created and followup is not None:
        # In the same transaction: the notice and its deliveries (outbox rows) commit with the task.
        _notify_assignees([followup])
    return followup


@transaction.atomic
def ensure_followups(*, campaign, now=None):
    """Every follow-up the look-back phase needs: one per answered entry, one per focus household.

    A constant number of queries; existing follow-ups are left alone. Returns how many were created.
    """
    from visits.models import Assignment, Household, Visit

    now = now or timezone.now()
    due = lookback_due(campaign, now)
    have_g = FollowUp.objects.filter(grievance__isnull=False, grievance__campaign=campaign)
    entries = list(
        Grievance.objects.filter(campaign=campaign, status__in=LOOKBACK_STATUSES, merged_into__isnull=True)
        .exclude(pk__in=have_g.values("grievance_id"))
        .order_by()
        .values_list("pk", "household_id", "unit_id", "visit__visitor_id")
    )
    focus = list(
        Household.objects.filter(
            grid__path__startswith=campaign.territory.path, categories__in=campaign.focus_categories.all()
        )
        .exclude(pk__in=FollowUp.objects.filter(campaign=campaign, kind=FollowUpKind.FOCUS).values("household_id"))
        .order_by()
        .distinct()
        .values_list("pk", "grid_id")
    )
    focus_ids = [pk for pk, _grid in focus]
    visitor = {}
    # Prefer who actually visited, then who was assigned (the party leader's 户户到 last).
    for hh, user_id in (
        Visit.objects.filter(campaign=campaign, household_id__in=focus_ids)
        .order_by("visited_at")
        .values_list("household_id", "visitor_id")
    ):
        visitor[hh] = user_id
    for hh, user_id, kind in Assignment.objects.filter(campaign=campaign, household_id__in=focus_ids).values_list(
        "household_id", "visitor_id", "kind"
    ):
        if hh not in visitor or kind != "party_leader":
            visitor.setdefault(hh, user_id)
    office = _office_by_unit([u for _pk, _hh, u, _v in entries] + [g for _pk, g in focus])
    rows = [
        FollowUp(
            kind=FollowUpKind.GRIEVANCE,
            grievance_id=pk,
            household_id=hh,
            campaign=campaign,
            assignee_id=visit_by or office.get(unit),
            due_at=due,
        )
        for pk, hh, unit, visit_by in entries
    ] + [
        FollowUp(
            kind=FollowUpKind.FOCUS,
            household_id=pk,
            campaign=campaign,
            assignee_id=visitor.get(pk) or office.get(grid),
            due_at=due,
        )
        for pk, grid in focus
    ]
    if not rows:
        return 0
    last_id = FollowUp.objects.aggregate(m=Max("id"))["m"] or 0
    FollowUp.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    created = list(
        FollowUp.objects.filter(campaign=campaign, pk__gt=last_id).only("assignee_id", "due_at", "grievance_id")
    )
    if created:
        transaction.on_commit(lambda: _notify_assignees(created))
    return len(created)


# --- recording -----------------------------------------------------------------------------
def _validate(mode, solved, satisfaction, new_needs):
    errors = {}
    if mode not in VisitMode.values:
        errors["mode"] = ["请选择回访方式"]
    if not isinstance(solved, bool):
        errors["solved"] = ["请选择问题是否已解决"]
    if satisfaction not in Satisfaction.values:
        errors["satisfaction"] = ["请选择满意度：满意、基本满意或不满意"]
    needs = []
    for item in new_needs or []:
        text = (item.get("content") if isinstance(item, dict) else item) or ""
        if not isinstance(text, str):
            errors["new_needs"] = ["新的诉求应为文字"]
        elif text.strip():
            needs.append(text.strip())
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], fields=errors)
    return needs


def _may_record(actor, followup):
    return can(actor, "record", followup)


@transaction.atomic
def record_followup(*, actor, followup, mode, solved, satisfaction, notes="", new_needs=None, client_id=None):
    """Record a look-back: satisfied → the entry closes; not satisfied → it reopens with a fresh
    deadline; each new need becomes a new entry. With `client_id`, the same key again answers the
    recorded task (its `replayed` is True) and writes nothing; a key used elsewhere is a 409."""
    from .services import register_grievance

    # Lock only the follow-up row: two people may record the same task at once, and two sends of
    # one submit wait here for each other.
    fu = (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("grievance", "household", "campaign")
        .get(pk=followup.pk)
    )
    first = first_for_key(FollowUp.objects.all(), client_id, actor, owner="recorded_by") if client_id else None
    if first is not None:
        if first.pk != fu.pk:
            raise Conflict("该提交编号已被使用", code="client_id_taken")
        fu.replayed = True
        return fu
    needs = _validate(mode, solved, satisfaction, new_needs)
    if not _may_record(actor, fu):
        raise NotAllowed("只有回访人或所属单位活动办可以记录回访")
    if fu.status != FollowUpStatus.PENDING:
        raise Conflict("该回头看任务已记录，不能重复记录", code="already_recorded")
    fu.mode, fu.solved, fu.satisfaction, fu.notes = mode, solved, satisfaction, (notes or "").strip()
    fu.status, fu.recorded_at, fu.recorded_by = FollowUpStatus.DONE, timezone.now(), actor
    fu.client_id = client_id
    if fu.grievance_id and fu.grievance.status in (*LOOKBACK_STATUSES, Status.FOLLOWED_UP):
        g = fu.grievance
        if g.status != Status.FOLLOWED_UP:
            run_transition(actor=actor, grievance=g, name="follow_up", satisfaction=satisfaction)
        if satisfaction in SATISFIED:
            run_transition(actor=actor, grievance=g, name="close", note="回头看：群众满意，销号")
        else:
            note = f"回头看：群众不满意，重新办理。{fu.notes}".strip()
            run_transition(actor=actor, grievance=g, name="reopen", note=note)
    created = []
    if needs:
        category = fu.grievance.category if fu.grievance_id else _default_category()
        household = fu.household or (fu.grievance.household if fu.grievance_id else None)
        for text in needs:
            created.append(
                register_grievance(
                    actor=actor,
                    content=text,
                    category=category,
                    household=household,
                    unit=None if household else fu.grievance.unit,
                    campaign=fu.campaign,
                )
            )
    fu.new_needs = [{"content": g.content, "grievance": g.pk} for g in created]
    fu.save()
    return fu


def _default_category():
    category = (
        GrievanceCategory.objects.filter(code="other").first()
        or GrievanceCategory.objects.filter(is_active=True).order_by("parent_id", "order", "id").first()
    )
    if category is None:
        raise InvalidInput("尚未配置问题类别，无法登记新的诉求")
    return category
