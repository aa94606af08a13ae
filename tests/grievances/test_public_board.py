"""The public board (公开栏): what residents read without signing in, and how the office chooses it."""

import io
import re

import pytest
from auditlog.models import LogEntry
from django.test import Client
from pypdf import PdfReader

from audit.models import Event, Record
from grievances.board import public_board, run_poster
from grievances.models import BoardPoster, GrievanceEvent, Publication
from tests.grievances.factories import GrievanceFactory
from tests.visits.factories import HouseholdFactory, id_number

PHONE = "13987654321"
ID_NUMBER = id_number(41)
HEAD = "欧阳秘户"
REPORTER = "司马报告"
CONTENT = "路灯坏了三个月，晚上看不见路"
RESULT = "已更换路灯两盏，居民满意"


@pytest.fixture
def entry(tree, cast, campaign):
    h = HouseholdFactory(grid=tree.grid_a1, head_name=HEAD, id_number=ID_NUMBER, phone=PHONE, address="幸福路8号3单元")
    return GrievanceFactory(
        actor=cast.office,
        campaign=campaign,
        household=h,
        content=f"{CONTENT}，联系{REPORTER}{PHONE}",
        reporter_name=REPORTER,
        reporter_phone=PHONE,
        status="resolved",
    )


def _page(code):
    response = Client().get(f"/public/{code}/")
    return response, response.content.decode()


def _published(api, cast, entry, **texts):
    response = api(cast.office).post("/api/publications/", {"grievance": entry.pk, **texts}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_public_board_answers_without_login_and_holds_no_personal_data(tree, cast, api, entry):
    _published(api, cast, entry)
    response, text = _page(tree.community_a.code)
    assert response.status_code == 200
    assert "幸福社区" in text and "已办结" in text
    assert not re.search(r"(?<!\d)1\d{10}(?!\d)", text)
    assert not re.search(r"(?<!\d)\d{17}[\dXx](?!\d)", text)
    for secret in (HEAD, REPORTER, PHONE, ID_NUMBER, "幸福路8号", CONTENT[:6]):
        assert secret not in text


def test_public_page_never_shows_a_text_that_was_not_approved(tree, cast, api, entry):
    client = api(cast.office)
    p = _published(api, cast, entry, summary="反映小区路灯损坏", outcome="已更换路灯")
    _response, text = _page(tree.community_a.code)
    # Published, but its texts not approved: the entry is there with category and state only.
    assert entry.category.name in text
    assert "反映小区路灯损坏" not in text and "已更换路灯" not in text
    assert CONTENT not in text and RESULT not in text

    assert client.post(f"/api/publications/{p['id']}/approve-text/").status_code == 200
    _response, text = _page(tree.community_a.code)
    assert "反映小区路灯损坏" in text and "已更换路灯" in text

    # A change takes the approval back: neither the new nor the old text is shown.
    changed = client.patch(f"/api/publications/{p['id']}/", {"summary": "反映小区路灯仍不亮"}, format="json")
    assert changed.status_code == 200 and changed.json()["text_approved"] is False
    _response, text = _page(tree.community_a.code)
    assert "路灯仍不亮" not in text and "反映小区路灯损坏" not in text


def test_the_selector_hands_the_page_only_whitelisted_fields(tree, cast, api, entry):
    _published(api, cast, entry, summary="反映小区路灯损坏")
    board = public_board(tree.community_a.code)
    (row,) = board.rows
    assert set(row) == {
        "id",
        "public_summary",
        "public_outcome",
        "category_name",
        "parent_category",
        "kind",
        "state",
        "registered_at",
        "resolved_at",
        "closed_at",
        "published_at",
    }
    assert row["public_summary"] == ""  # not approved yet


@pytest.mark.parametrize(
    "summary",
    [f"居民{HEAD}反映路灯坏了", f"请拨打{PHONE}", f"身份证{ID_NUMBER}", "住在幸福路8号3单元", f"{REPORTER}说的"],
)
def test_approval_refuses_a_text_that_names_a_person(cast, api, entry, summary):
    p = _published(api, cast, entry, summary=summary)
    response = api(cast.office).post(f"/api/publications/{p['id']}/approve-text/")
    assert response.status_code == 400
    assert Publication.objects.get(pk=p["id"]).text_approved_at is None


def test_withdrawn_entry_leaves_the_board_and_the_change_is_audited(tree, cast, api, entry):
    p = _published(api, cast, entry)
    assert public_board(tree.community_a.code).totals["raised"] == 1
    response = api(cast.office).post(f"/api/publications/{p['id']}/withdraw/", {"reason": "群众要求"}, format="json")
    assert response.status_code == 200 and response.json()["on_board"] is False
    assert public_board(tree.community_a.code).rows == []
    actions = list(GrievanceEvent.objects.filter(grievance=entry).values_list("action", flat=True))
    assert {"publish", "withdraw_publication"} <= set(actions)
    assert LogEntry.objects.get_for_objects(Publication.objects.all()).count() >= 2
    # And back again.
    assert api(cast.office).post("/api/publications/", {"grievance": entry.pk}, format="json").status_code == 201
    assert len(public_board(tree.community_a.code).rows) == 1


def test_a_board_shows_nothing_of_another_community(tree, cast, campaign, api, entry):
    other = GrievanceFactory(actor=cast.office, campaign=campaign, unit=tree.grid_b1, content="和谐社区的下水道堵了")
    _published(api, cast, entry)
    p = _published(api, cast, other, summary="下水道疏通")
    api(cast.office).post(f"/api/publications/{p['id']}/approve-text/")
    _r, text_b = _page(tree.community_b.code)
    _r, text_a = _page(tree.community_a.code)
    assert "下水道疏通" in text_b and "下水道疏通" not in text_a
    assert public_board(tree.community_a.code).totals["raised"] == 1
    assert public_board(tree.community_c.code).totals["raised"] == 0


def test_unknown_code_and_non_community_units_are_404(tree):
    assert Client().get("/public/NOPE/").status_code == 404
    assert Client().get(f"/public/{tree.street_a.code}/").status_code == 404
    assert Client().get(f"/public/{tree.grid_a1.code}/").status_code == 404


def test_public_page_costs_a_handful_of_queries(tree, cast, campaign, api, django_assert_max_num_queries):
    for i in range(12):
        g = GrievanceFactory(actor=cast.office, campaign=campaign, unit=tree.grid_a1, content=f"第{i}件：道路破损")
        _published(api, cast, g)
    with django_assert_max_num_queries(4):
        response = Client().get(f"/public/{tree.community_a.code}/")
    assert response.status_code == 200
    assert response.content.decode().count("board-row") == 12


def test_only_the_office_over_the_entry_may_publish(tree, cast, api, entry):
    for who in ("cadre", "office_b", "handler", "leader", "outsider"):
        response = api(getattr(cast, who)).post("/api/publications/", {"grievance": entry.pk}, format="json")
        assert response.status_code in (400, 403), who
    assert Publication.objects.count() == 0
    p = _published(api, cast, entry)
    assert api(cast.office_b).get(f"/api/publications/{p['id']}/").status_code == 404
    assert api(cast.office_b).post(f"/api/publications/{p['id']}/withdraw/").status_code == 404
    assert api(cast.office_b).get("/api/publications/").json()["count"] == 0


def test_office_page_publishes_approves_and_withdraws(tree, cast, entry):
    page = Client()
    page.force_login(cast.office)
    listing = page.get(f"/grievances/board/?unit={tree.community_a.pk}")
    assert listing.status_code == 200 and f"#{entry.pk}" in listing.content.decode()
    assert page.post(f"/grievances/board/publish/{entry.pk}/").status_code == 302
    p = Publication.objects.get()
    page.post(f"/grievances/board/entries/{p.pk}/", {"op": "text", "summary": "反映路灯损坏", "approve": "1"})
    assert "反映路灯损坏" in _page(tree.community_a.code)[1]
    page.post(f"/grievances/board/entries/{p.pk}/", {"op": "withdraw", "reason": "重复"})
    assert "反映路灯损坏" not in _page(tree.community_a.code)[1]
    cadre = Client()
    cadre.force_login(cast.cadre)
    assert cadre.get("/grievances/board/").status_code == 403


def test_poster_is_rendered_by_the_task_with_a_qr_code(tree, cast, api, entry, django_capture_on_commit_callbacks):
    p = _published(api, cast, entry, summary="反映小区路灯<损坏>")
    api(cast.office).post(f"/api/publications/{p['id']}/approve-text/")
    with django_capture_on_commit_callbacks(execute=True):
        response = api(cast.office).post("/api/board-posters/", {"unit": tree.community_a.pk}, format="json")
    assert response.status_code == 202, response.content
    job = BoardPoster.objects.get()
    assert job.status == BoardPoster.State.DONE, job.error  # Celery runs eagerly in tests
    assert run_poster(job_id=job.pk).file.name == job.file.name  # a second run leaves it alone
    download = api(cast.office).get(f"/api/board-posters/{job.pk}/download/")
    assert download.status_code == 200
    data = b"".join(download.streaming_content)
    assert data.startswith(b"%PDF")
    # A public poster names its maker, without the note that marks internal files.
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "制作人：钱主任（t_office）　单位：东城街道" in text and "内部资料" not in text
    audited = Record.objects.filter(event=Event.DOWNLOAD).latest("id")
    assert audited.data["download"] == "grievances.board_poster" and audited.data["rows"] == 1
    assert api(cast.office_b).get(f"/api/board-posters/{job.pk}/download/").status_code == 404


def test_poster_html_escapes_text_and_embeds_the_qr_as_data(tree, cast, api, entry):
    from grievances.board import poster_html

    p = _published(api, cast, entry, summary="路灯<script>坏了</script>")
    api(cast.office).post(f"/api/publications/{p['id']}/approve-text/")
    html = poster_html(public_board(tree.community_a.code))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'src="data:image/svg+xml' in html
    assert f"/public/{tree.community_a.code}/" in html


def test_the_poster_never_shows_a_text_that_was_not_approved(
    tree, cast, campaign, api, django_capture_on_commit_callbacks
):
    import io

    from pypdf import PdfReader

    def poster_text():
        with django_capture_on_commit_callbacks(execute=True):
            r = api(cast.office).post("/api/board-posters/", {"unit": tree.community_a.pk}, format="json")
        job = BoardPoster.objects.get(pk=r.json()["id"])
        assert job.status == BoardPoster.State.DONE, job.error
        data = b"".join(api(cast.office).get(f"/api/board-posters/{job.pk}/download/").streaming_content)
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace("\n", "")

    h = HouseholdFactory(grid=tree.grid_a1, head_name=HEAD, id_number=ID_NUMBER, phone=PHONE, address="幸福路8号3单元")
    entries = [
        GrievanceFactory(
            actor=cast.office,
            campaign=campaign,
            household=h,
            content=f"{CONTENT}{i}",
            reporter_name=REPORTER,
            status="resolved",
        )
        for i in range(2)
    ]
    approved = _published(api, cast, entries[0], summary="反映东区路灯损坏", outcome="已更换东区路灯")
    _published(api, cast, entries[1], summary="反映西区井盖缺失", outcome="已补装西区井盖")
    api(cast.office).post(f"/api/publications/{approved['id']}/approve-text/")
    text = poster_text()
    assert "反映东区路灯损坏" in text and "已更换东区路灯" in text
    for hidden in ("反映西区井盖缺失", "已补装西区井盖", CONTENT, HEAD, REPORTER, PHONE, ID_NUMBER, "幸福路8号"):
        assert hidden not in text
