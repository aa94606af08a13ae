"""seed_demo finishes a residents' evaluation of the demo campaign's teams, once."""

import io

from django.core.management import call_command


def test_seed_demo_finishes_an_evaluation_of_the_teams(demo_district):
    from evaluations.models import Evaluation

    count = Evaluation.objects.count()
    assert count > 0
    call_command("seed_demo", "--force", stdout=io.StringIO())
    assert Evaluation.objects.count() == count
