"""Seed 003's rule, chosen per campaign: reported up within a week and answered within a month,
in calendar days; an interim reply (及时告知) tells the person and does not close the entry."""

from datetime import date

from campaigns.calendar import local_date
from grievances.models import Grievance, HandlingRules

from .factories import lighting_entry, run


def test_a_calendar_day_campaign_counts_a_week_and_a_month(tree, cast, campaign):
    HandlingRules.objects.create(campaign=campaign, calendar_days=True)
    g = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign)  # Wed 18 Nov 2026
    assert (local_date(g.plan_due_at), local_date(g.due_at)) == (date(2026, 11, 25), date(2026, 12, 18))
    other = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign, tier="major")
    assert local_date(other.due_at) == date(2026, 12, 18)  # the tiers do not apply


def test_working_day_tiers_stay_the_default(tree, cast, campaign):
    g = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    assert local_date(g.due_at) == date(2026, 12, 9)  # 15 working days


def test_an_interim_reply_keeps_the_entry_open(tree, cast, campaign, api):
    g = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    run(cast.office, g, "assign", handling_unit=tree.department.pk)
    r = api(cast.handler).post(
        f"/api/grievances/{g.pk}/transitions/", {"name": "interim_reply", "note": "需协调规划部门，预计月底前答复"}
    )
    assert r.status_code == 200, r.json()
    after = Grievance.objects.get(pk=g.pk)
    assert (after.status, after.due_at, after.resolved_at) == ("assigned", g.due_at, None)
    assert after.events.filter(action="interim_reply", note="需协调规划部门，预计月底前答复").exists()
