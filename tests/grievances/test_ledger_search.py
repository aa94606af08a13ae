"""The ledger's search finds a term anywhere in an entry's content: two-character Chinese terms
too, upper or lower case alike, quotes and backslashes taken as text. On PostgreSQL the search is
served by the bigram GIN index (migration 0014); on SQLite it scans. Both must find the same rows."""

import pytest
from django.db import connection

from grievances.models import Grievance

from .factories import GrievanceFactory

CONTENTS = [
    "小区学位紧张，孩子上学难",
    "楼道漏水三个月无人修",
    "屋顶漏了，水顺墙流",  # holds 漏 and 水, never 漏水 side by side
    "WiFi 信号差",
    "居民反映 'O\\Brien' 的车位被占",
    "路灯坏了",
]


@pytest.fixture
def ledger(cast, tree, campaign):
    for content in CONTENTS:
        GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, content=content)


def _found(api, user, term):
    response = api(user).get("/api/grievances/", {"q": term})
    assert response.status_code == 200, response.content
    return sorted(g["content"] for g in response.json()["results"])


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("学位", ["小区学位紧张，孩子上学难"]),
        ("漏水", ["楼道漏水三个月无人修"]),  # the bigrams of 漏水, in that order, only
        ("漏", ["屋顶漏了，水顺墙流", "楼道漏水三个月无人修"]),  # one character: no bigram, still found
        ("wifi", ["WiFi 信号差"]),
        ("'O\\Brien'", ["居民反映 'O\\Brien' 的车位被占"]),
        ("三个月无人修", ["楼道漏水三个月无人修"]),
        ("学位紧张孩子", []),
    ],
)
def test_terms_are_found_wherever_they_stand(cast, ledger, api, term, expected):
    assert _found(api, cast.office, term) == expected


def test_a_two_character_term_is_served_by_the_bigram_index_where_it_exists(cast, ledger):
    """PostgreSQL: the plan can use the bigram index. SQLite has no such index: the search is the
    plain LIKE, with no call to the PostgreSQL-only function."""
    from grievances.selectors import search

    sql, params = search(Grievance.objects.order_by(), "学位").only("id").query.sql_with_params()
    if connection.vendor != "postgresql":
        assert "zf_bigrams" not in sql and "LIKE" in sql.upper(), sql
        return
    with connection.cursor() as cursor:
        # Rule out the plain scans (a table this small is cheaper to scan): what is left is a bitmap
        # scan, and it must be able to use the bigram index.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "grievance_content_bigram_idx" in plan, plan


def test_a_common_term_listed_newest_first_finds_the_same_pages_by_walking_the_registrations(
    api, cast, tree, campaign, monkeypatch
):
    """Over COUNT_CAP matches, newest first, the page walks the registration index with the LIKE
    instead of the bigram index: the same rows in the same order on every page, the same total,
    and any other order (or a term under the cap) still uses the bigram index."""
    from django.test.utils import CaptureQueriesContext

    from grievances import selectors

    for i in range(7):
        GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, content=f"楼道漏水第{i}次")
    GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, content="屋顶漏了，水顺墙流")

    def pages(ordering=None):
        found, sql = [], []
        for page in (1, 2):
            params = {"q": "漏水", "page_size": 2, "page": page} | ({"ordering": ordering} if ordering else {})
            with CaptureQueriesContext(connection) as queries:
                body = api(cast.office).get("/api/grievances/", params).json()
            found.append([g["id"] for g in body["results"]])
            # The page's ids: the one SELECT of the ledger that carries the search and a LIMIT.
            sql += [q["sql"] for q in queries.captured_queries if "LIMIT 2" in q["sql"] and "LIKE" in q["sql"]]
        return body["count"], found, sql

    count, indexed, _sql = pages()
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    capped, walked, sql = pages()
    assert count == 7 and capped == 4  # "more than 3": the pages reach the first 4
    assert walked == indexed and sum(len(p) for p in walked) == 4
    newest = list(
        Grievance.objects.filter(content__contains="漏水")
        .order_by("-registered_at", "-id")
        .values_list("pk", flat=True)
    )
    assert [pk for page in walked for pk in page] == newest[:4]
    if connection.vendor == "postgresql":
        assert sql and not any("zf_bigrams" in s for s in sql), sql
        _count, oldest, sql = pages("registered_at")
        assert [pk for page in oldest for pk in page] == newest[::-1][:4]
        assert sql and all("zf_bigrams" in s for s in sql), sql


def test_a_page_inside_a_transaction_leaves_the_planner_settings_as_they_were(api, cast, tree, campaign):
    """The page's id statement runs without JIT and parallel workers, and walking without sorts;
    inside a caller's transaction (here the test's own) those settings do not reach the
    statements after it."""
    for i in range(3):
        GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, content=f"楼道漏水第{i}次")
    names = ("jit", "max_parallel_workers_per_gather", "enable_sort")

    def settings():
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(f"current_setting('{n}')" for n in names))
            return cursor.fetchone()

    before = settings()
    assert connection.in_atomic_block
    body = api(cast.office).get("/api/grievances/", {"q": "漏水"}).json()
    assert body["count"] == 3 and len(body["results"]) == 3
    assert settings() == before
