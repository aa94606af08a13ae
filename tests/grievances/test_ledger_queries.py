"""The ledger costs a fixed number of queries whatever the page size (no N+1)."""

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.visits.factories import HouseholdFactory

from .factories import GrievanceFactory, run


def _count(client, url):
    cache.clear()  # the ledger's total is cached between requests; count the uncached path
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_api_list_and_page_query_counts_do_not_grow_with_page_size(cast, tree, campaign, api, client):
    h = HouseholdFactory(grid=tree.grid_a1, is_hardship=True)
    for i in range(12):
        g = GrievanceFactory(
            actor=cast.office,
            unit=tree.grid_a1 if i % 2 else tree.grid_a2,
            campaign=campaign,
            content=f"第{i}件事",
            household=h,
        )
        if i % 3 == 0:
            run(cast.office, g, "assign", handling_unit=tree.department, case_owner=cast.leader.pk)
    c = api(cast.office)
    small = _count(c, "/api/grievances/?page_size=2&q=件事")
    large = _count(c, "/api/grievances/?page_size=12&q=件事")
    assert small == large
    client.force_login(cast.office)
    client.get("/")  # the session's first save after the login (then once a minute) is not the page's
    assert _count(client, "/grievances/?page_size=2") == _count(client, "/grievances/?page_size=12")
    assert _count(client, "/grievances/?page_size=2&hardship=1") == _count(
        client, "/grievances/?page_size=12&hardship=1"
    )


def test_the_cached_ledger_total_follows_every_write(cast, tree, campaign, api, django_capture_on_commit_callbacks):
    c = api(cast.office)
    with django_capture_on_commit_callbacks(execute=True):
        g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    assert c.get("/api/grievances/?status=registered").json()["count"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        run(cast.office, g, "review")
    assert c.get("/api/grievances/?status=registered").json()["count"] == 0
