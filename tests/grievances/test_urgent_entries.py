"""急难险重: an urgent entry is due in hours (the campaign's, default 24), not working days, and
both levels are told at once."""

from datetime import timedelta

import time_machine

from grievances.models import Grievance, HandlingRules
from notifications.models import Notification

from .factories import at, category, run


def _register(api, user, tree, **extra):
    body = {"content": "小区配电房冒烟，有火灾危险", "category": category().pk, "unit": tree.grid_a1.pk, **extra}
    return api(user).post("/api/grievances/", body, format="json")


def test_an_urgent_entry_is_due_in_hours_and_both_levels_are_told(tree, cast, campaign, api):
    r = _register(api, cast.office, tree, urgent=True, campaign=campaign.pk)
    assert r.status_code == 201, r.json()
    body = r.json()
    g = Grievance.objects.get(pk=body["id"])
    assert body["urgent"] is True and g.plan_due_at is None
    assert g.due_at == g.registered_at + timedelta(hours=24)
    told = set(Notification.objects.filter(kind="urgent", grievance=g).values_list("recipient", flat=True))
    assert told == {cast.cadre.pk, cast.office.pk}  # the community's staff and the street office above


def test_urgent_hours_are_the_campaigns_and_ignore_weekends(tree, cast, campaign, api):
    HandlingRules.objects.create(campaign=campaign, urgent_hours=6, urgent_sign_for_hours=1)
    with time_machine.travel(at("2026-11-20", 20), tick=False):  # Friday evening
        r = _register(api, cast.office, tree, urgent=True, campaign=campaign.pk)
        assert r.status_code == 201, r.json()
        g = Grievance.objects.get(pk=r.json()["id"])
        assert g.due_at == at("2026-11-21", 2)  # Saturday 02:00: hours, not working days
        g = run(cast.office, g, "assign", handling_unit=tree.department.pk)
        assert g.sign_for_due_at == at("2026-11-20", 21)


def test_marking_an_entry_urgent_recounts_its_deadline_in_hours(tree, cast, campaign, api):
    r = _register(api, cast.office, tree, campaign=campaign.pk)
    g = Grievance.objects.get(pk=r.json()["id"])
    assert g.plan_due_at is not None and g.due_at > g.registered_at + timedelta(days=7)
    r = api(cast.office).post(f"/api/grievances/{g.pk}/transitions/", {"name": "mark_urgent"})
    assert r.status_code == 200, r.json()
    g.refresh_from_db()
    assert g.urgent and g.due_at == g.registered_at + timedelta(hours=24)
    assert Notification.objects.filter(kind="urgent", grievance=g).exists()
