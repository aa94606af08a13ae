"""POST /api/visits/: idempotency, phase and scope rules, mode reasons, too-short flag, inline
grievances, photos; the same through the phone form."""

import io
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.utils import timezone
from PIL import Image

from tests.grievances.factories import category
from visits.models import AssignmentKind, Visit, VisitPhoto

from .factories import AssignmentFactory, HouseholdFactory


@pytest.fixture
def home(tree, campaign, cast):
    h = HouseholdFactory(grid=tree.grid_a1, categories=["hardship"])
    AssignmentFactory(campaign=campaign, household=h, visitor=cast.cadre, kind=AssignmentKind.GRID)
    return h


def body(home, campaign, **kw):
    item = campaign.checklist.first()
    data = {
        "household": home.pk,
        "client_id": str(uuid.uuid4()),
        "visited_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "duration_minutes": 40,
        "mode": "in_person",
        "answers": {str(item.pk): "家里两人务工，收入稳定"},
        "notes": "老人身体还好，希望小区加装电梯。",
    }
    data.update(kw)
    return data


def png_bytes(size=(2400, 1800), fmt="PNG"):
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buf, fmt)
    return buf.getvalue()


def test_first_post_is_201_and_the_same_client_id_answers_the_first_visit(api, cast, campaign, home):
    data = body(home, campaign)
    first = api(cast.cadre).post("/api/visits/", data, format="json")
    assert first.status_code == 201, first.content
    again = api(cast.cadre).post("/api/visits/", {**data, "notes": "重复提交"}, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Visit.objects.count() == 1 and Visit.objects.get().notes.startswith("老人")


def test_a_race_on_the_same_client_id_still_keeps_one_visit(api, cast, campaign, home, monkeypatch):
    """The second request passes the lookup before the first one commits: the unique key decides."""
    data = body(home, campaign)
    first = api(cast.cadre).post("/api/visits/", data, format="json").json()
    from visits import services

    real_filter = Visit.objects.filter
    calls = {"n": 0}

    def blind_first_lookup(*args, **kwargs):
        if "client_id" in kwargs and calls["n"] == 0:
            calls["n"] += 1
            return Visit.objects.none()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(services.Visit.objects, "filter", blind_first_lookup)
    again = api(cast.cadre).post("/api/visits/", data, format="json")
    assert again.status_code == 200 and again.json()["id"] == first["id"]
    assert Visit.objects.count() == 1


def test_checklist_answers_duration_and_campaign_default(api, cast, campaign, home):
    visit = api(cast.cadre).post("/api/visits/", body(home, campaign), format="json").json()
    assert visit["campaign"] == campaign.pk
    assert visit["too_short"] is False and visit["is_followup"] is False
    assert list(visit["answers"].values()) == ["家里两人务工，收入稳定"]


def test_a_short_visit_is_accepted_but_flagged(api, cast, campaign, home):
    response = api(cast.cadre).post("/api/visits/", body(home, campaign, duration_minutes=10), format="json")
    assert response.status_code == 201 and response.json()["too_short"] is True


def test_phone_visit_needs_a_reason(api, cast, campaign, home):
    response = api(cast.cadre).post("/api/visits/", body(home, campaign, mode="phone"), format="json")
    assert response.status_code == 400
    assert "原因" in response.json()["detail"]
    ok = api(cast.cadre).post(
        "/api/visits/", body(home, campaign, mode="phone", mode_reason="长期在外地务工"), format="json"
    )
    assert ok.status_code == 201


def test_visit_outside_the_visiting_and_lookback_phases_is_refused(api, cast, campaign, home):
    organise = campaign.phase_dates("organise")
    when = timezone.make_aware(timezone.datetime.combine(organise.start, timezone.datetime.min.time())) + timedelta(
        hours=10
    )
    response = api(cast.cadre).post("/api/visits/", body(home, campaign, visited_at=when.isoformat()), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "out_of_phase"
    assert "集中走访" in response.json()["detail"]
    assert Visit.objects.count() == 0


def test_visit_in_the_lookback_phase_is_a_followup(api, cast, campaign, home):
    import time_machine as tm

    lookback = campaign.phase_dates("lookback")
    moment = timezone.make_aware(timezone.datetime.combine(lookback.start, timezone.datetime.min.time())) + timedelta(
        hours=12
    )
    with tm.travel(moment, tick=False):
        response = api(cast.cadre).post(
            "/api/visits/", body(home, campaign, visited_at=(moment - timedelta(hours=1)).isoformat()), format="json"
        )
    assert response.status_code == 201 and response.json()["is_followup"] is True


def test_out_of_scope_household_reads_as_missing_and_nothing_is_written(api, cast, campaign, tree):
    far = HouseholdFactory(grid=tree.grid_c1)
    for user in (cast.cadre, cast.outsider):
        response = api(user).post("/api/visits/", body(far, campaign), format="json")
        assert response.status_code == 400
        assert response.json()["errors"] == {"household": ["所选对象不存在或不在您的管辖范围内"]}
    missing = api(cast.cadre).post("/api/visits/", body(far, campaign, household=far.pk + 1000), format="json")
    assert missing.json() == response.json()
    assert Visit.objects.count() == 0


def test_inline_grievance_is_registered_in_the_ledger(api, cast, campaign, home):
    from grievances.models import Grievance

    cat = category()
    data = body(home, campaign, grievances=[{"content": "3号楼前的路灯坏了半个多月", "category": cat.pk}])
    visit = api(cast.cadre).post("/api/visits/", data, format="json").json()
    g = Grievance.objects.get()
    assert (g.visit_id, g.household_id, g.source, g.category_id) == (visit["id"], home.pk, "visit", cat.pk)
    assert visit["grievances"] == [g.pk]


def test_photo_is_resized_and_served_only_to_who_may_see_the_visit(api, client, cast, campaign, home):
    visit = api(cast.cadre).post("/api/visits/", body(home, campaign), format="json").json()
    upload = SimpleUploadedFile("门口.png", png_bytes(), content_type="image/png")
    response = api(cast.cadre).post(f"/api/visits/{visit['id']}/photos/", {"image": upload}, format="multipart")
    assert response.status_code == 201, response.content
    photo = VisitPhoto.objects.get()
    from django.core.files.storage import default_storage

    with default_storage.open(photo.image.name) as f:
        stored = Image.open(f)
        assert stored.format == "JPEG" and max(stored.size) == 1600
    url = response.json()["photos"][0]
    client.force_login(cast.cadre)
    assert client.get(url).status_code == 200
    client.force_login(cast.cadre_c)
    assert client.get(url).status_code == 404


def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(api, cast, campaign, home):
    visit = api(cast.cadre).post("/api/visits/", body(home, campaign), format="json").json()
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    response = api(cast.cadre).post(f"/api/visits/{visit['id']}/photos/", {"image": fake}, format="multipart")
    assert response.status_code == 400
    gif = SimpleUploadedFile("a.gif", png_bytes((20, 20), "GIF"), content_type="image/gif")
    response = api(cast.cadre).post(f"/api/visits/{visit['id']}/photos/", {"image": gif}, format="multipart")
    assert response.status_code == 400 and "JPEG" in response.json()["detail"]
    assert VisitPhoto.objects.count() == 0


def test_an_oversized_photo_is_refused(api, cast, campaign, home, settings):
    settings.UPLOAD_LIMITS = {**settings.UPLOAD_LIMITS, "photo": {"max_bytes": 1000, "types": ["png"]}}
    data = body(home, campaign)
    data["photos"] = SimpleUploadedFile("big.png", png_bytes(), content_type="image/png")
    data["answers"] = "{}"
    response = api(cast.cadre).post(
        "/api/visits/", {k: v for k, v in data.items() if k != "answers"}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "file_too_large" and "1KB" in response.json()["detail"]
    assert Visit.objects.count() == 0


def test_phone_form_records_a_visit_with_photo_and_grievance_once(client, cast, campaign, home):
    from grievances.models import Grievance

    cat = category()
    client.force_login(cast.cadre)
    page = client.get(f"/visits/households/{home.pk}/visit/").content.decode()
    assert "入户必问" in page and "data-idempotent" in page
    item = campaign.checklist.first()
    client_id = str(uuid.uuid4())
    form = {
        "client_id": client_id,
        "visited_at": timezone.localtime(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": 35,
        "mode": "in_person",
        f"answer_{item.pk}": "收入稳定",
        "notes": "已走访",
        "g1_content": "路灯坏了",
        "g1_category": cat.pk,
        "g1_kind": "problem",
        "g2_kind": "problem",
        "photos": SimpleUploadedFile("p.jpg", png_bytes((800, 600), "JPEG"), content_type="image/jpeg"),
    }
    assert client.post(f"/visits/households/{home.pk}/visit/", form).status_code == 302
    form.pop("photos")
    assert client.post(f"/visits/households/{home.pk}/visit/", form).status_code == 302
    assert Visit.objects.count() == 1 and Grievance.objects.count() == 1 and VisitPhoto.objects.count() == 1
    assert "已走访" in client.get("/visits/").content.decode()


def test_phone_form_shows_the_phase_error(client, cast, campaign, home):
    client.force_login(cast.cadre)
    organise = campaign.phase_dates("organise")
    form = {
        "client_id": str(uuid.uuid4()),
        "visited_at": f"{organise.start}T10:00",
        "duration_minutes": 30,
        "mode": "in_person",
        "g1_kind": "problem",
        "g2_kind": "problem",
    }
    page = client.post(f"/visits/households/{home.pk}/visit/", form).content.decode()
    assert "不在本次活动的集中走访或整改回头看阶段内" in page


def test_unique_client_id_is_enforced_by_the_database(cast, campaign, home):
    cid = uuid.uuid4()
    Visit.objects.create(
        campaign=campaign,
        household=home,
        visitor=cast.cadre,
        client_id=cid,
        visited_at=timezone.now(),
        duration_minutes=30,
    )
    with pytest.raises(IntegrityError):
        Visit.objects.create(
            campaign=campaign,
            household=home,
            visitor=cast.cadre,
            client_id=cid,
            visited_at=timezone.now(),
            duration_minutes=30,
        )


def test_phone_form_is_404_for_a_household_out_of_scope(client, cast, campaign, tree):
    far = HouseholdFactory(grid=tree.grid_c1)
    client.force_login(cast.cadre)
    assert client.get(f"/visits/households/{far.pk}/visit/").status_code == 404
    assert client.post(f"/visits/households/{far.pk}/visit/", {"client_id": str(uuid.uuid4())}).status_code == 404
    assert Visit.objects.count() == 0


def test_phone_form_refuses_a_file_that_is_not_a_photo(client, cast, campaign, home):
    client.force_login(cast.cadre)
    form = {
        "client_id": str(uuid.uuid4()),
        "visited_at": timezone.localtime(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": 35,
        "mode": "in_person",
        "g1_kind": "problem",
        "g2_kind": "problem",
        "photos": SimpleUploadedFile("p.jpg", b"MZ\x90\x00 not a picture", content_type="image/jpeg"),
    }
    page = client.post(f"/visits/households/{home.pk}/visit/", form).content.decode()
    assert "只能上传JPEG、PNG或WebP格式的照片" in page
    assert Visit.objects.count() == 0 and VisitPhoto.objects.count() == 0


def test_paired_department_cadre_raises_a_grievance_at_an_assigned_household(api, cast, campaign, tree):
    """A paired department's cadre (挂包单位) has no role in the community but, as a member of the
    campaign's team, visits the households assigned to them, and the problems they hear go into
    the ledger."""
    from campaigns.models import Role
    from grievances.models import Grievance
    from tests.factories import TeamFactory, UserFactory, member

    visitor = member(UserFactory(username="t_dept_cadre", full_name="教育局干部"), tree.department, Role.CADRE)
    group = TeamFactory(
        campaign=campaign, unit=tree.department, paired_unit=tree.community_a, members=[visitor], name="教育局挂包组"
    )
    h = HouseholdFactory(grid=tree.grid_a2)
    AssignmentFactory(campaign=campaign, household=h, visitor=visitor, kind=AssignmentKind.DEPARTMENT, team=group)
    cat = category()
    data = body(h, campaign, grievances=[{"content": "孩子上学路远，希望增设校车站点", "category": cat.pk}])
    response = api(visitor).post("/api/visits/", data, format="json")
    assert response.status_code == 201, response.json()
    g = Grievance.objects.get()
    assert (g.household_id, g.unit_id, g.registered_by_id) == (h.pk, tree.grid_a2.pk, visitor.pk)
    # The visitor may follow what they raised; another community's cadre may not see it.
    assert api(visitor).get(f"/api/grievances/{g.pk}/").status_code == 200
    assert api(cast.cadre_c).get(f"/api/grievances/{g.pk}/").status_code == 404


# A phone's visit POST: token, scope, the user's team campaigns and liaison villages (read once
# per request), household with its rules (one query), idempotency lookup, campaign and its phases,
# checklist, repeat check, the insert with its two audit rows in one transaction (on PostgreSQL the
# chain's lock and head too). A new visit's photos, problems and co-visitors are not read back
# when the request gave none. 17 on PostgreSQL, 16 on SQLite; a replay answers from the visit read
# back, in no more.
VISIT_POST_BUDGET = 17


def test_a_visit_post_costs_a_fixed_number_of_queries(cast, campaign, home, tree, django_assert_max_num_queries):
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    other = HouseholdFactory(grid=tree.grid_a1)
    AssignmentFactory(campaign=campaign, household=other, visitor=cast.cadre, kind=AssignmentKind.GRID)
    phone = APIClient()
    phone.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=cast.cadre)[1]}")
    assert phone.post("/api/visits/", body(other, campaign), format="json").status_code == 201  # warm caches
    data = body(home, campaign)
    with django_assert_max_num_queries(VISIT_POST_BUDGET):
        created = phone.post("/api/visits/", data, format="json")
    assert created.status_code == 201, created.content
    with django_assert_max_num_queries(VISIT_POST_BUDGET):
        again = phone.post("/api/visits/", data, format="json")
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    assert Visit.objects.filter(visitor=cast.cadre).count() == 2
