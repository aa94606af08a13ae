"""约谈 (seed 002): a community with three or more confirmed cases; the talk names its 包村居干部 and
its “两委” members (a designation on their membership of the community) and records when, by whom
and how it was held, in the API and on the scoring page."""

import pytest

from campaigns.models import Membership, Role
from reports.models import Talk
from tests.factories import UserFactory, member

from .factories import ViolationFactory


@pytest.fixture
def named(tree):
    liaison = member(UserFactory(username="t_baocun", full_name="陈包村"), tree.community_a, Role.CADRE)
    Membership.objects.filter(user=liaison).update(designation="liaison_cadre")
    committee = member(UserFactory(username="t_liangwei", full_name="林委员"), tree.community_a, Role.CADRE)
    Membership.objects.filter(user=committee).update(designation="committee")
    return liaison, committee


@pytest.fixture
def three_cases(tree, campaign, cast):
    return [ViolationFactory(campaign=campaign, unit=tree.community_a, actor=cast.inspector) for _ in range(3)]


def test_a_talk_names_the_communitys_liaison_cadre_and_committee_and_records_its_holding(
    api, cast, tree, campaign, named, three_cases
):
    r = api(cast.inspector).post("/api/talks/", {"campaign": campaign.pk, "unit": tree.community_a.pk}, format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert sorted(p["name"] for p in body["people"]) == ["林委员", "陈包村"] and body["confirmed"] == 3
    held = {"held_on": "2026-11-17", "held_by": "街道纪工委书记 王明", "notes": "指出问题，限期整改"}
    r = api(cast.inspector).post(f"/api/talks/{body['id']}/held/", held, format="json")
    assert r.status_code == 200 and (r.json()["held_on"], r.json()["held_by"]) == ("2026-11-17", "街道纪工委书记 王明")
    assert api(cast.leader).get("/api/talks/", {"campaign": campaign.pk}).json()["count"] == 1


def test_opening_a_talk_twice_answers_the_one_already_open(api, cast, tree, campaign, named, three_cases):
    body = {"campaign": campaign.pk, "unit": tree.community_a.pk}
    first = api(cast.inspector).post("/api/talks/", body, format="json")
    again = api(cast.inspector).post("/api/talks/", body, format="json")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"] and Talk.objects.count() == 1


def test_no_talk_below_three_cases_nor_by_office_staff_nor_in_the_future(api, cast, tree, campaign, named):
    ViolationFactory(campaign=campaign, unit=tree.community_a, actor=cast.inspector)
    body = {"campaign": campaign.pk, "unit": tree.community_a.pk}
    assert api(cast.inspector).post("/api/talks/", body, format="json").status_code == 409
    ViolationFactory.create_batch(2, campaign=campaign, unit=tree.community_a, actor=cast.inspector)
    assert api(cast.office).post("/api/talks/", body, format="json").status_code in (400, 403)
    r = api(cast.inspector).post("/api/talks/", {**body, "held_on": "2026-12-30", "held_by": "王明"}, format="json")
    assert r.status_code == 400
    assert not Talk.objects.filter(held_on__isnull=False).exists()


def test_the_scoring_page_opens_and_records_a_talk(client, cast, tree, campaign, named, three_cases):
    client.force_login(cast.inspector)
    url = f"/reports/violations/?campaign={campaign.pk}&org_unit={tree.district.pk}"
    assert "提出约谈" in client.get(url).content.decode()
    client.post("/reports/talks/", {"campaign": campaign.pk, "unit": tree.community_a.pk, "next": url})
    page = client.get(url).content.decode()
    assert "陈包村" in page and "待约谈" in page
    client.post(
        "/reports/talks/",
        {"campaign": campaign.pk, "unit": tree.community_a.pk, "held_on": "2026-11-18", "held_by": "王明", "next": url},
    )
    assert "已约谈" in client.get(url).content.decode()
    assert Talk.objects.get().held_by == "王明"
