"""The demo seed of the reports app is idempotent, puts one community on the 约谈 list and shows\nevery case the reports tell."""

import io
import re
from collections import Counter

from django.core.management import call_command
from PIL import Image
from pypdf import PdfReader

from campaigns.models import User
from reports.models import Violation


def test_seed_demo_twice_changes_nothing_and_lists_a_talk(demo_district):
    first = set(Violation.objects.values_list("detector_key", "status"))
    call_command("seed_demo", "--force", stdout=io.StringIO())
    assert set(Violation.objects.values_list("detector_key", "status")) == first
    confirmed = Violation.objects.filter(status="confirmed").values_list("unit_id", flat=True)
    assert max(list(confirmed).count(u) for u in set(confirmed)) >= 3


def test_the_demo_shows_every_case_the_reports_tell(demo_district, api, client, django_capture_on_commit_callbacks):
    """Phones on the service cards, schools, phone and WeChat visits with photos and co-visitors,
    typical cases told in full and recorded look-backs with every answer."""
    ctx, campaign = demo_district, demo_district.campaign
    office, leader = ctx.users["office"], ctx.users["leader"]

    # 连心卡: every member of the liaison group printed with a phone, none left as "—".
    with django_capture_on_commit_callbacks(execute=True):
        queued = api(office).post("/api/cards/sheet/", {"campaign": campaign.pk, "org_unit": ctx.grids[0].pk})
    job = api(office).get(f"/api/reports/{queued.json()['id']}/").json()
    assert job["status"] == "done", job
    sheet = api(office).get(job["download_url"])
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(b"".join(sheet.streaming_content))).pages)
    assert "联系电话" in text and "—" not in text
    assert len(set(re.findall(r"1[3-9]\d{9}", text))) >= 4

    body = api(leader).get("/api/stats/", {"campaign": campaign.pk, "org_unit": ctx.district.pk}).json()
    assert body["school_total"] >= 5 and body["school_visited"] >= 1
    assert min(body["satisfied"], body["basically_satisfied"], body["not_satisfied"]) >= 1
    cases = body["typical_cases"]
    assert len(cases) >= 5 and len({c["category"] for c in cases}) == len(cases)
    assert all(len(c["result"]) > 20 for c in cases)  # each told with a result of its own

    visits = api(leader).get("/api/visits/", {"campaign": campaign.pk, "page_size": 500}).json()["results"]
    modes = Counter(v["mode"] for v in visits)
    assert modes["phone"] >= 5 and modes["wechat"] >= 5 and modes["in_person"] > 2 * (modes["phone"] + modes["wechat"])
    assert all(v["mode_reason"] for v in visits if v["mode"] != "in_person")
    with_photos = [v for v in visits if v["photos"]]
    assert len(with_photos) >= 20 and all(v["mode"] == "in_person" for v in with_photos)
    client.force_login(leader)
    photo = client.get(with_photos[0]["photos"][0])
    assert photo.status_code == 200 and Image.open(io.BytesIO(b"".join(photo.streaming_content))).size == (320, 240)
    assert sum(1 for v in visits if v["co_visitors"]) >= 20

    # 回头看: recorded look-backs with the resident's answer, by phone, WeChat and in person.
    district_office = User.objects.get(username="bgs-d01")
    done = api(district_office).get("/api/followups/", {"scope": "unit", "status": "done", "page_size": 500}).json()
    answers = Counter(f["satisfaction"] for f in done["results"])
    assert min(answers["satisfied"], answers["basically_satisfied"], answers["not_satisfied"]) >= 3
    assert {f["mode"] for f in done["results"]} == {"phone", "wechat", "in_person"}
    assert all(f["notes"] and f["recorded_at"] for f in done["results"])
