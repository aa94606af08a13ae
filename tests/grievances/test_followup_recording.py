"""Recording a look-back: satisfied closes, dissatisfied reopens with a fresh deadline, new needs
become new entries. The ledger transitions go through followups.run_transition()."""

import time_machine
from django.utils import timezone

from grievances.followups import ensure_followup_for
from grievances.models import FollowUp, Grievance, Status
from grievances.receivers import on_transition_recorded

from .factories import household_with_phone, lighting_entry, set_status, visit


def answered_entry(tree, cast, campaign):
    hh = household_with_phone(tree.grid_a1, "王大妈")
    g = lighting_entry(
        actor=cast.office, household_=hh, campaign=campaign, visit=visit(campaign, hh, cast.cadre, timezone.now())
    )
    set_status(g, Status.RESOLVED, result="已更换楼道灯", resolved_at=timezone.now())
    return g, ensure_followup_for(grievance_id=g.pk)


def test_cadre_lists_own_followups_and_satisfied_closes_the_entry(tree, cast, campaign, api):
    g, fu = answered_entry(tree, cast, campaign)
    listed = api(cast.cadre).get("/api/followups/").json()
    assert [row["id"] for row in listed["results"]] == [fu.pk]
    assert api(cast.cadre_c).get("/api/followups/").json()["count"] == 0

    body = {"mode": "in_person", "solved": True, "satisfaction": "basically_satisfied", "notes": "灯已修好"}
    response = api(cast.cadre).post(f"/api/followups/{fu.pk}/record/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "done"
    g.refresh_from_db()
    assert (g.status, g.satisfaction) == (Status.CLOSED, "basically_satisfied")
    assert list(g.events.values_list("action", flat=True))[-2:] == ["follow_up", "close"]
    again = api(cast.cadre).post(f"/api/followups/{fu.pk}/record/", body, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_recorded"


def test_dissatisfaction_reopens_with_a_fresh_deadline(tree, cast, campaign, api):
    g, fu = answered_entry(tree, cast, campaign)
    body = {"mode": "phone", "solved": False, "satisfaction": "not_satisfied", "notes": "灯又坏了"}
    with time_machine.travel("2026-12-01 10:00 +0800", tick=False):
        response = api(cast.cadre).post(f"/api/followups/{fu.pk}/record/", body, format="json")
    assert response.status_code == 200
    g.refresh_from_db()
    assert g.status == Status.ASSIGNED
    # The answer stays in the timeline; the reopened entry starts a new round without one.
    follow_up, reopen = g.events.filter(action__in=["follow_up", "reopen"]).order_by("id")
    assert follow_up.data["satisfaction"] == "not_satisfied"
    assert "不满意" in reopen.note
    assert g.satisfaction == ""
    # A fresh resolution deadline counted in working days from the day of the look-back.
    assert timezone.localtime(g.due_at).date().isoformat() > "2026-12-01"
    assert g.resolved_at is None

    # Handled again and answered: the same look-back task comes back for a second round.
    set_status(g, Status.RESOLVED)
    on_transition_recorded(sender=None, grievance=g, name="resolve", actor=cast.office)
    fu = FollowUp.objects.get()
    assert (fu.status, fu.satisfaction) == ("pending", "")
    assert fu.notes.startswith("上次回访（2026-12-01）：不满意")


def test_new_needs_become_new_entries(tree, cast, campaign, api):
    g, fu = answered_entry(tree, cast, campaign)
    body = {
        "mode": "in_person",
        "solved": True,
        "satisfaction": "satisfied",
        "notes": "",
        "new_needs": ["希望增设老年助餐点", " "],
    }
    assert api(cast.cadre).post(f"/api/followups/{fu.pk}/record/", body, format="json").status_code == 200
    new = Grievance.objects.exclude(pk=g.pk).get()
    assert (new.content, new.household_id, new.status) == ("希望增设老年助餐点", g.household_id, Status.REGISTERED)
    assert FollowUp.objects.get().new_needs == [{"content": "希望增设老年助餐点", "grievance": new.pk}]


def test_bad_input_changes_nothing_and_others_cannot_record(tree, cast, campaign, api):
    g, fu = answered_entry(tree, cast, campaign)
    bad = api(cast.cadre).post(f"/api/followups/{fu.pk}/record/", {"mode": "fax", "solved": True}, format="json")
    assert bad.status_code == 400 and set(bad.json()["errors"]) >= {"mode", "satisfaction"}
    body = {"mode": "phone", "solved": True, "satisfaction": "satisfied"}
    assert api(cast.cadre_c).post(f"/api/followups/{fu.pk}/record/", body, format="json").status_code == 404
    assert FollowUp.objects.get().status == "pending"
    g.refresh_from_db()
    assert g.status == Status.RESOLVED


def test_phone_page_lists_followups_and_records_one(client, tree, cast, campaign):
    g, fu = answered_entry(tree, cast, campaign)
    client.force_login(cast.cadre)
    page = client.get("/grievances/followups/").content.decode()
    assert "我的回头看" in page and "王大妈" in page
    form = client.get(f"/grievances/followups/{fu.pk}/").content.decode()
    assert 'name="satisfaction"' in form
    response = client.post(
        f"/grievances/followups/{fu.pk}/",
        {"mode": "in_person", "solved": "yes", "satisfaction": "satisfied", "notes": "很满意"},
    )
    assert response.status_code == 302
    g.refresh_from_db()
    assert g.status == Status.CLOSED
