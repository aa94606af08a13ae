"""What a visit registered is shown back: the save message names the ledger entries with their
deadlines, and the household's visit record shows the answers, the photos and links to the entries."""

import io
import re
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from grievances.models import Grievance
from tests.grievances.factories import category
from visits.models import AssignmentKind, Visit

from .factories import AssignmentFactory, HouseholdFactory


@pytest.fixture
def home(tree, campaign, cast):
    h = HouseholdFactory(grid=tree.grid_a1)
    AssignmentFactory(campaign=campaign, household=h, visitor=cast.cadre, kind=AssignmentKind.GRID)
    return h


def _jpeg():
    buf = io.BytesIO()
    Image.new("RGB", (800, 600), (20, 90, 160)).save(buf, "JPEG")
    return SimpleUploadedFile("门口.jpg", buf.getvalue(), content_type="image/jpeg")


def _local_day(value):
    d = timezone.localtime(value)
    return f"{d.month}月{d.day}日"


def test_saving_names_the_entries_and_the_record_shows_answers_photos_and_entries(client, cast, campaign, home):
    lights = category()
    item = campaign.checklist.first()
    client.force_login(cast.cadre)
    form = {
        "client_id": str(uuid.uuid4()),
        "visited_at": timezone.localtime(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": 35,
        "mode": "in_person",
        f"answer_{item.pk}": "两人务工，收入稳定",
        "notes": "老人身体尚好。",
        "g1_content": "楼前路灯坏了半个多月",
        "g1_category": lights.pk,
        "g1_kind": "problem",
        "g2_content": "希望加装电梯",
        "g2_category": lights.pk,
        "g2_kind": "suggestion",
        "g2_tier": "general",
        "photos": _jpeg(),
    }
    response = client.post(f"/visits/households/{home.pk}/visit/", form, follow=True)
    html = response.content.decode()
    visit = Visit.objects.get()
    first, second = Grievance.objects.filter(visit=visit).order_by("id")

    saved = re.search(r'<li class="msg msg-success" id="visit-saved">(.*?)</li>', html, re.S).group(1)
    assert "登记到台账2条" in saved
    assert f'href="/grievances/{first.pk}/"' in saved and f'href="/grievances/{second.pk}/"' in saved
    assert f"方案期限{_local_day(first.plan_due_at)}，剩5个工作日" in saved
    assert f"办结期限{_local_day(first.due_at)}，剩15个工作日" in saved

    record = html[html.index("<h2>走访记录</h2>") :]
    assert "两人务工，收入稳定" in record and item.question in record
    assert f'src="/visits/photos/{visit.photos.get().pk}/"' in record
    assert f'href="/grievances/{first.pk}/">#{first.pk} 楼前路灯坏了半个多月' in record

    # The office sees the same record; the API carries the entries with their deadlines.
    client.force_login(cast.office)
    office = client.get(f"/visits/households/{home.pk}/").content.decode()
    assert "两人务工，收入稳定" in office and f"/grievances/{first.pk}/" in office
    body = client.get(f"/api/visits/{visit.pk}/").json()
    assert [e["id"] for e in body["registered_entries"]] == [first.pk, second.pk]
    assert body["registered_entries"][0]["plan_due_at"] is not None


def test_a_visit_without_entries_says_only_that_it_was_saved(client, cast, campaign, home):
    client.force_login(cast.cadre)
    cid = str(uuid.uuid4())
    form = {
        "client_id": cid,
        "visited_at": timezone.localtime(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": 35,
        "mode": "in_person",
        "notes": "入户了解近况。",
        "g1_kind": "problem",
        "g2_kind": "problem",
    }
    html = client.post(f"/visits/households/{home.pk}/visit/", form, follow=True).content.decode()
    saved = re.search(r'id="visit-saved">(.*?)</li>', html, re.S).group(1)
    assert saved.strip() == "走访记录已保存"
