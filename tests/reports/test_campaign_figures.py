"""The figures equal hand-computed counts, per child unit too, including units with no data."""

from datetime import timedelta

import pytest
from django.utils import timezone

from reports.selectors import Filters, campaign_figures
from tests.grievances.factories import GrievanceFactory
from tests.visits.factories import HouseholdFactory, VisitFactory, lookback_visit_row


@pytest.fixture
def ledger(tree, cast, campaign):
    """9 homes + 2 other targets, 4 homes visited; 8 collected entries (one merged duplicate left out)."""
    focus = campaign.focus_categories.first()
    a1 = [HouseholdFactory(grid=tree.grid_a1, categories=[focus]), *HouseholdFactory.create_batch(3, grid=tree.grid_a1)]
    HouseholdFactory(grid=tree.grid_a1, categories=[focus])  # focus household, never visited
    enterprise = HouseholdFactory(grid=tree.grid_a1, kind="enterprise")
    a2 = HouseholdFactory(grid=tree.grid_a2)
    c1 = HouseholdFactory.create_batch(3, grid=tree.grid_c1)
    HouseholdFactory(grid=tree.grid_c1, kind="school")
    for h in (a1[0], a1[1], a1[1], a2, enterprise):
        VisitFactory(campaign=campaign, household=h, visitor=cast.cadre)
    VisitFactory(campaign=campaign, household=c1[0], visitor=cast.cadre_c)
    lookback_visit_row(campaign, a1[2], cast.cadre)  # a look-back visit does not make a household "visited"
    now = timezone.now()
    g = {}
    g[1] = GrievanceFactory(
        campaign=campaign,
        unit=tree.grid_a1,
        status="followed_up",
        handling_unit=tree.community_a,  # solved at the community level
        satisfaction="satisfied",
        registered_at=now - timedelta(days=3),
        resolved_at=now - timedelta(days=1),
    )
    # Explained, then followed up: the person is not satisfied with the explanation.
    g[2] = GrievanceFactory(
        campaign=campaign,
        unit=tree.grid_a1,
        path=["assign", "propose_plan", "explain", "follow_up"],
        satisfaction="not_satisfied",
    )
    g[3] = GrievanceFactory(campaign=campaign, unit=tree.grid_a1, status="assigned", overdue=True)
    g[4] = GrievanceFactory(campaign=campaign, unit=tree.grid_a1, kind="suggestion", status="adopted")
    g[5] = GrievanceFactory(campaign=campaign, unit=tree.grid_a1, status="merged", merged_into=g[3])
    g[6] = GrievanceFactory(campaign=campaign, unit=tree.grid_c1, status="planned")  # due in 15 working days
    g[7] = GrievanceFactory(
        campaign=campaign,
        unit=tree.grid_c1,
        status="closed",
        handling_unit=tree.street_b,  # solved at the street level
        is_typical=True,
        satisfaction="basically_satisfied",
        resolved_at=now - timedelta(days=2),
        registered_at=now - timedelta(days=5),
        content="小区路灯不亮，已维修",
    )
    g[8] = GrievanceFactory(
        campaign=campaign,
        unit=tree.grid_c1,
        kind="suggestion",
        status="registered",
        registered_at=now - timedelta(days=40),  # long past its deadline
    )
    g[9] = GrievanceFactory(campaign=campaign, unit=tree.street_a, status="explained")
    return g


def test_district_totals_match_the_hand_count(api, cast, tree, campaign, ledger):
    body = api(cast.leader).get("/api/stats/", {"campaign": campaign.pk, "org_unit": tree.district.pk}).json()
    assert body["households_total"] == 11 - 2
    assert body["households_visited"] == 4
    assert body["coverage_rate"] == 44.4
    assert (body["others_total"], body["others_visited"], body["enterprise_total"], body["school_total"]) == (
        2,
        1,
        1,
        1,
    )
    assert body["grievances_total"] == 8
    assert body["problems_total"] == 6
    assert body["grievances_solved"] == 2  # g1, g7: the explained g2 and g9 are answered, not solved
    assert body["problems_explained"] == 2
    assert body["problems_answered"] == 4
    assert body["problems_in_progress"] == 2
    assert body["grievances_overdue"] == 1  # g3; the suggestion g8 is long past its date but never overdue
    assert (body["suggestions_total"], body["suggestions_adopted"]) == (2, 1)
    assert body["response_rate"] == 62.5  # (4 answered problems + 1 decided suggestion) / 8
    assert body["resolution_rate"] == 33.3  # 2 / 6
    assert body["satisfaction_rate"] == 66.7  # satisfied + basically satisfied, of 3 followed up
    assert body["reopened"] == 0
    focus = body["focus_categories"][0]
    assert (focus["total"], focus["visited"], focus["coverage_rate"]) == (2, 1, 50.0)
    assert [lv["level"] for lv in body["resolved_levels"]] and sum(lv["count"] for lv in body["resolved_levels"]) == 2
    assert [c["content"] for c in body["typical_cases"]] == ["小区路灯不亮，已维修"]


def test_children_add_up_and_report_their_own_figures(api, cast, tree, campaign, ledger):
    body = api(cast.leader).get("/api/stats/", {"campaign": campaign.pk, "org_unit": tree.district.pk}).json()
    kids = {c["name"]: c for c in body["children"]}
    assert set(kids) == {"东城街道", "西城街道"}
    a, b = kids["东城街道"], kids["西城街道"]
    assert (a["households_total"], a["households_visited"], a["coverage_rate"]) == (6, 3, 50.0)
    assert (b["households_total"], b["households_visited"], b["coverage_rate"]) == (3, 1, 33.3)
    assert (a["grievances_total"], a["grievances_solved"], a["grievances_overdue"]) == (5, 1, 1)
    assert (b["grievances_total"], b["grievances_solved"], b["grievances_overdue"]) == (3, 1, 0)  # g8: a suggestion
    for key in (
        "households_total",
        "households_visited",
        "grievances_total",
        "grievances_solved",
        "grievances_overdue",
    ):
        assert a[key] + b[key] == body[key]


def test_a_community_with_no_data_shows_zeros_and_no_rates(api, cast, tree, campaign, ledger):
    body = api(cast.office).get("/api/stats/", {"campaign": campaign.pk, "org_unit": tree.street_a.pk}).json()
    kids = {c["name"]: c for c in body["children"]}
    empty = kids["和谐社区"]
    assert empty["households_total"] == empty["grievances_total"] == empty["grievances_overdue"] == 0
    assert empty["coverage_rate"] is None and empty["resolution_rate"] is None
    assert kids["幸福社区"]["grievances_total"] == 4
    # The entry raised at the street office itself is shown as the street's own row.
    assert body["own"]["grievances_total"] == 1 and body["grievances_total"] == 5


def test_date_range_keeps_only_entries_and_visits_inside_it(cast, tree, campaign, ledger):
    today = timezone.localdate()
    f = Filters(campaign=campaign, unit=tree.district, start=today - timedelta(days=30), end=today)
    figures = campaign_figures(f, detail=False)
    assert figures["grievances_total"] == 7  # g8 was registered 40 days ago
    empty = campaign_figures(
        Filters(campaign=campaign, unit=tree.district, start=today + timedelta(days=1)), detail=False
    )
    assert empty["households_visited"] == 0 and empty["grievances_total"] == 0 and empty["households_total"] == 9


def test_stats_outside_the_subtree_are_refused_like_a_missing_unit(api, cast, tree, campaign, ledger):
    query = {"campaign": campaign.pk, "org_unit": tree.street_a.pk}
    for who in (cast.office_b, cast.outsider, cast.cadre):
        r = api(who).get("/api/stats/", query)
        assert r.status_code == 400 and r.json()["errors"]["org_unit"] == ["所选对象不存在或不在您的管辖范围内"]
    assert api(cast.inspector).get("/api/stats/", query).status_code == 200
    bad = api(cast.leader).get("/api/stats/", {"campaign": campaign.pk})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"


def test_households_of_another_district_are_not_counted(api, cast, tree, campaign, ledger):
    from tests.factories import OrgUnitFactory

    other = OrgUnitFactory(code="T02", name="外区", level="district")
    grid = OrgUnitFactory(code="T02-G", name="外区网格", level="grid", parent=other)
    HouseholdFactory.create_batch(4, grid=grid, categories=[campaign.focus_categories.first()])
    body = api(cast.leader).get("/api/stats/", {"campaign": campaign.pk, "org_unit": tree.district.pk}).json()
    assert body["households_total"] == 9 and body["focus_categories"][0]["total"] == 2
