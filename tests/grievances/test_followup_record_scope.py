"""A look-back is recorded by the person it was given to or by the office over its unit: a leader
who sees it gets a 403, another street gets a 404, and nothing changes."""

from django.utils import timezone

from grievances.followups import ensure_followup_for
from grievances.models import FollowUp, Status
from tests.factories import make_campaign

from .factories import household_with_phone, lighting_entry, set_status, visit

BODY = {"mode": "phone", "solved": True, "satisfaction": "satisfied", "notes": "已解决"}
PAGE = {"mode": "phone", "solved": "yes", "satisfaction": "satisfied", "notes": "已解决"}


def _followup(tree, cast, campaign):
    hh = household_with_phone(tree.grid_a1, "王大妈")
    g = lighting_entry(
        actor=cast.office, household_=hh, campaign=campaign, visit=visit(campaign, hh, cast.cadre, timezone.now())
    )
    set_status(g, Status.RESOLVED, result="已更换楼道灯", resolved_at=timezone.now())
    return ensure_followup_for(grievance_id=g.pk)


def _pending(fu):
    fu.refresh_from_db()
    assert (fu.status, fu.recorded_by, fu.grievance.status) == ("pending", None, Status.RESOLVED)


def test_the_district_leader_sees_the_followup_but_may_not_record_it(api, tree, cast, campaign):
    fu = _followup(tree, cast, campaign)
    client = api(cast.leader)
    assert client.get(f"/api/followups/{fu.pk}/").status_code == 200
    r = client.post(f"/api/followups/{fu.pk}/record/", BODY, format="json")
    assert r.status_code == 403
    _pending(fu)


def test_another_streets_office_gets_404_and_records_nothing(api, tree, cast, campaign):
    fu = _followup(tree, cast, campaign)
    assert api(cast.office_b).post(f"/api/followups/{fu.pk}/record/", BODY, format="json").status_code == 404
    _pending(fu)


def test_the_record_page_refuses_the_leader_with_403(client, tree, cast, campaign):
    fu = _followup(tree, cast, campaign)
    client.force_login(cast.leader)
    assert client.get(f"/grievances/followups/{fu.pk}/").status_code == 200
    assert client.post(f"/grievances/followups/{fu.pk}/", PAGE).status_code == 403
    _pending(fu)


def test_the_office_over_the_unit_records_a_followup_given_to_the_cadre(api, tree, cast, campaign):
    fu = _followup(tree, cast, campaign)
    assert api(cast.office).post(f"/api/followups/{fu.pk}/record/", BODY, format="json").status_code == 200
    fu.refresh_from_db()
    assert (fu.status, fu.recorded_by) == ("done", cast.office)


def test_a_followup_filter_by_a_hidden_campaign_answers_like_a_missing_one(api, tree, cast, campaign):
    other = make_campaign(tree.street_b, name="西城街道2026年大走访")
    FollowUp.objects.create(
        campaign=other,
        household=household_with_phone(tree.grid_c1),
        kind="focus",
        due_at=timezone.now(),
        assignee=cast.cadre_c,
    )
    hidden = api(cast.cadre).get("/api/followups/", {"campaign": other.pk})
    missing = api(cast.cadre).get("/api/followups/", {"campaign": 999999})
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json() == missing.json()
