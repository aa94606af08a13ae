"""Database connections terminated (pg_terminate_backend every 300 ms, as a failover or an administrator does)
while twenty phones submit visits through two gunicorn workers at once: every answer is a 201, a
200 (a retry of a visit that was saved) or a clean 503 with the API's body, never a 500, and each
`client_id` is saved exactly once."""

import threading
import time
import urllib.error
import uuid

import pytest
from django.db import connection

from tests.grievances.factories import at
from tests.visits.factories import AssignmentFactory, HouseholdFactory
from visits.models import AssignmentKind, Visit

from .processes import api_user, call, env_for, needs_postgres_and_redis, redis_url

pytestmark = [needs_postgres_and_redis, pytest.mark.django_db(transaction=True)]
CLIENTS = 20
ROUNDS = 3  # visits per phone, one after another
RETRY_WINDOW_SECONDS = 300
UNAVAILABLE = {"code": "unavailable", "detail": "系统繁忙，请稍后重试"}


def _cut_connections(stop, cuts, own_pid):
    """Terminate every other connection to the test database, again and again."""
    import psycopg

    s = connection.settings_dict
    with psycopg.connect(
        host=s["HOST"], port=s["PORT"] or 5432, user=s["USER"], dbname=s["NAME"], autocommit=True
    ) as admin:
        while not stop.is_set():
            rows = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> %s",
                [own_pid],
            ).fetchall()
            cuts.append(len(rows))
            time.sleep(0.3)


def test_visits_under_cut_connections_are_each_saved_once_and_refusals_are_clean_503s(
    tree, cast, campaign, processes, tmp_path
):
    media = tmp_path / "media"
    media.mkdir()
    web = processes.web(env_for(media, redis_url(9)), workers=2)
    token = api_user(cast.cadre)
    homes = HouseholdFactory.create_batch(CLIENTS, grid=tree.grid_a1)
    for home in homes:
        AssignmentFactory(campaign=campaign, household=home, visitor=cast.cadre, kind=AssignmentKind.GRID)
    connection.ensure_connection()
    own_pid = connection.connection.info.backend_pid  # the test's own connection is left alone
    keys = [[str(uuid.uuid4()) for _ in range(ROUNDS)] for _ in homes]
    answers = [[] for _ in homes]
    gate = threading.Barrier(CLIENTS + 1)

    def phone(i):
        gate.wait()
        for key in keys[i]:
            submit(i, key)

    def submit(i, key):
        body = {
            "household": homes[i].pk,
            "client_id": key,
            "visited_at": at("2026-11-18", 8).isoformat(),
            "duration_minutes": 30,
            "mode": "in_person",
            "notes": f"第{i}户",
            "confirm_repeat": True,  # each phone visits its household three times within the hour
        }
        # The phone's queue retries until the visit is taken; the window only keeps a broken
        # server from hanging the suite (a key not taken in it fails below, named as such).
        while time.monotonic() < give_up:
            try:
                status, data, headers = call(web, "/api/visits/", token, data=body, timeout=20)
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:  # the phone's queue retries
                answers[i].append(("io", type(exc).__name__))
                time.sleep(0.1)
                continue
            answers[i].append((status, data if status >= 500 else None, headers.get("Retry-After")))
            if status in (200, 201):
                accepted[key] = status
                return
            time.sleep(0.1)

    accepted = {}
    give_up = time.monotonic() + RETRY_WINDOW_SECONDS
    stop, cuts = threading.Event(), []
    threads = [threading.Thread(target=phone, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    killer = threading.Thread(target=_cut_connections, args=(stop, cuts, own_pid))
    started = time.monotonic()
    killer.start()
    time.sleep(0.2)
    gate.wait()
    for t in threads:
        t.join()
    stop.set()
    killer.join()

    statuses = [a[0] for per in answers for a in per]
    assert sum(cuts) > 0, "no connection was ever cut"
    assert 500 not in statuses, answers
    for per in answers:
        assert [a for a in per if a[0] in (200, 201)], per
        for _status, data, retry_after in (a for a in per if a[0] == 503):
            assert data == UNAVAILABLE and retry_after == "30"
    untaken = [k for per in keys for k in per if k not in accepted]
    assert not untaken, f"{len(untaken)} visits never taken within {RETRY_WINDOW_SECONDS} s of retries"
    for key in (k for per in keys for k in per):
        assert Visit.objects.filter(client_id=key).count() == 1
    assert Visit.objects.count() == CLIENTS * ROUNDS
    print(
        f"\n{len(statuses)} answers: {statuses.count(201)}×201 {statuses.count(200)}×200 "
        f"{statuses.count(503)}×503, {statuses.count('io')} refused; {sum(cuts)} connections cut; "
        f"{time.monotonic() - started:.1f}s"
    )
