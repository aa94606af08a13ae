"""When infrastructure is away the user gets an answer, not a stack: a file store that cannot be
written is a 503 with Retry-After (the API's body, a Chinese page in the browser) and no server
path; a cache that cannot be reached is only slower; a photo the store refuses loses no visit; a
file gone from the store is a 404 with the reason. The failures are real: a media folder that is
a file, a Redis port nobody listens on."""

import socket
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from grievances.models import Grievance
from grievances.models import ImportJob as LedgerImportJob
from reports.models import ReportJob
from tests.grievances.factories import category
from tests.grievances.test_excel_import import GOOD, _xlsx
from tests.visits.factories import AssignmentFactory, HouseholdFactory
from tests.visits.test_visit_logging import png_bytes
from visits.models import AssignmentKind, Visit, VisitPhoto

UNAVAILABLE = {"code": "unavailable", "detail": "系统繁忙，请稍后重试"}


@pytest.fixture
def broken_media(settings, tmp_path):
    """A media root whose parent is a plain file: every write to the store fails with an OSError."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.MEDIA_ROOT = blocker / "media"
    return settings


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_upload_the_store_cannot_take_is_a_503_with_the_apis_body_and_no_path(cast, campaign, api, broken_media):
    r = api(cast.office).post("/api/grievances/import/", {"file": _xlsx(GOOD)}, format="multipart")
    assert r.status_code == 503
    assert r.json() == UNAVAILABLE
    assert r["Retry-After"] == "30"
    assert "not-a-folder" not in r.content.decode() and "/tmp" not in r.content.decode()
    assert not LedgerImportJob.objects.exists()


def test_the_same_upload_through_the_page_is_a_chinese_503_page(cast, campaign, client, broken_media):
    client.force_login(cast.office)
    r = client.post("/grievances/import/", {"file": _xlsx(GOOD)})
    assert r.status_code == 503
    assert r["Retry-After"] == "30"
    page = r.content.decode()
    assert "系统繁忙，请稍后重试" in page and "not-a-folder" not in page and "Traceback" not in page


def test_an_unreachable_cache_leaves_the_ledger_and_new_entries_working(
    cast, tree, campaign, api, settings, django_capture_on_commit_callbacks
):
    settings.CACHES = {
        "default": {
            "BACKEND": "campaigns.lib.cache.ForgivingRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    body = {
        "content": "村道路灯不亮",
        "category": category().pk,
        "unit": tree.grid_a1.pk,
        "client_id": str(uuid.uuid4()),
    }
    with django_capture_on_commit_callbacks(execute=True):  # the count invalidation runs, and fails quietly
        created = api(cast.cadre).post("/api/grievances/", body, format="json")
    assert created.status_code == 201
    listed = api(cast.cadre).get("/api/grievances/")
    assert listed.status_code == 200
    assert listed.json()["count"] == 1
    assert Grievance.objects.count() == 1


@pytest.fixture
def home(tree, campaign, cast):
    h = HouseholdFactory(grid=tree.grid_a1, categories=["hardship"])
    AssignmentFactory(campaign=campaign, household=h, visitor=cast.cadre, kind=AssignmentKind.GRID)
    return h


def test_a_photo_the_store_refuses_keeps_the_visit_and_can_be_sent_again(
    cast, campaign, home, api, broken_media, tmp_path
):
    data = {
        "household": home.pk,
        "client_id": str(uuid.uuid4()),
        "visited_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "duration_minutes": 30,
        "mode": "in_person",
        "photos": [SimpleUploadedFile("门口.png", png_bytes((400, 300)), content_type="image/png")],
    }
    r = api(cast.cadre).post("/api/visits/", data, format="multipart")
    assert r.status_code == 201, r.content
    assert r.json()["photos_pending"] == 1 and r.json()["photos"] == []
    assert Visit.objects.count() == 1 and not VisitPhoto.objects.exists()

    broken_media.MEDIA_ROOT = tmp_path / "media-back"  # the store is writable again
    upload = SimpleUploadedFile("门口.png", png_bytes((400, 300)), content_type="image/png")
    again = api(cast.cadre).post(f"/api/visits/{r.json()['id']}/photos/", {"image": upload}, format="multipart")
    assert again.status_code == 201
    assert again.json()["photos_pending"] == 0 and len(again.json()["photos"]) == 1


def test_a_report_whose_file_is_gone_is_a_404_with_the_reason(cast, tree, campaign, api, client):
    job = ReportJob.objects.create(
        campaign=campaign,
        org_unit=tree.district,
        created_by=cast.leader,
        status=ReportJob.State.DONE,
        file="reports/summaries/2026/11/gone.pdf",
    )
    r = api(cast.leader).get(f"/api/reports/{job.pk}/download/")
    assert r.status_code == 404
    assert r.json() == {"code": "file_missing", "detail": "文件不存在或已被清理，请重新生成或联系管理员"}
    client.force_login(cast.leader)
    assert client.get(f"/reports/summaries/{job.pk}/download/").status_code == 404
