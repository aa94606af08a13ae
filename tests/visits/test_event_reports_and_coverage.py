"""十必报 quick reports, coverage per unit and team, and the printable diary."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import TeamFactory
from tests.grievances.factories import category
from visits.models import AssignmentKind, EventReport, Visit

from .factories import AssignmentFactory, HouseholdFactory


@pytest.fixture
def homes(tree, campaign, cast):
    a = HouseholdFactory(grid=tree.grid_a1, categories=["hardship"])
    b = HouseholdFactory(grid=tree.grid_a2)
    c = HouseholdFactory(grid=tree.grid_b1, categories=["petitioner"])
    d = HouseholdFactory(grid=tree.grid_c1)
    team = TeamFactory(
        campaign=campaign, name="街道工作组", unit=tree.street_a, paired_unit=tree.community_a, members=[cast.cadre]
    )
    for h in (a, b):
        AssignmentFactory(
            campaign=campaign, household=h, visitor=cast.cadre, kind=AssignmentKind.STREET_GROUP, team=team
        )
    return a, b, c, d


def visit(api, user, h, minutes=40):
    data = {
        "household": h.pk,
        "client_id": str(uuid.uuid4()),
        "duration_minutes": minutes,
        "notes": "入户了解家庭近况。",
        "visited_at": (timezone.now() - timedelta(hours=1)).isoformat(),
    }
    response = api(user).post("/api/visits/", data, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_event_report_can_open_a_grievance(api, cast, homes):
    from grievances.models import Grievance

    cat = category()
    body = {"household": homes[0].pk, "kind": "neighbour_dispute", "description": "因院墙排水与邻居争吵"}
    plain = api(cast.cadre).post("/api/event-reports/", body, format="json")
    assert plain.status_code == 201 and plain.json()["grievance"] is None
    response = api(cast.cadre).post(
        "/api/event-reports/", {**body, "to_grievance": True, "category": cat.pk}, format="json"
    )
    assert response.status_code == 201
    g = Grievance.objects.get(pk=response.json()["grievance"])
    assert g.source == "event_report" and g.household_id == homes[0].pk and "院墙排水" in g.content
    assert EventReport.objects.count() == 2


def test_event_report_needs_a_known_kind_and_a_category_when_escalated(api, cast, homes):
    body = {"household": homes[0].pk, "kind": "ufo", "description": "x"}
    assert api(cast.cadre).post("/api/event-reports/", body, format="json").status_code == 400
    body = {"household": homes[0].pk, "kind": "safety_hazard", "description": "楼道飞线充电", "to_grievance": True}
    response = api(cast.cadre).post("/api/event-reports/", body, format="json")
    assert response.status_code == 400 and "类别" in response.json()["detail"]
    far = api(cast.cadre).post("/api/event-reports/", {**body, "household": homes[3].pk}, format="json")
    assert far.status_code == 400 and far.json()["errors"]["household"] == ["所选对象不存在或不在您的管辖范围内"]
    assert EventReport.objects.count() == 0


def test_event_quick_form_from_the_household_page(client, cast, homes):
    client.force_login(cast.cadre)
    assert "十必报" in client.get(f"/visits/households/{homes[0].pk}/").content.decode()
    response = client.post(
        f"/visits/households/{homes[0].pk}/event/", {"kind": "serious_illness", "description": "户主住院"}
    )
    assert response.status_code == 302 and EventReport.objects.get().kind == "serious_illness"


def test_coverage_counts_visited_assigned_total_focus_and_too_short(api, cast, campaign, homes, tree):
    a, b, c, d = homes
    visit(api, cast.cadre, a)
    visit(api, cast.cadre, b, minutes=10)
    data = api(cast.office).get(f"/api/coverage/?campaign={campaign.pk}").json()
    assert data["unit_name"] == "东城街道"
    rows = {r["unit_name"]: r for r in data["rows"]}
    happy = rows["幸福社区"]
    assert (happy["visited"], happy["assigned"], happy["total"], happy["too_short"]) == (2, 2, 2, 1)
    assert (happy["focus_visited"], happy["focus_total"]) == (1, 1)
    harmony = rows["和谐社区"]
    assert (harmony["visited"], harmony["total"], harmony["focus_total"]) == (0, 1, 1)
    assert data["total"]["total"] == 3  # street_b's household is outside the office's subtree
    team = data["teams"][0]
    assert (team["team_name"], team["assigned"], team["visited"], team["too_short"]) == ("街道工作组", 2, 2, 1)
    district = api(cast.leader).get("/api/coverage/").json()
    assert district["total"]["total"] == 4 and district["total"]["visited"] == 2


def test_coverage_page_has_a_table_and_an_svg_chart(client, cast, campaign, homes, api):
    visit(api, cast.cadre, homes[0])
    client.force_login(cast.office)
    page = client.get("/visits/coverage/").content.decode()
    assert "<svg" in page and "幸福社区" in page and "50.0%" in page
    page = client.get(f"/visits/coverage/?unit={homes[0].grid.parent_id}").content.decode()
    assert "幸福社区一网格" in page
    client.force_login(cast.cadre_c)
    assert client.get(f"/visits/coverage/?unit={homes[0].grid.parent_id}").status_code == 404


def test_diary_lists_a_visitors_visits_in_date_order(client, cast, campaign, homes, api):
    older = visit(api, cast.cadre, homes[1])
    Visit.objects.filter(pk=older["id"]).update(visited_at=timezone.now() - timedelta(days=3), notes="第一次")
    newer = visit(api, cast.cadre, homes[0])
    Visit.objects.filter(pk=newer["id"]).update(notes="第二次")
    client.force_login(cast.cadre)
    page = client.get("/visits/diary/").content.decode()
    assert page.index("第一次") < page.index("第二次") and "打印" in page
    client.force_login(cast.office)
    assert "第二次" in client.get(f"/visits/diary/{cast.cadre.pk}/").content.decode()
    client.force_login(cast.cadre_c)
    assert client.get(f"/visits/diary/{cast.cadre.pk}/").status_code == 404
