"""Who may log a visit or file a 十必报 report at a household (rule "visit"): the cadre assigned to
it in a running campaign, or the office staff and admins of its grid. Nobody else, whatever the
role or however an assignment got into the database; nothing is written."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import Role
from tests.factories import TeamFactory, UserFactory, member
from visits.models import Assignment, AssignmentKind, EventReport, Visit, VisitPhoto

from .factories import AssignmentFactory, HouseholdFactory, VisitFactory


@pytest.fixture
def home(tree, campaign, cast):
    h = HouseholdFactory(grid=tree.grid_a1, phone="13812345678")
    AssignmentFactory(campaign=campaign, household=h, visitor=cast.cadre, kind=AssignmentKind.GRID)
    return h


def visit_body(h, **kw):
    return {
        "household": h.pk,
        "client_id": str(uuid.uuid4()),
        "visited_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "duration_minutes": 40,
        "notes": "入户了解家庭近况。",
        **kw,
    }


EVENT = {"kind": "neighbour_dispute", "description": "邻里因停车位争吵"}


@pytest.mark.parametrize("who", ["leader", "inspector"])
def test_inspectors_and_leaders_cannot_log_visits_or_file_reports(api, client, cast, home, who):
    user = getattr(cast, who)
    response = api(user).post("/api/visits/", visit_body(home), format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "只有分配走访该户的干部或本辖区活动办工作人员可以录入走访"
    response = api(user).post("/api/event-reports/", {"household": home.pk, **EVENT}, format="json")
    assert response.status_code == 403 and "十必报" in response.json()["detail"]
    client.force_login(user)
    assert client.get(f"/visits/households/{home.pk}/").status_code == 200
    assert "开始走访" not in client.get(f"/visits/households/{home.pk}/").content.decode()
    assert client.get(f"/visits/households/{home.pk}/visit/").status_code == 403
    assert client.post(f"/visits/households/{home.pk}/event/", EVENT).status_code == 403
    assert not Visit.objects.exists() and not EventReport.objects.exists()


def test_a_cadre_not_assigned_to_the_household_cannot_log_a_visit(api, cast, tree, campaign):
    other = HouseholdFactory(grid=tree.grid_a2)
    response = api(cast.cadre).post("/api/visits/", visit_body(other), format="json")
    assert response.status_code == 403
    assert not Visit.objects.exists()


def test_the_assigned_cadre_and_the_office_of_the_grid_log_visits(api, cast, home):
    assert api(cast.cadre).post("/api/visits/", visit_body(home), format="json").status_code == 201
    assert api(cast.office).post("/api/visits/", visit_body(home), format="json").status_code == 201
    assert api(cast.office_b).post("/api/visits/", visit_body(home), format="json").status_code == 400
    assert Visit.objects.count() == 2


@pytest.mark.parametrize("who", ["outsider", "cadre_c", "office_b", "leader"])
def test_a_household_assigned_to_anyone_the_rule_does_not_allow_grants_them_nothing(
    api, client, cast, campaign, home, who
):
    """An assignment to a user with no role, or of another street, written by whatever means."""
    user = getattr(cast, who)
    Assignment.objects.create(campaign=campaign, household=home, visitor=user, kind=AssignmentKind.PARTY_LEADER)
    sees_district = who == "leader"  # sees every household of the district, masked, assignment or not
    listed = api(user).get("/api/households/").json()["results"]
    assert [r["phone"] for r in listed] == (["138****5678"] if sees_district else [])
    assert api(user).get(f"/api/households/{home.pk}/").status_code == (200 if sees_district else 404)
    visit = api(user).post("/api/visits/", visit_body(home), format="json")
    event = api(user).post("/api/event-reports/", {"household": home.pk, **EVENT}, format="json")
    assert (visit.status_code, event.status_code) == ((403, 403) if sees_district else (400, 400))
    client.force_login(user)
    assert client.get(f"/visits/households/{home.pk}/visit/").status_code == (403 if sees_district else 404)
    assert "13812345678" not in client.get(f"/visits/households/{home.pk}/").content.decode()
    assert not Visit.objects.exists() and not EventReport.objects.exists()


def test_a_paired_departments_cadre_in_the_campaigns_team_visits_his_household(api, cast, tree, campaign, home):
    dept_man = member(UserFactory(username="t_dept", full_name="教育局干部"), tree.department, Role.CADRE)
    group = TeamFactory(campaign=campaign, unit=tree.department, paired_unit=tree.community_a, members=[dept_man])
    far = HouseholdFactory(grid=tree.grid_a2, phone="13800001111")
    AssignmentFactory(campaign=campaign, household=far, visitor=dept_man, kind=AssignmentKind.DEPARTMENT, team=group)
    assert api(dept_man).get(f"/api/households/{far.pk}/").json()["can_reveal"] is True
    reveal = api(dept_man).post(f"/api/households/{far.pk}/reveal/", {"reason": "return_visit"}, format="json")
    assert reveal.json()["phone"] == "13800001111"
    assert api(dept_man).post("/api/visits/", visit_body(far), format="json").status_code == 201
    assert api(dept_man).post("/api/event-reports/", {"household": far.pk, **EVENT}, format="json").status_code == 201
    # Out of the team, the same assignment grants nothing.
    group.delete()
    assert api(dept_man).get(f"/api/households/{far.pk}/").status_code == 404


def test_only_the_visitor_or_the_office_adds_photos_to_a_visit(api, cast, tree, campaign, home):
    from .test_visit_logging import png_bytes

    visit = VisitFactory(
        campaign=campaign,
        household=home,
        visitor=cast.cadre,
        visited_at=timezone.now() - timedelta(hours=1),
        duration_minutes=40,
    )
    colleague = member(UserFactory(username="t_colleague", full_name="同社区干部"), tree.community_a, Role.CADRE)
    from django.core.files.uploadedfile import SimpleUploadedFile

    def upload(user):
        image = SimpleUploadedFile("p.png", png_bytes((20, 20)), content_type="image/png")
        return api(user).post(f"/api/visits/{visit.pk}/photos/", {"image": image}, format="multipart")

    assert upload(colleague).status_code == 403
    assert upload(cast.leader).status_code == 403
    assert upload(cast.office_b).status_code == 404
    assert not VisitPhoto.objects.exists()
    assert upload(cast.cadre).status_code == 201
    assert upload(cast.office).status_code == 201
    assert VisitPhoto.objects.count() == 2


def test_an_assignment_of_a_finished_campaign_no_longer_lets_him_log_visits(api, cast, tree, campaign, home):
    from campaigns.models import Phase
    from campaigns.services import switch_phase

    switch_phase(actor=cast.admin, campaign=campaign, phase=Phase.SUMMARY)
    response = api(cast.cadre).post("/api/visits/", visit_body(home), format="json")
    assert response.status_code == 403
    assert not Visit.objects.exists()


def test_the_rules_read_in_one_query_answer_as_each_rule_does(cast, tree, home, django_assert_num_queries):
    """`allowed` (what a visit asks in one query) says for every household rule what `can` says."""
    from campaigns.access import allowed, can
    from visits.models import Household

    rules = sorted(Household.objects.all().rules)
    homes = [home, HouseholdFactory(grid=tree.grid_a2), HouseholdFactory(grid=tree.grid_c1)]
    for who in ("admin", "leader", "office", "office_b", "cadre", "cadre_c", "handler", "inspector", "outsider"):
        user = getattr(cast, who)
        for h in homes:
            one_by_one = {a for a in rules if can(user, a, h)}
            with django_assert_num_queries(1):
                assert allowed(user, h, *rules) == one_by_one, (who, h.grid.code)
    assert "visit" in allowed(cast.cadre, home, "visit") and not allowed(cast.cadre_c, home, "visit")
