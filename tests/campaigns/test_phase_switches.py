"""A campaign's phase follows its dates (unless locked), can be switched by an admin, and each
switch triggers its work.

A switch is announced once committed (campaigns.signals.phase_changed): the tests that look at the
work its receivers do, or at what the switch reports of it, are transactional, so that it commits."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import CampaignPhase, Phase
from campaigns.tasks import sync_campaign_phases
from grievances.models import SweepRun
from notifications.models import Notification
from tests.grievances.factories import assign, household_with_phone, visit
from tests.twofactor import verified


def end_visiting_today(campaign):
    today = timezone.localdate()
    CampaignPhase.objects.filter(campaign=campaign, kind=Phase.VISITING).update(
        start=today - timedelta(days=10), end=today
    )
    CampaignPhase.objects.filter(campaign=campaign, kind=Phase.RECTIFICATION).update(
        start=today + timedelta(days=1), end=today + timedelta(days=20)
    )
    return today + timedelta(days=1)


@pytest.mark.django_db(transaction=True)
def test_end_of_visiting_sends_a_coverage_notice_listing_unvisited_households(tree, cast, campaign):
    tomorrow = end_visiting_today(campaign)
    done = household_with_phone(tree.grid_a1, "王大妈")
    missed = household_with_phone(tree.grid_a2, "陈大爷")
    other_street = household_with_phone(tree.grid_c1, "周阿姨")
    for hh, who in ((done, cast.cadre), (missed, cast.cadre), (other_street, cast.cadre_c)):
        assign(campaign, hh, who)
    visit(campaign, done, cast.cadre, timezone.now())

    sync_campaign_phases.delay(today=tomorrow.isoformat())

    campaign.refresh_from_db()
    assert campaign.phase == Phase.RECTIFICATION
    mine = Notification.objects.get(recipient=cast.office, kind="coverage")
    assert "1 户" in mine.title and "陈大爷" in mine.body and "王大妈" not in mine.body and "周阿姨" not in mine.body
    theirs = Notification.objects.get(recipient=cast.office_b, kind="coverage")
    assert "周阿姨" in theirs.body
    run = SweepRun.objects.get(kind="phases")
    assert run.counts["switched"] == 1 and run.counts["coverage_notices"] == 2


def test_locked_campaign_keeps_its_phase(tree, cast, campaign):
    tomorrow = end_visiting_today(campaign)
    campaign.phase_locked = True
    campaign.save()
    sync_campaign_phases.delay(today=tomorrow.isoformat())
    campaign.refresh_from_db()
    assert campaign.phase == Phase.VISITING


@pytest.mark.django_db(transaction=True)
def test_admin_switches_phase_by_hand_and_it_stays(tree, cast, campaign, api):
    url = f"/api/campaign-phases/{campaign.pk}/switch/"
    assert api(cast.office).post(url, {"phase": "lookback"}, format="json").status_code == 403
    response = api(cast.admin).post(url, {"phase": "lookback"}, format="json")
    assert response.status_code == 200 and response.json()["work"] == {"followups": 0, "coverage_notices": 0}
    campaign.refresh_from_db()
    assert (campaign.phase, campaign.phase_locked) == (Phase.LOOKBACK, True)
    sync_campaign_phases.delay()
    campaign.refresh_from_db()
    assert campaign.phase == Phase.LOOKBACK


def test_ops_page_shows_runs_to_admins_only(client, cast, tree):
    from grievances.sweep import sweep_deadlines

    sweep_deadlines()
    client.force_login(cast.cadre)
    assert client.get("/grievances/ops/").status_code == 403
    verified(client, cast.admin)
    page = client.get("/grievances/ops/").content.decode()
    assert "期限扫描" in page and "最近运行" in page
    assert client.get("/api/sweep-runs/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_admin_action_switches_to_lookback_and_creates_followups(client, tree, cast, campaign):
    from grievances.models import FollowUp, Status
    from tests.grievances.factories import lighting_entry, set_status

    g = set_status(lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign), Status.EXPLAINED)
    verified(client, cast.admin)
    response = client.post(
        "/admin/campaigns/campaign/",
        {"action": "switch_phase_to_lookback", "_selected_action": [campaign.pk]},
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.phase, campaign.phase_locked) == (Phase.LOOKBACK, True)
    assert FollowUp.objects.get().grievance == g
