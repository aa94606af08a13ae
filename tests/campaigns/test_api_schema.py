"""The OpenAPI schema describes every endpoint under /api/."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.twofactor import verified

pytestmark = pytest.mark.django_db


def _api_routes(patterns, prefix=""):
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _api_routes(p.url_patterns, route)
        elif isinstance(p, URLPattern) and route.startswith("^api/") or route.startswith("api/"):
            yield route


def _normalise(route):
    route = route.replace("^", "").replace("$", "")
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)
    route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
    route = route.replace("\\.", ".")
    return "/" + route


def test_schema_lists_every_api_endpoint(api, cast):
    response = api(cast.admin).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = set(response.json()["paths"])
    routes = {_normalise(r) for r in _api_routes(get_resolver().url_patterns)}
    routes = {r for r in routes if "{format}" not in r and not r.endswith(("/schema/", "/docs/"))}
    missing = {r for r in routes if re.sub(r"\{\w+\}", "{x}", r) not in {re.sub(r"\{\w+\}", "{x}", p) for p in paths}}
    assert not missing, f"not in the schema: {sorted(missing)}"
    for fixed in ["/api/auth/token/", "/api/users/me/", "/api/org-units/", "/api/campaigns/", "/api/calendar/due/"]:
        assert fixed in paths


def test_docs_page_is_served_without_cdn(client, cast):
    verified(client, cast.admin)
    html = client.get("/api/docs/").content.decode()
    assert "swagger" in html.lower()
    # Every script and stylesheet comes from our own /static/ (the page also carries a random
    # CSRF token, so look at the asset references, not at any substring).
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    # ...and its own script from the page's URL (drf-spectacular's split view: no inline script).
    assert assets and all(a.startswith("/static/") or a == "/api/docs/?script=" for a in assets), assets
    assert not re.search(r"https?://", html)


def test_error_bodies_are_consistent(api, cast):
    r = api(cast.cadre).get("/api/org-units/999999/")
    assert r.json() == {"code": "not_found", "detail": "未找到"}
    r = api().get("/api/org-units/")
    assert r.status_code == 401 and r.json()["code"] in {"not_authenticated", "authentication_failed"}
    r = api(cast.cadre).post("/api/org-units/", {})
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"


def test_list_responses_are_paginated_with_count_and_results(api, cast, campaign):
    body = api(cast.leader).get("/api/org-units/", {"page_size": 2}).json()
    assert body["count"] == 11 and len(body["results"]) == 2 and body["next"]


LEDGER_FILTERS = {
    "status": "array",
    "tier": "array",
    "kind": "string",
    "source": "array",
    "category": "integer",
    "unit": "integer",
    "case_owner": "integer",
    "overdue": "boolean",
    "plan_overdue": "boolean",
    "due_this_week": "boolean",
    "hardship": "boolean",
    "routed": "boolean",
    "owned": "boolean",
    "open": "boolean",
    "q": "string",
    "ordering": "array",
}


def _query_parameters(paths, path):
    return {p["name"]: p for p in paths[path]["get"]["parameters"] if p["in"] == "query"}


def test_the_ledger_list_and_export_document_every_filter_in_chinese(api, cast):
    paths = api(cast.admin).get("/api/schema/", {"format": "json"}).json()["paths"]
    for path in ("/api/grievances/", "/api/grievances/export/"):
        params = _query_parameters(paths, path)
        for name, kind in LEDGER_FILTERS.items():
            assert params[name]["schema"]["type"] == kind, (path, name)
            assert not params[name]["description"].isascii(), (path, name)
    status = _query_parameters(paths, "/api/grievances/")["status"]
    assert status["explode"] is False and "registered" in status["schema"]["items"]["enum"]


HOUSEHOLD_FILTERS = {
    "grid": "string",
    "unit": "integer",
    "category": "string",
    "visited": "boolean",
    "mine": "boolean",
    "assigned_to_me": "boolean",
    "campaign": "integer",
    "q": "string",
}


def test_the_household_list_documents_every_filter_in_chinese(api, cast):
    paths = api(cast.admin).get("/api/schema/", {"format": "json"}).json()["paths"]
    params = _query_parameters(paths, "/api/households/")
    for name, kind in HOUSEHOLD_FILTERS.items():
        assert params[name]["schema"]["type"] == kind, name
        assert not params[name]["description"].isascii(), name
