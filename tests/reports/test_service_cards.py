"""Service cards (连心卡): a PDF sheet with the liaison group, and the distribution record and rate."""

import io

from pypdf import PdfReader

from campaigns.models import Role
from tests.factories import TeamFactory, UserFactory, member
from tests.visits.factories import HouseholdFactory


def test_card_sheet_lists_each_household_with_its_liaison_group(
    api, cast, tree, campaign, django_capture_on_commit_callbacks
):
    HouseholdFactory.create_batch(2, grid=tree.grid_a1)
    grid_member = member(
        UserFactory(full_name="网格员小陈", phone="13800000001", post="专职网格员"), tree.grid_a1, Role.CADRE
    )
    TeamFactory(
        campaign=campaign,
        name="区教育局工作组",
        paired_unit=tree.community_a,
        members=[UserFactory(full_name="挂包干部老何", phone="13800000002")],
    )
    with django_capture_on_commit_callbacks(execute=True):
        queued = api(cast.office).post("/api/cards/sheet/", {"campaign": campaign.pk, "org_unit": tree.grid_a1.pk})
    assert queued.status_code == 202, queued.json()
    job = api(cast.office).get(f"/api/reports/{queued.json()['id']}/").json()
    assert job["kind"] == "cards" and job["status"] == "done" and job["progress"] == 100
    response = api(cast.office).get(job["download_url"])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages)
    assert text.count("连心卡") >= 2
    for expected in (
        grid_member.full_name,
        "专职网格员",
        "13800000001",
        "挂包干部老何",
        "区教育局工作组组长",
        "李网格",
    ):
        assert expected in text
    assert (
        api(cast.office_b).post("/api/cards/sheet/", {"campaign": campaign.pk, "org_unit": tree.grid_a1.pk}).status_code
        == 400
    )


def test_distribution_is_recorded_once_and_gives_the_rate(api, cast, tree, campaign):
    hs = HouseholdFactory.create_batch(4, grid=tree.grid_a1)
    client = api(cast.cadre)
    first = client.post(
        "/api/cards/distributions/", {"campaign": campaign.pk, "households": [hs[0].pk, hs[1].pk]}, format="json"
    )
    assert first.status_code == 201 and first.json()["created"] == 2
    again = client.post(
        "/api/cards/distributions/", {"campaign": campaign.pk, "households": [hs[1].pk, hs[2].pk]}, format="json"
    )
    assert again.json()["created"] == 1
    rate = client.get("/api/cards/rate/", {"campaign": campaign.pk, "org_unit": tree.community_a.pk}).json()
    assert rate == {"households": 4, "distributed": 3, "rate": 75.0}
    other = HouseholdFactory(grid=tree.grid_c1)
    assert (
        client.post(
            "/api/cards/distributions/", {"campaign": campaign.pk, "households": [other.pk]}, format="json"
        ).status_code
        == 400
    )


def test_cards_page_records_distribution_in_the_browser(client, cast, tree, campaign):
    hs = HouseholdFactory.create_batch(2, grid=tree.grid_a2)
    client.force_login(cast.cadre)
    page = client.get("/reports/cards/", {"campaign": campaign.pk, "org_unit": tree.grid_a2.pk})
    assert "发放率" in page.content.decode()
    client.post("/reports/cards/distribute/", {"campaign": campaign.pk, "household": [hs[0].pk]})
    page = client.get("/reports/cards/", {"campaign": campaign.pk, "org_unit": tree.grid_a2.pk})
    assert "已发放 1 / 2 户" in page.content.decode()
