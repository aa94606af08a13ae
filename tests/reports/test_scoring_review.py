"""Reviewing a deduction: confirming asks first, an inspector can take a decision back while the
campaign is on (on the audit trail), candidates link to what they cite, suggestions are never
flagged for a deadline, and the campaign's item of the yearly 千分制 assessment has its own weight,
deducted down to zero."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from campaigns.models import Campaign
from reports.models import Violation
from tests.factories import make_campaign
from tests.grievances.factories import GrievanceFactory

from .factories import ViolationFactory


@pytest.fixture
def candidate(tree, campaign):
    return ViolationFactory(campaign=campaign, unit=tree.community_a, status="candidate")


def test_confirming_asks_first_and_the_inspector_can_undo_it_on_the_page(client, cast, tree, campaign, candidate):
    client.force_login(cast.inspector)
    url = f"/reports/violations/?campaign={campaign.pk}&org_unit={tree.district.pk}"
    page = client.get(url).content.decode()
    assert 'data-confirm="确认后将扣1分' in page
    client.post(f"/reports/violations/{candidate.pk}/confirm/", {"next": url})
    assert Violation.objects.get(pk=candidate.pk).status == "confirmed"
    page = client.get(url + "&status=confirmed").content.decode()
    assert f"/reports/violations/{candidate.pk}/undo/" in page
    client.post(f"/reports/violations/{candidate.pk}/undo/", {"next": url})
    v = Violation.objects.get(pk=candidate.pk)
    assert (v.status, v.reviewed_by_id) == ("candidate", None)


def test_an_undo_in_the_api_gives_the_point_back_and_is_on_the_audit_trail(api, cast, tree, campaign, candidate):
    client = api(cast.inspector)
    assert client.post(f"/api/violations/{candidate.pk}/confirm/", {"note": ""}, format="json").status_code == 200
    query = {"campaign": campaign.pk, "org_unit": tree.district.pk}

    def scores():
        return {s["name"]: s["score"] for s in client.get("/api/scores/", query).json()["results"]}

    assert scores()["幸福社区"] == 999
    r = client.post(f"/api/violations/{candidate.pk}/undo/")
    assert r.status_code == 200 and r.json()["status"] == "candidate"
    assert scores()["幸福社区"] == 1000
    changes = [e.changes_dict.get("status") for e in LogEntry.objects.get_for_object(candidate)]
    assert ["confirmed", "candidate"] in changes
    assert client.post(f"/api/violations/{candidate.pk}/undo/").status_code == 409


def test_only_an_inspector_over_the_unit_undoes_and_not_after_the_campaign(api, cast, tree, candidate):
    api(cast.inspector).post(f"/api/violations/{candidate.pk}/confirm/", {"note": ""}, format="json")
    assert api(cast.office).post(f"/api/violations/{candidate.pk}/undo/").status_code == 403
    assert api(cast.office_b).post(f"/api/violations/{candidate.pk}/undo/").status_code in (403, 404)
    old = make_campaign(tree.district, start=timezone.localdate() - timedelta(days=400), name="往年大走访")
    past = ViolationFactory(campaign=old, unit=tree.community_a, actor=cast.inspector)
    r = api(cast.inspector).post(f"/api/violations/{past.pk}/undo/")
    assert r.status_code == 409 and r.json()["detail"] == "活动已结束，不能撤销核实结果"
    assert Violation.objects.get(pk=candidate.pk).status == Violation.objects.get(pk=past.pk).status == "confirmed"


def test_candidates_link_to_the_entry_and_overdue_suggestions_are_never_candidates(api, client, cast, tree, campaign):
    problem = GrievanceFactory(campaign=campaign, unit=tree.grid_a1, status="assigned", overdue=True)
    GrievanceFactory(campaign=campaign, unit=tree.grid_a1, kind="suggestion", status="assigned", overdue=True)
    r = api(cast.inspector).post("/api/violations/detect/", {"campaign": campaign.pk}, format="json")
    assert r.status_code == 200
    rows = api(cast.inspector).get("/api/violations/", {"campaign": campaign.pk, "kind": "no_rectification"}).json()
    assert [(v["grievance"], v["cites_url"]) for v in rows["results"]] == [(problem.pk, f"/grievances/{problem.pk}/")]
    client.force_login(cast.inspector)
    page = client.get(f"/reports/violations/?campaign={campaign.pk}&org_unit={tree.district.pk}").content.decode()
    assert f'<a href="/grievances/{problem.pk}/" class="cites">问题#{problem.pk}</a>' in page


def test_the_campaigns_weight_is_deducted_down_to_zero_and_false_opinions_count(api, cast, tree, campaign):
    Campaign.objects.filter(pk=campaign.pk).update(assessment_weight=2)
    body = {
        "campaign": campaign.pk,
        "unit": tree.community_a.pk,
        "kind": "false_opinions",
        "evidence": "群众意见记录与实际不符",
    }
    for _ in range(3):
        assert api(cast.inspector).post("/api/violations/", body, format="json").status_code == 201
    rows = api(cast.inspector).get("/api/scores/", {"campaign": campaign.pk, "org_unit": tree.district.pk}).json()
    row = next(s for s in rows["results"] if s["name"] == "幸福社区")
    assert (row["weight"], row["confirmed"], row["deducted"], row["score"], row["talk"]) == (2, 3, 2, 0, True)
    assert Violation.objects.filter(kind="false_opinions").first().get_kind_display() == "征求意见不实"
