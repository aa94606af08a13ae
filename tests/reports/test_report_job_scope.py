"""A summary job is created only for a unit the user may report on, inside the campaign: anything
else is refused like a missing id, in Chinese, and no job is queued."""

from reports.models import ReportJob
from tests.factories import make_campaign

OUTSIDE = "所选对象不存在或不在您的管辖范围内"


def test_office_cannot_queue_a_summary_of_another_street(api, cast, tree, campaign):
    r = api(cast.office).post("/api/reports/", {"campaign": campaign.pk, "org_unit": tree.street_b.pk}, format="json")
    assert r.status_code == 400
    assert r.json()["errors"] == {"org_unit": [OUTSIDE]}
    assert not ReportJob.objects.exists()


def test_cadre_cannot_queue_a_summary_even_of_their_own_community(api, cast, tree, campaign):
    body = {"campaign": campaign.pk, "org_unit": tree.community_a.pk}
    r = api(cast.cadre).post("/api/reports/", body, format="json")
    assert r.status_code == 400 and r.json()["errors"] == {"org_unit": [OUTSIDE]}
    assert not ReportJob.objects.exists()


def test_a_campaign_the_user_cannot_see_is_refused_like_a_missing_one(api, cast, tree):
    other = make_campaign(tree.street_b, name="西城街道2026年大走访")
    for campaign_id in (other.pk, 999999):
        body = {"campaign": campaign_id, "org_unit": tree.street_a.pk}
        r = api(cast.office).post("/api/reports/", body, format="json")
        assert r.status_code == 400 and r.json()["errors"] == {"campaign": [OUTSIDE]}
    assert not ReportJob.objects.exists()


def test_a_unit_outside_the_campaign_territory_is_refused(api, cast, tree):
    street_campaign = make_campaign(tree.street_a, name="东城街道2026年大走访")
    body = {"campaign": street_campaign.pk, "org_unit": tree.street_b.pk}
    r = api(cast.leader).post("/api/reports/", body, format="json")
    assert r.status_code == 400 and r.json()["errors"] == {"org_unit": ["该单位不在本次活动范围内"]}
    assert not ReportJob.objects.exists()


def test_the_summary_page_refuses_another_streets_unit_and_queues_nothing(client, cast, tree, campaign):
    client.force_login(cast.office)
    r = client.post("/reports/summaries/new/", {"campaign": campaign.pk, "org_unit": tree.street_b.pk})
    assert r.status_code == 400
    assert OUTSIDE in r.content.decode()
    assert not ReportJob.objects.exists()


def test_a_job_filter_by_a_hidden_campaign_answers_like_a_missing_one(api, cast, tree, campaign):
    other = make_campaign(tree.street_b, name="西城街道2026年大走访")
    hidden = api(cast.office).get("/api/reports/", {"campaign": other.pk})
    missing = api(cast.office).get("/api/reports/", {"campaign": 999999})
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json() == missing.json()
