"""Service-card distribution is recorded only for households the user may hand cards to, in the
campaign's territory; one household outside refuses the whole list and records nothing."""

from reports.models import CardDistribution
from tests.factories import make_campaign
from tests.visits.factories import HouseholdFactory

OUTSIDE = "所选对象不存在或不在您的管辖范围内"


def test_one_household_of_another_community_refuses_the_whole_list(api, cast, tree, campaign):
    mine = HouseholdFactory(grid=tree.grid_a1)
    theirs = HouseholdFactory(grid=tree.grid_c1)
    body = {"campaign": campaign.pk, "households": [mine.pk, theirs.pk]}
    r = api(cast.cadre).post("/api/cards/distributions/", body, format="json")
    assert r.status_code == 400 and r.json()["errors"] == {"households": [OUTSIDE]}
    assert not CardDistribution.objects.exists()


def test_a_leader_reads_the_card_rate_but_does_not_hand_out_cards(api, cast, tree, campaign):
    home = HouseholdFactory(grid=tree.grid_a1)
    client = api(cast.leader)
    rate = client.get("/api/cards/rate/", {"campaign": campaign.pk, "org_unit": tree.grid_a1.pk})
    assert rate.status_code == 200
    r = client.post("/api/cards/distributions/", {"campaign": campaign.pk, "households": [home.pk]}, format="json")
    assert r.status_code == 400 and r.json()["errors"] == {"households": [OUTSIDE]}
    assert not CardDistribution.objects.exists()


def test_a_campaign_the_cadre_cannot_see_is_refused(api, cast, tree):
    other = make_campaign(tree.street_b, name="西城街道2026年大走访")
    home = HouseholdFactory(grid=tree.grid_a1)
    body = {"campaign": other.pk, "households": [home.pk]}
    r = api(cast.cadre).post("/api/cards/distributions/", body, format="json")
    assert r.status_code == 400 and r.json()["errors"] == {"campaign": [OUTSIDE]}
    assert not CardDistribution.objects.exists()


def test_a_household_outside_the_campaign_territory_is_refused(api, cast, tree):
    street_campaign = make_campaign(tree.street_b, name="西城街道2026年大走访")
    home = HouseholdFactory(grid=tree.grid_a1)
    body = {"campaign": street_campaign.pk, "households": [home.pk]}
    r = api(cast.admin).post("/api/cards/distributions/", body, format="json")
    assert r.status_code == 400 and r.json()["errors"] == {"households": ["所选农户不在本次活动范围内"]}
    assert not CardDistribution.objects.exists()


def test_a_long_list_is_resolved_in_one_query(api, cast, tree, campaign, django_assert_max_num_queries):
    homes = HouseholdFactory.create_batch(60, grid=tree.grid_a1)
    client = api(cast.cadre)
    with django_assert_max_num_queries(14):
        r = client.post(
            "/api/cards/distributions/", {"campaign": campaign.pk, "households": [h.pk for h in homes]}, format="json"
        )
    assert r.status_code == 201 and r.json()["created"] == 60


def test_the_cards_page_refuses_a_household_of_another_street(client, cast, tree, campaign):
    theirs = HouseholdFactory(grid=tree.grid_c1)
    client.force_login(cast.cadre)
    r = client.post("/reports/cards/distribute/", {"campaign": campaign.pk, "household": [theirs.pk]})
    assert r.status_code == 400 and OUTSIDE in r.content.decode()
    assert not CardDistribution.objects.exists()


def test_the_cards_page_refuses_an_id_too_big_for_the_database(client, cast, tree, campaign):
    client.force_login(cast.cadre)
    r = client.post("/reports/cards/distribute/", {"campaign": campaign.pk, "household": ["9" * 30]})
    assert r.status_code == 400 and OUTSIDE in r.content.decode()
    assert not CardDistribution.objects.exists()


def test_the_cards_page_offers_the_distribution_form_only_to_who_hands_out_cards(client, cast, tree, campaign):
    HouseholdFactory(grid=tree.grid_a1)
    query = {"campaign": campaign.pk, "org_unit": tree.grid_a1.pk}
    client.force_login(cast.leader)
    assert "登记所选农户已发放" not in client.get("/reports/cards/", query).content.decode()
    client.force_login(cast.cadre)
    assert "登记所选农户已发放" in client.get("/reports/cards/", query).content.decode()
