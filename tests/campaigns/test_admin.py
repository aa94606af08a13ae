"""Admins configure org units, people, campaigns, categories and the calendar in Chinese."""

import pytest
from auditlog.models import LogEntry

from tests.twofactor import verified

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path,text",
    [
        ("/admin/", "配置与审计"),
        ("/admin/campaigns/orgunit/", "组织单位"),
        ("/admin/campaigns/user/", "人员"),
        ("/admin/campaigns/campaign/", "走访活动"),
        ("/admin/campaigns/calendarday/", "节假日与调休"),
        ("/admin/campaigns/focuscategory/", "重点走访类别"),
        ("/admin/auditlog/logentry/", "日志"),
    ],
)
def test_admin_pages_are_in_chinese(client, cast, campaign, path, text):
    verified(client, cast.admin)
    response = client.get(path)
    assert response.status_code == 200
    assert text in response.content.decode()


def test_campaign_edit_page_shows_phases_checklist_and_tiers(client, cast, campaign):
    verified(client, cast.admin)
    html = client.get(f"/admin/campaigns/campaign/{campaign.pk}/change/").content.decode()
    for text in ["活动阶段", "入户必问", "办理时限", "每户最少走访时长"]:
        assert text in html


def test_changes_to_campaigns_are_audited_with_the_actor(client, cast, campaign):
    verified(client, cast.admin)
    from campaigns.models import Campaign

    # The admin middleware sets the actor; a model change through a request is attributed.
    campaign.min_visit_minutes = 45
    from auditlog.context import set_actor

    with set_actor(cast.admin):
        campaign.save()
    entry = LogEntry.objects.get_for_object(Campaign.objects.get(pk=campaign.pk)).first()
    assert entry.actor == cast.admin
    assert entry.changes_dict["min_visit_minutes"] == ["30", "45"]


def test_non_staff_cannot_open_the_admin(client, cast):
    client.force_login(cast.cadre)
    assert client.get("/admin/").status_code == 302
