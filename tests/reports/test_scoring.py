"""千分制 scoring: detectors find the planted cases and nothing else; inspectors confirm or dismiss;
scores floor at 0; three confirmed cases put a unit on the 约谈 list."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from reports.models import Violation
from tests.factories import make_campaign
from tests.grievances.factories import GrievanceFactory
from tests.visits.factories import AssignmentFactory, HouseholdFactory, VisitFactory

from .factories import ViolationFactory


@pytest.fixture
def past_campaign(tree):
    """A campaign whose visiting phase is over (today is in rectification)."""
    return make_campaign(tree.district, start=timezone.localdate() - timedelta(days=100), name="上一轮大走访")


def test_detectors_find_the_planted_cases_and_nothing_else(api, cast, tree, past_campaign):
    c = past_campaign
    tz = timezone.get_current_timezone()
    h = HouseholdFactory.create_batch(6, grid=tree.grid_a1)
    AssignmentFactory(campaign=c, household=h[0], visitor=cast.cadre)
    AssignmentFactory(campaign=c, household=h[1], visitor=cast.cadre)  # planted: never visited
    AssignmentFactory(campaign=c, household=h[1], visitor=cast.office, kind="party_leader")  # 户户到 runs all year
    day = timezone.localdate() - timedelta(days=50)
    at = datetime(day.year, day.month, day.day, 10, 0, tzinfo=tz)
    VisitFactory(campaign=c, household=h[0], visitor=cast.cadre, visited_at=at - timedelta(days=3))
    VisitFactory(campaign=c, household=h[3], visitor=cast.cadre, visited_at=at, duration_minutes=40)
    late = VisitFactory(
        campaign=c, household=h[4], visitor=cast.cadre, visited_at=at + timedelta(minutes=20), duration_minutes=30
    )  # planted: overlaps the one above
    VisitFactory(
        campaign=c, household=h[5], visitor=cast.cadre, visited_at=at + timedelta(minutes=60), duration_minutes=30
    )
    VisitFactory(
        campaign=c, household=h[4], visitor=cast.office, visited_at=at + timedelta(minutes=10)
    )  # another visitor: no overlap
    many = HouseholdFactory.create_batch(21, grid=tree.grid_c1)
    start = datetime(day.year, day.month, day.day, 7, 0, tzinfo=tz)
    for i, hh in enumerate(many):  # planted: 21 visits in one day, none overlapping
        VisitFactory(
            campaign=c,
            household=hh,
            visitor=cast.cadre_c,
            visited_at=start + timedelta(minutes=30 * i),
            duration_minutes=25,
        )
    overdue = GrievanceFactory(campaign=c, unit=tree.grid_a1, status="planned", overdue=True)  # planted
    GrievanceFactory(campaign=c, unit=tree.grid_a1, status="assigned")  # due in 15 working days
    GrievanceFactory(campaign=c, unit=tree.grid_a1, status="closed", overdue=True, satisfaction="satisfied")
    reopened = GrievanceFactory(
        campaign=c,
        unit=tree.grid_c1,
        path=["assign", "resolve", "follow_up", "reopen"],
        satisfaction="not_satisfied",
    )  # planted
    GrievanceFactory(
        campaign=c,
        unit=tree.grid_c1,
        path=["assign", "propose_plan", "resolve", "follow_up"],
        satisfaction="basically_satisfied",
    )

    response = api(cast.inspector).post("/api/violations/detect/", {"campaign": c.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["created"] == {"unvisited": 1, "overdue": 1, "lookback": 1, "overlap": 1, "daily": 1}
    found = {v.detector_key: (v.unit, v.kind, v.status) for v in Violation.objects.all()}
    assert found == {
        f"unvisited:{c.pk}:{h[1].pk}": (tree.community_a, "not_visited", "candidate"),
        f"overdue:{overdue.pk}": (tree.community_a, "no_rectification", "candidate"),
        f"lookback:{reopened.pk}": (tree.community_c, "incomplete_rectification", "candidate"),
        f"overlap:{late.pk}": (tree.community_a, "fake_visit", "candidate"),
        f"daily:{c.pk}:{cast.cadre_c.pk}:{day:%Y%m%d}": (tree.community_c, "fake_visit", "candidate"),
    }
    again = api(cast.inspector).post("/api/violations/detect/", {"campaign": c.pk}, format="json").json()
    assert sum(again["created"].values()) == 0 and Violation.objects.count() == 5


def test_inspector_confirms_and_dismisses_candidates(api, cast, tree, campaign):
    v = ViolationFactory(campaign=campaign, unit=tree.community_a, status="candidate", evidence="未入户")
    client = api(cast.inspector)
    assert api(cast.leader).post(f"/api/violations/{v.pk}/confirm/", {}, format="json").status_code == 403
    no_reason = client.post(f"/api/violations/{v.pk}/dismiss/", {}, format="json")
    assert no_reason.status_code == 400 and no_reason.json()["detail"] == "排除须说明理由"
    assert client.post(f"/api/violations/{v.pk}/confirm/", {}, format="json").json()["status"] == "confirmed"
    scores = api(cast.leader).get("/api/scores/", {"campaign": campaign.pk, "org_unit": tree.district.pk}).json()
    assert {s["name"]: s["score"] for s in scores["results"]}["幸福社区"] == 999
    assert api(cast.office_b).get(f"/api/violations/{v.pk}/").status_code == 404


def test_inspector_records_a_violation_with_evidence(api, cast, tree, campaign):
    body = {
        "campaign": campaign.pk,
        "unit": tree.grid_c1.pk,
        "kind": "fake_visit",
        "evidence": "抽查发现走访照片重复使用",
    }
    created = api(cast.inspector).post("/api/violations/", body, format="json")
    assert created.status_code == 201
    v = Violation.objects.get()
    assert (v.unit, v.status, v.source, v.recorded_by) == (tree.community_c, "confirmed", "manual", cast.inspector)
    assert api(cast.office_b).post("/api/violations/", body, format="json").status_code == 400
    assert api(cast.office).post("/api/violations/", body, format="json").status_code == 400
    bad = api(cast.inspector).post("/api/violations/", {**body, "unit": tree.district.pk}, format="json")
    assert bad.status_code == 400 and Violation.objects.count() == 1


def test_score_floors_at_zero_and_three_confirmed_cases_mean_a_talk(api, cast, tree, campaign):
    def confirmed(unit, n):
        # The rows n spot checks by the inspector record (record_violation), in one statement.
        Violation.objects.bulk_create(
            [
                Violation(
                    campaign=campaign,
                    unit=unit,
                    kind="not_visited",
                    evidence="x",
                    status=Violation.State.CONFIRMED,
                    recorded_by=cast.inspector,
                    reviewed_by=cast.inspector,
                    reviewed_at=timezone.now(),
                )
                for _ in range(n)
            ]
        )

    confirmed(tree.community_a, 1001)
    confirmed(tree.community_b, 3)
    confirmed(tree.community_c, 2)
    ViolationFactory.create_batch(5, campaign=campaign, unit=tree.community_c, status="candidate")
    body = api(cast.leader).get("/api/scores/", {"campaign": campaign.pk, "org_unit": tree.district.pk}).json()
    scores = {s["name"]: (s["confirmed"], s["score"], s["talk"]) for s in body["results"]}
    # A street/town answers for its whole territory: its communities' cases count against it too.
    assert scores == {
        "东城街道": (1004, 0, True),
        "西城街道": (2, 998, False),
        "幸福社区": (1001, 0, True),
        "和谐社区": (3, 997, True),
        "长安社区": (2, 998, False),
    }
    assert [t["name"] for t in body["talks"]] == ["东城街道", "幸福社区", "和谐社区"]
    stats = api(cast.leader).get("/api/stats/", {"campaign": campaign.pk, "org_unit": tree.district.pk}).json()
    # the dashboard and summary list them too
    assert [t["name"] for t in stats["talks"]] == ["东城街道", "幸福社区", "和谐社区"]


def test_inspector_reviews_candidates_on_the_scoring_page(client, cast, tree, campaign):
    v = ViolationFactory(campaign=campaign, unit=tree.community_c, status="candidate", evidence="分配农户未走访")
    client.force_login(cast.inspector)
    page = client.get("/reports/violations/", {"campaign": campaign.pk, "org_unit": tree.district.pk})
    assert "分配农户未走访" in page.content.decode() and "确认扣分" in page.content.decode()
    client.post(f"/reports/violations/{v.pk}/confirm/", {"next": "/reports/violations/"})
    v.refresh_from_db()
    assert v.status == "confirmed"
    page = client.get(
        "/reports/violations/", {"campaign": campaign.pk, "org_unit": tree.district.pk, "status": "confirmed"}
    )
    assert "999" in page.content.decode()
    client.force_login(cast.office)
    assert client.post(f"/reports/violations/{v.pk}/dismiss/", {"note": "误报"}).status_code == 404
