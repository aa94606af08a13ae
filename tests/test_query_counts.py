"""Query-count guards: every list the API and the pages serve costs a fixed number of queries,
whatever the page size. On the demo district each API list is read at page sizes 20 and 200, and
the ledger pages at 20 and 200 rows: the counts must be equal (a query per row, an N+1, makes the
second larger) and within a small budget. Every list route is taken from the resolver, so a new
list endpoint is guarded without editing this module. Detail endpoints are read for the richest
objects of their kind (most timeline rows, most visits) under the same budget."""

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

from grievances.models import Grievance
from tests.twofactor import verified
from visits.models import Household

# Every test reads the demo district: it is written once for the module (each test still rolls
# back to it).
pytestmark = pytest.mark.usefixtures("demo_module")

LIST_BUDGET = 16
DETAIL_BUDGET = 24
PAGE_BUDGET = 40
# The town's 十个一 page counts ten items of seed 004, each a set-based query or two whatever the
# rows (the test below proves that), so it gets a fixed budget of its own.
PAGE_BUDGETS = {"/liaison/": 48}
READERS = ("admin", "leader", "office", "cadre", "handler", "auditor")


def _list_routes():
    """Every parameterless `-list` route under /api/."""
    found = set()

    def walk(patterns, prefix):
        for p in patterns:
            segment = str(p.pattern).lstrip("^").rstrip("$")
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + segment)
            elif isinstance(p, URLPattern) and (p.name or "").endswith("-list"):
                route = "/" + prefix + segment
                if route.startswith("/api/") and "<" not in route and "(?P" not in route and "\\." not in route:
                    found.add(route)

    walk(get_resolver().url_patterns, "")
    return sorted(found)


LIST_ROUTES = _list_routes()


def _count(client, url, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return len(ctx.captured_queries), response


def test_the_resolver_yields_the_list_routes():
    assert {"/api/grievances/", "/api/households/", "/api/visits/"} <= set(LIST_ROUTES), LIST_ROUTES


@pytest.mark.parametrize("route", LIST_ROUTES)
def test_an_api_list_costs_the_same_at_20_and_200_rows(demo_district, api, route):
    read = 0
    for username in READERS:
        client = api(demo_district.users[username])
        # Session, scope and caches warmed like any later request; a role the list is not for is skipped.
        if client.get(route, {"page_size": 1}).status_code in (403, 405):
            continue
        small, _ = _count(client, route, {"page_size": 20})
        large, response = _count(client, route, {"page_size": 200})
        assert large == small, f"{route} as {username}: {small} queries at 20 rows, {large} at 200"
        assert large <= LIST_BUDGET, f"{route} as {username}: {large} queries"
        read += 1
    if route != "/api/grievances/import/":  # upload only: a job is read by its id
        assert read, f"no reader of {route} among {READERS}"


@pytest.mark.parametrize("page", ["/grievances/", "/grievances/routed/", "/grievances/hardship/"])
def test_a_ledger_page_costs_the_same_at_20_and_200_rows(demo_district, client, page):
    for username in ("admin", "leader", "office", "handler"):
        verified(client, demo_district.users[username])  # the admin passes the second factor
        if client.get(page, {"page_size": 10}).status_code == 403:
            continue
        small, _ = _count(client, page, {"page_size": 20})
        large, _ = _count(client, page, {"page_size": 200})
        assert large == small, f"{page} as {username}: {small} queries at 20 rows, {large} at 200"
        assert large <= PAGE_BUDGET, f"{page} as {username}: {large} queries"


def test_the_richest_details_stay_within_budget(demo_district, api):
    office = api(demo_district.users["admin"])
    busiest = Grievance.objects.alias(n=Count("events")).order_by("-n", "id").first()
    visited = Household.objects.alias(n=Count("visits")).order_by("-n", "id").first()
    for url in (f"/api/grievances/{busiest.pk}/", f"/api/households/{visited.pk}/"):
        queries, _ = _count(office, url, {})
        assert queries <= DETAIL_BUDGET, f"{url}: {queries} queries"


SKIPPED_PAGES = (
    "/accounts/",
    "/new/",
    "/import/",
    "/bulk/",
    "/check/",
    "/detect/",
    "/distribute/",
    "export",
    "excel",
    "sheet",
    "template",
    "download",
    "schema",
    "docs",
    "logout",
    "sw.js",
    "manifest",
)


def _page_routes():
    """Every parameterless browser route outside /api/ and /admin/."""
    found = set()

    def walk(patterns, prefix):
        for p in patterns:
            segment = str(p.pattern).lstrip("^").rstrip("$")
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + segment)
            elif isinstance(p, URLPattern):
                route = "/" + prefix + segment
                if "<" in route or "(?P" in route or route.startswith(("/api/", "/admin/", "/static/", "/media/")):
                    continue
                if not any(word in route for word in SKIPPED_PAGES):
                    found.add(route)

    walk(get_resolver().url_patterns, "")
    return sorted(found)


def _grow(demo):
    """Eight more households given to the demo cadre, each visited, each with entries at several stages."""
    from tests.grievances.factories import GrievanceFactory
    from tests.visits.factories import AssignmentFactory, HouseholdFactory, VisitFactory

    cadre, office = demo.users["cadre"], demo.users["office"]
    area = cadre.memberships.order_by("unit__depth").last().unit
    grid = next(g for g in demo.grids if g.path.startswith(area.path))
    for i in range(8):
        home = HouseholdFactory(grid=grid)
        AssignmentFactory(campaign=demo.campaign, household=home, visitor=cadre)
        VisitFactory(campaign=demo.campaign, household=home, visitor=cadre)
        status = ("registered", "assigned", "resolved", "closed")[i % 4]
        GrievanceFactory(actor=office, unit=grid, campaign=demo.campaign, household=home, status=status)


def _page_counts(client, users, routes):
    counts = {}
    for username, user in users.items():
        client.force_login(user)
        for route in routes:
            first = client.get(route)
            if first.status_code != 200 or "text/html" not in first.get("Content-Type", ""):
                continue
            counts[(username, route)], _ = _count(client, route, {})
    return counts


def test_every_page_costs_the_same_with_more_rows(demo_district, client):
    # The street office and the cadre between them reach every page a list is on.
    users = {name: demo_district.users[name] for name in ("office", "cadre")}
    routes = _page_routes()
    before = _page_counts(client, users, routes)
    assert len({route for _u, route in before}) >= 10, before  # the pages were really read
    _grow(demo_district)
    after = _page_counts(client, users, routes)
    grew = {key: (before[key], after.get(key)) for key in before if after.get(key) != before[key]}
    assert not grew, f"queries (before, after eight more households): {grew}"
    over = {key: n for key, n in after.items() if n > PAGE_BUDGETS.get(key[1], PAGE_BUDGET)}
    assert not over, over


def _detail_names():
    """Every `-detail` route under /api/ keyed by its one `pk`, with its list route's name."""
    found = set()

    def walk(patterns, prefix):
        for p in patterns:
            segment = str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + segment)
            elif isinstance(p, URLPattern) and (p.name or "").endswith("-detail"):
                if prefix.startswith("api/") and "format" not in segment and "pk>" in segment:
                    found.add(p.name)

    walk(get_resolver().url_patterns, "")
    return sorted(found)


DETAIL_NAMES = _detail_names()


def test_every_api_detail_stays_within_budget(demo_district, api):
    """Each detail route read for the first object its list shows each reader: within budget."""
    from django.urls import NoReverseMatch, reverse

    assert {"grievance-detail", "household-detail", "visit-detail"} <= set(DETAIL_NAMES), DETAIL_NAMES
    read, listed = set(), set()
    for username in READERS:
        client = api(demo_district.users[username])
        for name in DETAIL_NAMES:
            try:
                list_url = reverse(name.removesuffix("-detail") + "-list")
            except NoReverseMatch:
                continue
            if not list_url.startswith("/api/"):
                continue  # the name is a browser page's too (the pages' test guards those)
            response = client.get(list_url, {"page_size": 20})
            if response.status_code != 200:
                continue
            body = response.json()
            rows = body.get("results", body) if isinstance(body, dict) else body
            rows = [r for r in rows if isinstance(r, dict) and "id" in r]
            if not rows:
                continue
            url = reverse(name, kwargs={"pk": rows[0]["id"]})
            if not url.startswith("/api/"):
                continue
            listed.add(name)
            client.get(url)  # session and caches warmed like any later request
            queries, _ = _count(client, url, {})
            assert queries <= DETAIL_BUDGET, f"{url} as {username}: {queries} queries"
            read.add(name)
    assert read == listed
    assert len(read) >= 15, read
