"""seed_demo grows households, assignments and visits; running it twice changes nothing."""

import io

import pytest
from django.core.management import call_command

from visits.models import Assignment, HardshipPlan, Household, PlanChange, PlanReview, Visit
from visits.validators import id_number_error

# Every test reads the demo district, written once for the module.
pytestmark = pytest.mark.usefixtures("demo_module")


def counts():
    return (
        Household.objects.count(),
        Household.categories.through.objects.count(),
        HardshipPlan.objects.count(),
        Assignment.objects.count(),
        Visit.objects.count(),
        PlanReview.objects.count(),
        PlanChange.objects.count(),
    )


def test_seed_demo_fills_every_grid_and_gives_both_demo_cadres_households(demo_district):
    from campaigns.models import Level, OrgUnit

    # Households live on the lowest level of each branch: a grid, or the 楼组 a grid is split into.
    lowest = OrgUnit.objects.household_units()
    assert lowest.filter(level=Level.GRID).exists() and lowest.filter(level=Level.BLOCK).exists()
    assert not lowest.exclude(households__isnull=False).exists()
    assert 580 <= Household.objects.count() <= 620
    assert not [i for i in Household.objects.values_list("id_number", flat=True) if id_number_error(i)]
    assert Assignment.objects.filter(visitor__username="cadre").exists()
    assert Assignment.objects.filter(visitor__username="cadre2").exists()
    regular = Assignment.objects.exclude(kind="party_leader")
    assert regular.count() == Household.objects.count()
    # Standing visits of the liaison network belong to no campaign.
    share = Visit.objects.filter(campaign__isnull=False).count() / regular.count()
    assert 0.2 < share < 0.4
    assert HardshipPlan.objects.exists()
    before = counts()
    call_command("seed_demo", "--force", households=600, stdout=io.StringIO())
    assert counts() == before


def test_seed_demo_pairs_hardship_households_with_support_records(demo_district):
    from visits.models import Pairing, SupportRecord

    hardship = Household.objects.filter(is_hardship=True).count()
    assert 0 < Pairing.objects.count() < hardship
    assert SupportRecord.objects.count() == 2 * Pairing.objects.count()
    before = Pairing.objects.count(), SupportRecord.objects.count()
    call_command("seed_demo", "--force", stdout=io.StringIO())
    assert (Pairing.objects.count(), SupportRecord.objects.count()) == before


def test_seed_demo_gives_every_plan_review_dates_and_a_history(demo_district, client):
    from campaigns.models import User
    from grievances.sweep import sweep_deadlines
    from notifications.models import Notification

    plans = HardshipPlan.objects.count()
    assert plans and PlanReview.objects.filter(done_at__isnull=False).count() == plans
    assert PlanReview.objects.filter(done_at__isnull=True).count() == 2 * plans
    assert PlanChange.objects.filter(kind="updated").exists()
    plan = HardshipPlan.objects.filter(changes__kind="updated").select_related("household").first()
    client.force_login(User.objects.get(username="office"))
    html = client.get(f"/visits/households/{plan.household_id}/plan/").content.decode()
    assert "已复核" in html and "待复核" in html and "变更记录" in html and "完成复核" in html
    # The reviews due in two days are reminded by the next sweep, once.
    sweep_deadlines()
    sweep_deadlines()
    assert Notification.objects.filter(title__startswith="【一户一策复核】").count() >= plans
    assert PlanReview.objects.filter(reminded_at__isnull=False).count() == plans
