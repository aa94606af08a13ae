"""Ledger totals are counted up to a cap, then shown as "N+": a search that matches most of a
city's million entries costs its first page, not a count of every match."""

import pytest

from grievances import selectors
from tests.grievances.factories import GrievanceFactory

pytestmark = pytest.mark.django_db


def test_a_total_over_the_cap_is_shown_as_more_than_the_cap(api, client, cast, campaign, tree, monkeypatch):
    for _ in range(5):
        GrievanceFactory(campaign=campaign, unit=tree.grid_a1, content="小区楼道漏水严重")
    GrievanceFactory(campaign=campaign, unit=tree.grid_a1, content="希望增加学位")
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    body = api(cast.leader).get("/api/grievances/", {"q": "漏水", "page_size": 2}).json()
    assert body["count"] == 4 and body["count_capped"] is True
    assert len(body["results"]) == 2
    exact = api(cast.leader).get("/api/grievances/", {"q": "学位"}).json()
    assert exact["count"] == 1 and exact["count_capped"] is False
    client.force_login(cast.leader)
    page = client.get("/grievances/", {"q": "漏水"}).content.decode()
    assert "共 3+ 条" in page
    monkeypatch.setattr(selectors, "COUNT_CAP", 10)
    body = api(cast.leader).get("/api/grievances/", {"q": "漏水"}).json()
    assert body["count"] == 5 and body["count_capped"] is False
