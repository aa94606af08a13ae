"""Personal data at rest: no ID number or resident phone in clear in the database; rotation."""

import io
import re

from django.core.management import call_command
from django.db import connection

from campaigns.lib import crypto
from grievances.models import Grievance, Reporter
from visits.models import Household


def _raw_dump():
    out = []
    with connection.cursor() as cur:
        for table in ("visits_household", "grievances_grievance", "grievances_reporter"):
            cur.execute(f"SELECT * FROM {table}")  # noqa: S608
            out.extend(map(str, cur.fetchall()))
    return "\n".join(out)


def test_seeded_database_holds_no_id_number_or_resident_phone_in_clear(demo_district):
    call_command("seed_demo", "--force", stdout=io.StringIO())
    ids = [h.id_number for h in Household.objects.exclude(id_number="")]
    phones = [h.phone for h in Household.objects.exclude(phone="")]
    phones += [g.reporter_phone for g in Grievance.objects.exclude(reporter_phone="")]
    phones += [r.phone for r in Reporter.objects.exclude(phone="")]
    assert ids and phones
    raw = _raw_dump()
    out = io.StringIO()
    call_command("dumpdata", "visits.household", "grievances", stdout=out)
    for text in (raw, out.getvalue()):
        # Not inside a hex HMAC or base64 ciphertext, which may hold 18 digits in a row by chance.
        assert not re.search(r"(?<![0-9A-Za-z+/])\d{17}[\dX](?![0-9A-Za-z+/=])", text)
        assert not any(i in text for i in ids)
        assert not any(p in text for p in phones)
    h = Household.objects.exclude(id_number="").first()
    assert h.key == f"id:{crypto.hmac_of(h.id_number)}"
    assert Household.objects.get(id_number_hmac=crypto.hmac_of(h.id_number)) == h


def test_rotate_data_keys_reencrypts_under_the_new_first_key(demo_district, settings):
    call_command("seed_demo", "--force", stdout=io.StringIO())
    h = Household.objects.exclude(id_number="").first()
    plain = h.id_number
    old = settings.DATA_KEYS
    settings.DATA_KEYS = ["bmV3LWtleS1mb3ItdGhlLXJvdGF0aW9uLXRlc3QhISE=", *old]
    crypto.reset_keys()
    try:
        call_command("rotate_data_keys", stdout=io.StringIO())
        settings.DATA_KEYS = settings.DATA_KEYS[:1]
        crypto.reset_keys()
        assert Household.objects.get(pk=h.pk).id_number == plain
    finally:
        settings.DATA_KEYS = old
        crypto.reset_keys()
