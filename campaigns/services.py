"""Writes of the foundation: campaigns and their defaults."""

from datetime import timedelta

from django.db import transaction

from . import presets
from .models import Campaign, CampaignPhase, ChecklistItem, DeadlineTier, FocusCategory, Phase


def ensure_focus_categories():
    """The focus categories of the seeds exist (idempotent)."""
    for item in presets.focus_categories():
        FocusCategory.objects.get_or_create(code=item.code, defaults={"name": item.name})


@transaction.atomic
def fill_campaign_defaults(*, campaign):
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
def create_campaign(*, actor, name, territory, year, start, focus_codes=None, phase_days=None):
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


def sync_phase(*, campaign, today):
    """Set the phase from the dates unless an admin locked it. Returns True when it changed."""
    if campaign.phase_locked:
        return False
    kind = campaign.phase_on(today)
    if kind and kind != campaign.phase:
        campaign.phase = kind
        campaign.save(update_fields=["phase"])
        return True
    return False
