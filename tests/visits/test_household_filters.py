"""The household list's filters are declared once: the API and the household page read the same
query string the same way, and a bad value is a Chinese 400, never a server error."""

import pytest

from visits.models import Assignment, AssignmentKind, Visit

from .factories import HouseholdFactory


@pytest.fixture
def homes(tree, campaign, cast):
    a = HouseholdFactory(grid=tree.grid_a1, categories=["hardship"], address="锦绣路2号锦绣家园2号楼1单元102室")
    b = HouseholdFactory(grid=tree.grid_a2, categories=["old_party_member"], address="锦绣路3号锦绣家园3号楼1单元103室")
    Assignment.objects.create(campaign=campaign, household=b, visitor=cast.office, kind=AssignmentKind.GRID)
    Visit.objects.create(
        campaign=campaign, household=a, visitor=cast.cadre, visited_at=campaign.created_at, duration_minutes=30
    )
    return a, b


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("grid=T01-S01-C01-G01", [0]),
        ("category=old_party_member", [1]),
        ("visited=1", [0]),
        ("visited=0", [1]),
        ("mine=1", [1]),
        ("q=锦绣路3号", [1]),
        ("", [0, 1]),
    ],
)
def test_the_api_and_the_page_filter_alike(cast, homes, api, client, query, expected):
    wanted = sorted(homes[i].pk for i in expected)
    assert sorted(r["id"] for r in api(cast.office).get(f"/api/households/?{query}").json()["results"]) == wanted
    client.force_login(cast.office)
    assert sorted(h.pk for h in client.get(f"/visits/households/?{query}").context["page"]) == wanted


def test_a_category_id_too_big_for_a_key_matches_nothing(cast, homes, api):
    r = api(cast.office).get("/api/households/", {"category": "99999999999999999999"})
    assert r.status_code == 200 and r.json()["results"] == []


@pytest.mark.parametrize(("param", "value"), [("visited", "maybe"), ("mine", "2"), ("unit", "abc")])
def test_a_bad_filter_value_is_a_chinese_400_on_the_api_and_the_page(cast, homes, api, client, param, value):
    r = api(cast.office).get("/api/households/", {param: value})
    assert r.status_code == 400
    assert r.json()["code"] == "invalid" and list(r.json()["errors"]) == [param]
    client.force_login(cast.office)
    r = client.get("/visits/households/", {param: value})
    assert r.status_code == 400
    assert list(r.context["form"].errors) == [param] and "筛选条件有误" in r.content.decode()
