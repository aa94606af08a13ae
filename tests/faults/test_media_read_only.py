"""The media folder read-only (immutable: even root cannot create a file in it) while a phone sends
a visit with a photo through a real gunicorn: the visit is saved (201) and says one photo is
pending, no partial file is left; once the folder is writable the phone sends the photo again."""

import io
import subprocess
import uuid

import pytest
from PIL import Image

from tests.grievances.factories import at
from tests.visits.factories import AssignmentFactory, HouseholdFactory
from visits.models import AssignmentKind, Visit, VisitPhoto

from .processes import api_user, call, env_for, needs_postgres_and_redis, redis_url

pytestmark = [needs_postgres_and_redis, pytest.mark.django_db(transaction=True)]


def _png():
    buf = io.BytesIO()
    Image.new("RGB", (800, 600), (20, 120, 40)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def read_only_media(tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    subprocess.run(["chattr", "+i", str(media)], check=True)
    yield media
    subprocess.run(["chattr", "-i", str(media)], check=False)


def test_a_visit_is_kept_when_its_photo_cannot_be_stored(tree, cast, campaign, processes, read_only_media):
    web = processes.web(env_for(read_only_media, redis_url(9)))
    token = api_user(cast.cadre)
    home = HouseholdFactory(grid=tree.grid_a1)
    AssignmentFactory(campaign=campaign, household=home, visitor=cast.cadre, kind=AssignmentKind.GRID)
    body = {
        "household": home.pk,
        "client_id": str(uuid.uuid4()),
        "visited_at": at("2026-11-18", 8).isoformat(),
        "duration_minutes": 30,
        "mode": "in_person",
    }
    status, visit, _ = call(web, "/api/visits/", token, data=body, files={"photos": ("门口.png", _png(), "image/png")})
    assert status == 201, visit
    assert visit["photos_pending"] == 1 and visit["photos"] == []
    assert Visit.objects.filter(client_id=body["client_id"]).count() == 1
    assert not VisitPhoto.objects.exists()
    assert not any(p.is_file() for p in read_only_media.rglob("*"))

    # Still read-only: sending the photo again is a clean 503, the visit untouched.
    status, data, headers = call(
        web, f"/api/visits/{visit['id']}/photos/", token, files={"image": ("门口.png", _png(), "image/png")}
    )
    assert (status, data, headers.get("Retry-After")) == (
        503,
        {"code": "unavailable", "detail": "系统繁忙，请稍后重试"},
        "30",
    )

    subprocess.run(["chattr", "-i", str(read_only_media)], check=True)
    status, again, _ = call(
        web, f"/api/visits/{visit['id']}/photos/", token, files={"image": ("门口.png", _png(), "image/png")}
    )
    assert status == 201, again
    assert again["photos_pending"] == 0 and len(again["photos"]) == 1
