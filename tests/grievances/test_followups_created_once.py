"""Look-back tasks exist once per answered entry and once per focus household."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from campaigns.models import CampaignPhase, FocusCategory, Phase
from campaigns.tasks import sync_campaign_phases
from grievances.followups import ensure_followup_for
from grievances.models import FollowUp, Status
from grievances.receivers import on_transition_recorded
from notifications.models import Notification

from .factories import household_with_phone, lighting_entry, set_status, visit


def lookback_tomorrow(campaign):
    """Move the campaign's look-back phase to start tomorrow (the others before it)."""
    today = timezone.localdate()
    CampaignPhase.objects.filter(campaign=campaign, kind=Phase.LOOKBACK).update(
        start=today + timedelta(days=1), end=today + timedelta(days=30)
    )
    CampaignPhase.objects.filter(campaign=campaign, kind=Phase.RECTIFICATION).update(
        start=today - timedelta(days=5), end=today
    )
    CampaignPhase.objects.filter(campaign=campaign, kind=Phase.VISITING).update(
        start=today - timedelta(days=20), end=today - timedelta(days=6)
    )
    campaign.phase = Phase.RECTIFICATION
    campaign.save()


def test_lookback_phase_start_creates_each_followup_once(tree, cast, campaign, django_capture_on_commit_callbacks):
    lookback_tomorrow(campaign)
    hh = household_with_phone(tree.grid_a1, "王大妈")
    visited = lighting_entry(
        actor=cast.cadre, household_=hh, campaign=campaign, visit=visit(campaign, hh, cast.cadre, timezone.now())
    )
    set_status(visited, Status.RESOLVED)
    walk_in = lighting_entry(actor=cast.office, unit=tree.grid_b1, campaign=campaign, content="小区路面坑洼")
    set_status(walk_in, Status.EXPLAINED)
    still_open = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    focus_category = campaign.focus_categories.first() or FocusCategory.objects.first()
    focus = household_with_phone(tree.grid_c1, "赵老伯")
    focus.categories.add(focus_category)

    tomorrow = timezone.localdate() + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        sync_campaign_phases.delay(today=tomorrow.isoformat())
        sync_campaign_phases.delay(today=tomorrow.isoformat())  # the daily task runs twice: nothing new

    campaign.refresh_from_db()
    assert campaign.phase == Phase.LOOKBACK
    rows = {(f.kind, f.grievance_id, f.household_id): f.assignee for f in FollowUp.objects.all()}
    assert rows == {
        ("grievance", visited.pk, hh.pk): cast.cadre,  # the cadre who visited
        ("grievance", walk_in.pk, None): cast.office,  # no visit: the unit's office
        ("focus", None, focus.pk): cast.office_b,  # focus household, nobody assigned: its street office
    }
    assert not FollowUp.objects.filter(grievance=still_open).exists()
    lookback_end = campaign.phase_dates(Phase.LOOKBACK).end
    assert {timezone.localtime(f.due_at).date() for f in FollowUp.objects.all()} == {lookback_end}
    assert Notification.objects.filter(kind="followup", recipient=cast.cadre).count() == 1


def test_answering_an_entry_creates_its_followup_once(tree, cast, campaign):
    g = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    set_status(g, Status.RESOLVED)
    # What the workflow's transition_recorded signal delivers (in the transition's transaction), twice.
    on_transition_recorded(
        sender=None, grievance=g, name="resolve", actor=cast.office, from_status="planned", to_status="resolved"
    )
    on_transition_recorded(
        sender=None, grievance=g, name="resolve", actor=cast.office, from_status="planned", to_status="resolved"
    )
    on_transition_recorded(sender=None, grievance=g, name="assign", actor=cast.office, from_status="x", to_status="y")
    assert ensure_followup_for(grievance_id=g.pk) == FollowUp.objects.get()
    assert FollowUp.objects.get().assignee == cast.office


def test_followup_due_in_working_days_when_no_lookback_phase_remains(tree, cast, campaign):
    CampaignPhase.objects.filter(campaign=campaign, kind=Phase.LOOKBACK).update(start="2026-08-01", end="2026-08-31")
    g = set_status(lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign), Status.RESOLVED)
    with time_machine.travel("2026-09-28 10:00 +0800", tick=False):
        fu = ensure_followup_for(grievance_id=g.pk)
    # 10 working days from Mon 28 Sep 2026 skip the National Day week: Fri 16 Oct (Sat 10 Oct counts).
    assert timezone.localtime(fu.due_at).date().isoformat() == "2026-10-16"
