"""Writes of the foundation: campaigns, their defaults and their phases."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from . import calendar, presets
from .errors import InvalidInput, NotAllowed
from .models import Campaign, CampaignPhase, ChecklistItem, DeadlineTier, FocusCategory, Phase
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
