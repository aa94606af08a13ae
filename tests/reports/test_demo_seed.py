"""The demo seed of the reports app is idempotent and puts one community on the 约谈 list."""

import io

from django.core.management import call_command

from reports.models import Violation


def test_seed_demo_twice_changes_nothing_and_lists_a_talk(demo_district):
    first = set(Violation.objects.values_list("detector_key", "status"))
    call_command("seed_demo", "--force", stdout=io.StringIO())
    assert set(Violation.objects.values_list("detector_key", "status")) == first
    confirmed = Violation.objects.filter(status="confirmed").values_list("unit_id", flat=True)
    assert max(list(confirmed).count(u) for u in set(confirmed)) >= 3
