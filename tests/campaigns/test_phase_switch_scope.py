"""A hand phase switch (which also locks the phase) is for an admin over the campaign's territory:
an admin of one street does not switch or lock the district's campaign, through the API, the
operations page, the admin action or the service itself.

Transactional: a switch's work (look-back tasks and their notices) runs once the switch commits,
so "nothing was created" is only worth asserting where commits happen."""

import pytest
from django.contrib.auth.models import Permission

from campaigns.errors import NotAllowed
from campaigns.models import Campaign, Phase, Role
from campaigns.services import switch_phase
from grievances.models import FollowUp, Status
from notifications.models import Notification
from tests.factories import UserFactory, make_campaign, member
from tests.grievances.factories import lighting_entry, set_status
from tests.twofactor import verified

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def street_admin(tree):
    return member(UserFactory(username="t_street_admin", full_name="韩管理"), tree.street_a, Role.ADMIN)


@pytest.fixture
def answered(tree, cast, campaign):
    """An answered entry: a switch to look-back would create its follow-up and notify."""
    return set_status(lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign), Status.EXPLAINED)


def _unchanged(campaign):
    fresh = Campaign.objects.get(pk=campaign.pk)
    assert (fresh.phase, fresh.phase_locked) == (campaign.phase, campaign.phase_locked) == (Phase.VISITING, False)
    assert not FollowUp.objects.exists()
    assert not Notification.objects.filter(kind="followup").exists()


def test_street_admin_cannot_switch_the_district_campaign_through_the_api(api, street_admin, campaign, answered):
    r = api(street_admin).post(f"/api/campaign-phases/{campaign.pk}/switch/", {"phase": "lookback"}, format="json")
    assert r.status_code == 403
    assert r.json()["code"] == "permission_denied"
    _unchanged(campaign)


def test_street_admin_cannot_switch_the_district_campaign_on_the_operations_page(
    client, street_admin, campaign, answered
):
    verified(client, street_admin)
    r = client.post("/grievances/ops/", {"action": "switch", "campaign": campaign.pk, "phase": "lookback"})
    assert r.status_code == 400
    assert "所选对象不存在或不在您的管辖范围内" in r.content.decode()
    _unchanged(campaign)


def test_the_operations_page_offers_the_street_admin_only_the_streets_campaign(client, tree, street_admin, campaign):
    own = make_campaign(tree.street_a, name="东城街道2026年大走访")
    verified(client, street_admin)
    page = client.get("/grievances/ops/").content.decode()
    assert own.name in page and campaign.name not in page


def test_street_admin_cannot_switch_through_the_service_either(street_admin, campaign, answered):
    with pytest.raises(NotAllowed) as caught:
        switch_phase(actor=street_admin, campaign=campaign, phase=Phase.LOOKBACK)
    assert caught.value.message == "只有该活动区域的管理员可以手动切换阶段"
    _unchanged(campaign)


def test_street_admin_cannot_lock_the_district_campaign_with_the_admin_action(client, street_admin, campaign, answered):
    street_admin.is_staff = True
    street_admin.save()
    street_admin.user_permissions.add(*Permission.objects.filter(codename__in=["view_campaign", "change_campaign"]))
    verified(client, street_admin)
    r = client.post(
        "/admin/campaigns/campaign/",
        {"action": "switch_phase_to_lookback", "_selected_action": [campaign.pk]},
        follow=True,
    )
    assert "只有该活动区域的管理员可以手动切换阶段" in r.content.decode()
    _unchanged(campaign)


def test_street_admin_switches_and_locks_the_streets_own_campaign(api, tree, street_admin):
    own = make_campaign(tree.street_a, name="东城街道2026年大走访")
    client = api(street_admin)
    assert [row["id"] for row in client.get("/api/campaign-phases/").json()] == [own.pk]
    r = client.post(f"/api/campaign-phases/{own.pk}/switch/", {"phase": "rectification"}, format="json")
    assert r.status_code == 200
    own.refresh_from_db()
    assert (own.phase, own.phase_locked) == (Phase.RECTIFICATION, True)


def test_a_district_admin_switches_the_district_campaign(api, tree, campaign):
    district_admin = member(UserFactory(username="t_district_admin", full_name="秦管理"), tree.district, Role.ADMIN)
    r = api(district_admin).post(f"/api/campaign-phases/{campaign.pk}/switch/", {"phase": "lookback"}, format="json")
    assert r.status_code == 200
    campaign.refresh_from_db()
    assert (campaign.phase, campaign.phase_locked) == (Phase.LOOKBACK, True)


def test_people_who_are_no_admin_anywhere_get_403_on_the_phase_list(api, cast):
    assert api(cast.office).get("/api/campaign-phases/").status_code == 403
