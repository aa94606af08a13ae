"""Writes of the foundation: campaigns, their defaults and their phases."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import calendar, presets
from .errors import InvalidInput, NotAllowed
from .models import (
    Campaign,
    CampaignPhase,
    ChecklistItem,
    DeadlineTier,
    FocusCategory,
    OutboxMessage,
    OutboxStatus,
    Phase,
)
from .signals import phase_changed, phases_synced

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date

    from .models import OrgUnit, User

logger = logging.getLogger(__name__)


def ensure_focus_categories() -> None:
    """The focus categories of the seeds exist (idempotent)."""
    for item in presets.focus_categories():
        FocusCategory.objects.get_or_create(code=item.code, defaults={"name": item.name})


@transaction.atomic
def fill_campaign_defaults(*, campaign: Campaign) -> None:
    """Give a campaign the nine checklist questions and the deadline tiers when it has none."""
    if not campaign.checklist.exists():
        ChecklistItem.objects.bulk_create(
            [
                ChecklistItem(campaign=campaign, order=q.order, area=q.area, question=q.question)
                for q in presets.checklist()
            ]
        )
    if not campaign.tiers.exists():
        DeadlineTier.objects.bulk_create(
            [
                DeadlineTier(campaign=campaign, code=t.code, label=t.label, working_days=t.working_days)
                for t in presets.deadline_tiers()
            ]
        )


@transaction.atomic
def create_campaign(
    *,
    actor: User | None,
    name: str,
    territory: OrgUnit,
    year: int,
    start: date,
    focus_codes: Iterable[str] | None = None,
    phase_days: dict[str, int] | None = None,
) -> Campaign:
    """A campaign with five consecutive phases starting on `start` and the default checklist and tiers."""
    campaign = Campaign.objects.create(name=name, territory=territory, year=year)
    lengths = phase_days or presets.phase_days()
    day = start
    for kind in Phase.values:
        end = day + timedelta(days=lengths[kind] - 1)
        CampaignPhase.objects.create(campaign=campaign, kind=kind, start=day, end=end)
        day = end + timedelta(days=1)
    ensure_focus_categories()
    codes = focus_codes if focus_codes is not None else presets.default_focus()
    campaign.focus_categories.set(FocusCategory.objects.filter(code__in=codes))
    fill_campaign_defaults(campaign=campaign)
    return campaign


def sync_phase(*, campaign: Campaign, today: date) -> bool:
    """Set the phase from the dates unless an admin locked it. Returns True when it changed."""
    if campaign.phase_locked:
        return False
    kind = campaign.phase_on(today)
    if kind and kind != campaign.phase:
        campaign.phase = kind
        campaign.save(update_fields=["phase"])
        return True
    return False


class _Work:
    """What the receivers of phase_changed report having done, added up over one or more switches."""

    def __init__(self) -> None:
        self.counts, self.failures, self.errors = {}, 0, []

    def add(self, responses: list[tuple[Any, Any]]) -> None:
        for receiver, result in responses:
            if isinstance(result, Exception):
                # One failing receiver must not keep the others (or the next campaign) from their work.
                logger.error("phase_changed receiver %r failed", receiver, exc_info=result)
                self.failures += 1
                self.errors.append(repr(result))
            elif result:
                for key, n in result.items():
                    self.counts[key] = self.counts.get(key, 0) + n


def _announce(campaign: Campaign, old: str, new: str, work: _Work) -> None:
    """Once committed, tell the feature apps the campaign's phase changed; `work` collects what they did."""
    transaction.on_commit(
        lambda: work.add(phase_changed.send_robust(sender=Campaign, campaign=campaign, old=old, new=new))
    )


def sync_phases(*, today: date | None = None) -> dict[str, Any]:
    """Switch every unlocked campaign to the phase of its dates and announce each switch.

    Returns the counts: campaigns switched, and the work their receivers reported (once committed)."""
    started = timezone.now()
    today = today or calendar.local_date(started)
    switched, work = [], _Work()
    for pk in Campaign.objects.filter(phase_locked=False).values_list("pk", flat=True):
        with transaction.atomic():
            # Lock the row: two workers must not both switch one campaign and run its work twice.
            campaign = Campaign.objects.select_for_update().get(pk=pk)
            old = campaign.phase
            if sync_phase(campaign=campaign, today=today):
                switched.append(f"{campaign.pk}:{old}->{campaign.phase}")
                _announce(campaign, old, campaign.phase, work)

    def report() -> dict[str, Any]:
        return {"switched": len(switched), "campaigns": switched, **work.counts}

    transaction.on_commit(
        lambda: phases_synced.send(
            sender=Campaign,
            as_of=started,
            started_at=started,
            finished_at=timezone.now(),
            counts=report(),
            failures=work.failures,
            error="\n".join(work.errors)[:2000],
        )
    )
    return report()


def switch_phase(*, actor: User, campaign: Campaign, phase: str) -> dict[str, int]:
    """An admin over the campaign's territory switches its phase by hand; the dates no longer move
    it (phase_locked). An admin of one street does not switch the district's campaign.

    Returns the work the receivers of phase_changed reported, once committed."""
    work = _Work()
    with transaction.atomic():
        # Lock the row: a hand switch and the daily sync must not both run one switch's work.
        campaign = (
            Campaign.objects.actionable_by(actor, "manage")
            .select_for_update(of=("self",))
            .filter(pk=campaign.pk)
            .first()
        )
        if campaign is None:
            raise NotAllowed("只有该活动区域的管理员可以手动切换阶段")
        if phase not in Phase.values:
            raise InvalidInput("请选择阶段", fields={"phase": ["请选择阶段"]})
        old = campaign.phase
        campaign.phase, campaign.phase_locked = phase, True
        campaign.save(update_fields=["phase", "phase_locked"])
        if old != phase:
            _announce(campaign, old, phase, work)
    return {**work.counts, **({"failures": work.failures} if work.failures else {})}


# --- the outbox: tasks a committed change must cause ------------------------------------------------
# A claim older than this is taken to be a sender that died between claiming and sending.
OUTBOX_CLAIM_SECONDS = 300
OUTBOX_BACKOFF_MAX_SECONDS = 3600


def enqueue(task, *, key: str | None = None, **kwargs: Any) -> OutboxMessage:
    """Ask for `task(**kwargs)` to run once the current transaction commits. The row is written in
    that transaction, so the change and its effect stand or fall together; after commit the row is
    handed to the broker, and if the broker is away the row stays pending for `deliver_outbox`.
    The same `key` again (a retried request, a task run twice) asks for nothing more."""
    import uuid

    key = key or f"{task.name}:{uuid.uuid4().hex}"
    message, _ = OutboxMessage.objects.get_or_create(key=key[:200], defaults={"task": task.name, "kwargs": kwargs})
    transaction.on_commit(lambda: send_outbox(ids=[message.pk]), robust=True)
    return message


def enqueue_now(task, *, key: str | None = None, **kwargs: Any) -> OutboxMessage:
    """`enqueue()` for a caller whose change is committed already (an upload stored and recorded
    in autocommit, a button that starts a sweep): hand the row to the broker now."""
    message = enqueue(task, key=key, **kwargs)
    send_outbox(ids=[message.pk])
    return message


def send_outbox(*, ids: Iterable[int] | None = None, now=None) -> int:
    """Hand due outbox rows to the broker; each is claimed first, so two senders (the nudge after
    commit and beat) send it once. A refusal puts it back with an exponential back-off."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=OUTBOX_CLAIM_SECONDS)
    due = OutboxMessage.objects.filter(
        Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        | Q(status=OutboxStatus.SENDING, next_attempt_at__lte=stale)
    )
    if ids is not None:
        due = due.filter(pk__in=list(ids))
    sent = 0
    for message in due.order_by("next_attempt_at", "pk")[:500]:
        claimed = OutboxMessage.objects.filter(pk=message.pk, status=message.status, attempts=message.attempts).update(
            status=OutboxStatus.SENDING, next_attempt_at=now, attempts=message.attempts + 1
        )
        if not claimed:
            continue
        try:
            _publish(message)
        except Exception as exc:  # the broker may raise anything (kombu, redis, OSError)
            delay = min(OUTBOX_BACKOFF_MAX_SECONDS, 30 * 2 ** min(message.attempts, 10))
            OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.SENDING).update(
                status=OutboxStatus.PENDING,
                next_attempt_at=now + timedelta(seconds=delay),
                last_error=f"{type(exc).__name__}: {exc}"[:300],
            )
            logger.warning("outbox %s (%s) not queued: %s", message.pk, message.task, type(exc).__name__)
            continue
        OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.SENDING).update(
            status=OutboxStatus.SENT, sent_at=timezone.now(), last_error=""
        )
        sent += 1
    return sent


def _publish(message: OutboxMessage) -> None:
    from config.celery import app

    task = app.tasks.get(message.task)
    if task is not None:  # honours CELERY_TASK_ALWAYS_EAGER (tests, one-process runs)
        task.apply_async(kwargs=message.kwargs)
    else:
        app.send_task(message.task, kwargs=message.kwargs)


def purge_outbox(*, days: int = 7) -> int:
    """Sent rows are kept a week for the operations page, then dropped."""
    cutoff = timezone.now() - timedelta(days=days)
    return OutboxMessage.objects.filter(status=OutboxStatus.SENT, sent_at__lt=cutoff).delete()[0]
