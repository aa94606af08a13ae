"""The broker (and the cache, the same Redis) unreachable: a port nobody listens on. A visit, a
ledger entry, a summary PDF and a deadline sweep asked for through a real gunicorn all answer
2xx and keep what the worker must do as outbox rows; once a Redis listens on that port and a worker
runs, beat's delivery hands each over, and each effect happens exactly once (the visit and entry
once under a client's retry, one PDF, one sweep, each notice's e-mail and SMS once)."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection

from campaigns.choices import Role
from campaigns.models import Membership, OutboxMessage
from campaigns.services import send_outbox
from grievances.models import Grievance, NoticeLog, SweepRun
from notifications.models import Delivery, Notification
from notifications.services import delivery_filters
from reports.models import ReportJob
from tests.factories import UserFactory
from tests.grievances.factories import at, category, due_on, lighting_entry
from tests.visits.factories import AssignmentFactory, HouseholdFactory
from visits.models import AssignmentKind, Visit

from .processes import api_user, call, env_for, free_port, needs_postgres_and_redis, poll

pytestmark = [needs_postgres_and_redis, pytest.mark.django_db(transaction=True)]


def _db_now():
    with connection.cursor() as cursor:  # the processes' clock (the suite's is frozen)
        cursor.execute("SELECT now()")
        return cursor.fetchone()[0]


def test_writes_while_the_broker_is_away_answer_2xx_and_each_effect_happens_once_it_is_back(
    tree, cast, campaign, processes, publish_to, tmp_path
):
    port = free_port()  # nobody listens here yet
    broker = f"redis://127.0.0.1:{port}/0"
    media = tmp_path / "media"
    media.mkdir()
    env = env_for(media, broker)
    web = processes.web(env)

    home = HouseholdFactory(grid=tree.grid_a1)
    AssignmentFactory(campaign=campaign, household=home, visitor=cast.cadre, kind=AssignmentKind.GRID)
    for day in ("2026-10-08", "2026-10-12"):
        g = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=at("2026-09-01"))
        due_on(g, day, handling_unit=tree.department, case_owner=cast.leader)
    for user in (cast.leader, cast.office, cast.handler):
        user.email, user.phone = f"{user.username}@example.com", "13900001111"
        user.save()
    admin = UserFactory(username="t_whole_admin", full_name="系统管理员")
    Membership.objects.create(user=admin, unit=tree.district, role=Role.ADMIN)
    cadre, leader, admin_token = api_user(cast.cadre), api_user(cast.leader), api_user(admin)

    visit = {
        "household": home.pk,
        "client_id": str(uuid.uuid4()),
        "visited_at": (at("2026-11-18", 8)).isoformat(),
        "duration_minutes": 30,
        "mode": "in_person",
        "notes": "断网期间的走访",
    }
    entry = {
        "content": "村口桥面破损",
        "category": category().pk,
        "unit": tree.grid_a1.pk,
        "campaign": campaign.pk,
        "client_id": str(uuid.uuid4()),
    }
    answers = [
        call(web, "/api/visits/", cadre, data=visit),
        call(web, "/api/visits/", cadre, data=visit),  # the phone did not hear the answer and sends again
        call(web, "/api/grievances/", cadre, data=entry),
        call(web, "/api/grievances/", cadre, data=entry),
        call(web, "/api/reports/", leader, data={"campaign": campaign.pk, "org_unit": tree.district.pk}),
        call(web, "/api/sweep-runs/run/", admin_token, data={}),
    ]
    assert [a[0] for a in answers] == [201, 200, 201, 200, 202, 202], [a[:2] for a in answers]
    assert answers[0][1]["id"] == answers[1][1]["id"] and answers[2][1]["id"] == answers[3][1]["id"]
    waiting = OutboxMessage.objects.waiting()
    assert {m.task for m in waiting} >= {"reports.tasks.generate_summary", "grievances.sweep_deadlines"}
    assert all(m.last_error for m in waiting)
    assert ReportJob.objects.get().status == "pending"

    # The broker comes back; a worker starts; beat's outbox delivery runs (twice: nothing more).
    processes.redis_server(port)
    processes.worker(env)
    publish_to(broker)
    later = _db_now() + timedelta(minutes=5)  # past the back-off
    send_outbox(now=later)
    job = poll(lambda: ReportJob.objects.get(), lambda j: j.status in ("done", "failed"), timeout=40)
    assert job.status == "done", job.error
    poll(lambda: SweepRun.objects.filter(kind="deadlines", finished_at__isnull=False).count(), lambda n: n >= 1)
    # The sweep's deliveries were themselves queued through the outbox by the worker.
    poll(
        lambda: send_outbox(now=later + timedelta(minutes=5)) or OutboxMessage.objects.waiting().count(),
        lambda n: n == 0,
    )
    # Every e-mail and SMS the messages call for is sent (each channel's task writes its own rows,
    # so "none unsent" alone could be seen before the slower channel's rows exist).
    owed = sum(Notification.objects.filter(q).count() for q in delivery_filters().values())
    poll(lambda: Delivery.objects.filter(status="sent").count(), lambda n: n >= owed > 0, timeout=40)
    send_outbox(now=later + timedelta(minutes=10))

    assert Visit.objects.filter(client_id=visit["client_id"]).count() == 1
    assert Grievance.objects.filter(client_id=entry["client_id"]).count() == 1
    assert ReportJob.objects.count() == 1 and len(list((media / "reports").rglob("*.pdf"))) == 1
    assert SweepRun.objects.filter(kind="deadlines").count() == 1
    keys = list(NoticeLog.objects.values_list("grievance_id", "deadline", "kind"))
    assert keys and len(keys) == len(set(keys))
    pairs = list(Delivery.objects.values_list("notification_id", "channel"))
    assert len(pairs) == len(set(pairs)) == Delivery.objects.filter(status="sent").count()
    assert Notification.objects.filter(notice__isnull=False).exists()
