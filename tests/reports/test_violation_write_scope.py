"""Violations are recorded and reviewed only by an inspector over the unit: a unit, campaign or
violation outside that is refused in Chinese and nothing is written."""

from campaigns.models import Role
from reports.models import Violation
from tests.factories import UserFactory, make_campaign, member

from .factories import ViolationFactory

OUTSIDE = "所选对象不存在或不在您的管辖范围内"


def _candidate(campaign, unit):
    return ViolationFactory(campaign=campaign, unit=unit, status="candidate", evidence="分配农户未走访")


def _street_inspector(tree):
    return member(UserFactory(username="t_inspector_b", full_name="冯督导"), tree.street_b, Role.INSPECTOR)


def test_a_street_inspector_cannot_record_a_violation_in_another_street(api, tree, campaign):
    inspector = _street_inspector(tree)
    body = {"campaign": campaign.pk, "unit": tree.community_a.pk, "kind": "fake_visit", "evidence": "照片重复"}
    r = api(inspector).post("/api/violations/", body, format="json")
    assert r.status_code == 400 and r.json()["errors"] == {"unit": [OUTSIDE]}
    assert not Violation.objects.exists()


def test_office_staff_cannot_record_a_violation_in_their_own_street(api, cast, tree, campaign):
    body = {"campaign": campaign.pk, "unit": tree.community_a.pk, "kind": "fake_visit", "evidence": "照片重复"}
    r = api(cast.office).post("/api/violations/", body, format="json")
    assert r.status_code == 400 and r.json()["errors"] == {"unit": [OUTSIDE]}
    assert not Violation.objects.exists()


def test_a_violation_cannot_be_recorded_against_a_campaign_the_inspector_cannot_see(api, tree):
    inspector = _street_inspector(tree)
    other = make_campaign(tree.street_a, name="东城街道2026年大走访")
    body = {"campaign": other.pk, "unit": tree.community_c.pk, "kind": "fake_visit", "evidence": "照片重复"}
    r = api(inspector).post("/api/violations/", body, format="json")
    assert r.status_code == 400 and r.json()["errors"] == {"campaign": [OUTSIDE]}
    assert not Violation.objects.exists()


def test_recording_ignores_status_source_and_reviewer_in_the_body(api, cast, tree, campaign):
    body = {
        "campaign": campaign.pk,
        "unit": tree.community_a.pk,
        "kind": "fake_visit",
        "evidence": "照片重复",
        "status": "dismissed",
        "source": "detector",
        "recorded_by": cast.leader.pk,
        "reviewed_by": cast.leader.pk,
        "detector_key": "forged",
    }
    assert api(cast.inspector).post("/api/violations/", body, format="json").status_code == 201
    v = Violation.objects.get()
    assert (v.status, v.source, v.recorded_by, v.reviewed_by, v.detector_key) == (
        "confirmed",
        "manual",
        cast.inspector,
        cast.inspector,
        None,
    )


def test_a_street_inspector_gets_404_for_a_violation_in_another_street(api, tree, campaign):
    v = _candidate(campaign, tree.community_a)
    r = api(_street_inspector(tree)).post(f"/api/violations/{v.pk}/confirm/", {}, format="json")
    assert r.status_code == 404
    v.refresh_from_db()
    assert v.status == "candidate"


def test_the_leader_sees_a_violation_but_may_not_dismiss_it(api, cast, tree, campaign):
    v = _candidate(campaign, tree.community_a)
    r = api(cast.leader).post(f"/api/violations/{v.pk}/dismiss/", {"note": "误报"}, format="json")
    assert r.status_code == 403 and r.json()["detail"] == "您没有执行该操作的权限。"
    v.refresh_from_db()
    assert v.status == "candidate" and v.reviewed_by is None


def test_the_leader_may_not_confirm_on_the_scoring_page_either(client, cast, tree, campaign):
    v = _candidate(campaign, tree.community_a)
    client.force_login(cast.leader)
    assert client.post(f"/reports/violations/{v.pk}/confirm/").status_code == 403
    v.refresh_from_db()
    assert v.status == "candidate"


def test_the_scoring_page_refuses_to_record_in_another_street(client, tree, campaign):
    client.force_login(_street_inspector(tree))
    body = {"campaign": campaign.pk, "unit": tree.community_a.pk, "kind": "fake_visit", "evidence": "照片重复"}
    r = client.post("/reports/violations/new/", body)
    assert r.status_code == 400 and OUTSIDE in r.content.decode()
    assert not Violation.objects.exists()


def test_the_detectors_do_not_run_on_another_street_from_the_page(client, tree, campaign):
    client.force_login(_street_inspector(tree))
    r = client.post("/reports/violations/detect/", {"campaign": campaign.pk, "org_unit": tree.community_a.pk})
    assert r.status_code == 400 and OUTSIDE in r.content.decode()
    assert not Violation.objects.exists()


def test_a_street_inspector_may_not_run_the_detectors_over_the_whole_district(api, tree, campaign):
    r = api(_street_inspector(tree)).post("/api/violations/detect/", {"campaign": campaign.pk}, format="json")
    assert r.status_code == 403 and r.json()["detail"] == "只有督导人员可以运行违规发现"
    assert not Violation.objects.exists()


def test_a_violation_filter_by_a_hidden_unit_answers_like_a_missing_one(api, cast, tree, campaign):
    hidden = api(cast.office_b).get("/api/violations/", {"unit": tree.community_a.pk})
    missing = api(cast.office_b).get("/api/violations/", {"unit": 999999})
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json() == missing.json()


def test_the_scoring_page_offers_review_only_where_the_user_may_review(client, cast, tree, campaign):
    member(cast.leader, tree.street_b, Role.INSPECTOR)  # the district's leader, inspector of one street
    theirs = _candidate(campaign, tree.community_c)
    _candidate(campaign, tree.community_a)
    client.force_login(cast.leader)
    page = client.get("/reports/violations/", {"campaign": campaign.pk, "org_unit": tree.district.pk})
    html = page.content.decode()
    assert html.count("确认扣分") == 1 and f"/reports/violations/{theirs.pk}/confirm/" in html
    assert "运行违规发现" not in html  # not an inspector of the whole district
