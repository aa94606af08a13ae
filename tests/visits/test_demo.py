"""seed_demo grows households, assignments and visits; running it twice changes nothing."""

import io

from django.core.management import call_command

from visits.models import Assignment, HardshipPlan, Household, Visit
from visits.validators import id_number_error


def counts():
    return (
        Household.objects.count(),
        Household.categories.through.objects.count(),
        HardshipPlan.objects.count(),
        Assignment.objects.count(),
        Visit.objects.count(),
    )


def test_seed_demo_fills_every_grid_and_gives_both_demo_cadres_households(demo_district):
    from campaigns.models import Level, OrgUnit

    grids = OrgUnit.objects.filter(level=Level.GRID)
    assert not grids.exclude(households__isnull=False).exists()
    assert 580 <= Household.objects.count() <= 620
    assert not [i for i in Household.objects.values_list("id_number", flat=True) if id_number_error(i)]
    assert Assignment.objects.filter(visitor__username="cadre").exists()
    assert Assignment.objects.filter(visitor__username="cadre2").exists()
    regular = Assignment.objects.exclude(kind="party_leader")
    assert regular.count() == Household.objects.count()
    share = Visit.objects.count() / regular.count()
    assert 0.2 < share < 0.4
    assert HardshipPlan.objects.exists()
    before = counts()
    call_command("seed_demo", households=600, stdout=io.StringIO())
    assert counts() == before
