"""Whole ID numbers and phones (rule "reveal"): office staff and admins of the grid, and the cadre
assigned to the household in a campaign still running. An assignment of a finished campaign keeps
the household visible, masked; it never reveals it again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import Phase
from campaigns.services import switch_phase
from tests.factories import TeamFactory, make_campaign
from visits.models import Assignment, AssignmentKind

from .factories import AssignmentFactory, HouseholdFactory, id_number

PHONE = "13812345678"


@pytest.fixture
def last_year(tree, cast):
    """A campaign over the district that is over (总结评估)."""
    old = make_campaign(tree.district, start=timezone.localdate() - timedelta(days=400), name="测试区2025年大走访")
    switch_phase(actor=cast.admin, campaign=old, phase=Phase.SUMMARY)
    old.refresh_from_db()
    return old


def shown(api, user, h):
    """What `user` gets to read: the masked values the detail always gives, or, where they may
    ask, the whole values of a reveal with a reason."""
    response = api(user).get(f"/api/households/{h.pk}/")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["personal_masked"] is True and PHONE not in (data["phone"], data["id_number"])
    if not data["can_reveal"]:
        return data["id_number"], data["phone"]
    revealed = api(user).post(f"/api/households/{h.pk}/reveal/", {"reason": "return_visit"}, format="json")
    assert revealed.status_code == 200, revealed.content
    return revealed.json()["id_number"], revealed.json()["phone"]


def test_a_cadre_keeps_full_access_only_while_his_campaign_runs(api, client, cast, tree, campaign, last_year):
    h = HouseholdFactory(grid=tree.grid_a1, id_number=id_number(1), phone=PHONE)
    a = AssignmentFactory(campaign=campaign, household=h, visitor=cast.cadre, kind=AssignmentKind.GRID)
    assert shown(api, cast.cadre, h) == (id_number(1), PHONE)
    switch_phase(actor=cast.admin, campaign=campaign, phase=Phase.SUMMARY)
    assert shown(api, cast.cadre, h) == (id_number(1)[:6] + "********" + id_number(1)[-4:], "138****5678")
    client.force_login(cast.cadre)
    assert PHONE not in client.get(f"/visits/households/{h.pk}/").content.decode()
    assert PHONE not in client.get("/visits/").content.decode()
    assert Assignment.objects.filter(pk=a.pk).exists()


def test_an_assignment_of_a_finished_campaign_reveals_nothing_in_the_next_one(api, cast, tree, campaign, last_year):
    """A paired department's cadre visited it last year; this year someone else does."""
    from campaigns.models import Role
    from tests.factories import UserFactory, member

    dept_man = member(UserFactory(username="t_dept", full_name="教育局干部"), tree.department, Role.CADRE)
    group = TeamFactory(campaign=last_year, unit=tree.department, paired_unit=tree.community_a, members=[dept_man])
    h = HouseholdFactory(grid=tree.grid_a2, phone=PHONE)
    AssignmentFactory(campaign=last_year, household=h, visitor=dept_man, kind=AssignmentKind.DEPARTMENT, team=group)
    AssignmentFactory(campaign=campaign, household=h, visitor=cast.cadre, kind=AssignmentKind.GRID)
    # Still visible to him, as it was, but masked.
    assert shown(api, dept_man, h)[1] == "138****5678"
    assert [r["phone"] for r in api(dept_man).get("/api/households/").json()["results"]] == ["138****5678"]
    # This year's visitor has it whole.
    assert shown(api, cast.cadre, h)[1] == PHONE


def test_office_of_the_grid_and_admin_always_see_it_whole(api, cast, tree, campaign):
    h = HouseholdFactory(grid=tree.grid_a1, phone=PHONE)
    assert shown(api, cast.office, h)[1] == PHONE
    assert shown(api, cast.admin, h)[1] == PHONE
    assert shown(api, cast.leader, h)[1] == "138****5678"
