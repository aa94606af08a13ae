"""What a request asks the workers to do is kept as an outbox row in its own transaction: with the
broker away (a port nobody listens on) the request still succeeds, the row stays pending with the
reason, and beat's `deliver_outbox` hands it over once the broker is back, once. A job whose worker
is gone is queued again by `reap_stale_jobs`, failed with a reason after three tries, and 重试
starts it afresh."""

import socket
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from campaigns.lib.imports import INTERRUPTED, LEASE_SECONDS, MAX_LEASE_ATTEMPTS
from campaigns.models import OutboxMessage
from campaigns.tasks import deliver_outbox, reap_stale_jobs
from config.celery import app as celery_app
from reports.models import ReportJob


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def broker_away():
    """The Celery app publishes to a Redis port nobody listens on; `back()` makes it eager again
    (the test's stand-in for a reachable broker and a worker)."""
    conf = celery_app.conf
    saved = {
        k: conf[k]
        for k in ("broker_url", "task_always_eager", "broker_connection_retry", "broker_connection_max_retries")
    }

    def _reset_pools():
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    conf.update(
        broker_url=f"redis://127.0.0.1:{_closed_port()}/0",
        task_always_eager=False,
        broker_connection_retry=False,
        broker_connection_max_retries=0,
    )
    _reset_pools()

    class Broker:
        def back(self):
            conf.update(task_always_eager=True)

    yield Broker()
    conf.update(saved)
    _reset_pools()


def test_a_report_asked_for_while_the_broker_is_away_is_rendered_once_it_is_back(
    api, cast, tree, campaign, broker_away, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        r = api(cast.leader).post(
            "/api/reports/", {"campaign": campaign.pk, "org_unit": tree.district.pk}, format="json"
        )
    assert r.status_code == 202
    job = ReportJob.objects.get()
    message = OutboxMessage.objects.get()
    assert (job.status, message.status, message.attempts) == ("pending", "pending", 1)
    assert message.last_error  # why it waits, for the operations page

    broker_away.back()
    deliver_outbox.delay()  # too early: the back-off holds it
    assert OutboxMessage.objects.get().status == "pending"
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        deliver_outbox.delay()
        deliver_outbox.delay()  # beat again: nothing more
    job.refresh_from_db()
    assert job.status == "done" and job.file
    assert OutboxMessage.objects.get().status == "sent"
    assert ReportJob.objects.count() == 1


def _stale(job, minutes=LEASE_SECONDS // 60 + 1):
    ReportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=minutes))


def test_a_report_whose_worker_died_is_queued_again_and_rendered(cast, tree, campaign):
    job = ReportJob.objects.create(campaign=campaign, org_unit=tree.district, created_by=cast.leader, status="running")
    _stale(job)
    assert reap_stale_jobs.delay().get() == {"requeued": 1, "failed": 0, "interrupted_sweeps": 0}
    job.refresh_from_db()
    assert (job.status, job.lease_attempts) == ("done", 1)


def test_a_job_that_keeps_dying_fails_with_a_reason_and_retry_starts_it_again(cast, tree, campaign, api, client):
    job = ReportJob.objects.create(
        campaign=campaign,
        org_unit=tree.district,
        created_by=cast.leader,
        status="running",
        lease_attempts=MAX_LEASE_ATTEMPTS,
    )
    _stale(job)
    assert reap_stale_jobs.delay().get() == {"requeued": 0, "failed": 1, "interrupted_sweeps": 0}
    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", INTERRUPTED)

    client.force_login(cast.leader)
    page = client.get("/reports/summaries/").content.decode()
    assert "重试" in page and INTERRUPTED in page

    r = api(cast.leader).post(f"/api/reports/{job.pk}/retry/")
    assert r.status_code == 202
    job.refresh_from_db()
    assert job.status == "done" and job.lease_attempts == 0
    again = api(cast.leader).post(f"/api/reports/{job.pk}/retry/")  # a second tap: nothing more
    assert again.status_code == 202 and again.json()["status"] == "done"
    assert ReportJob.objects.count() == 1


def test_a_live_job_is_left_alone(cast, tree, campaign):
    job = ReportJob.objects.create(campaign=campaign, org_unit=tree.district, created_by=cast.leader, status="running")
    ReportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    assert reap_stale_jobs.delay().get() == {"requeued": 0, "failed": 0, "interrupted_sweeps": 0}
    assert ReportJob.objects.get().status == "running"


def test_a_failed_ledger_import_is_checked_again_by_retry(cast, campaign, api):
    from grievances.models import ImportJob
    from tests.grievances.test_excel_import import GOOD, _xlsx

    r = api(cast.office).post("/api/grievances/import/", {"file": _xlsx(GOOD)}, format="multipart")
    job = ImportJob.objects.get(pk=r.json()["id"])
    assert job.status == "preview"
    ImportJob.objects.filter(pk=job.pk).update(status="failed", message=INTERRUPTED)
    assert api(cast.office_b).post(f"/api/grievances/import/{job.pk}/retry/").status_code == 404
    again = api(cast.office).post(f"/api/grievances/import/{job.pk}/retry/")
    assert again.status_code == 202
    job.refresh_from_db()
    assert job.status == "preview" and job.message != INTERRUPTED


def test_the_operations_page_lists_what_the_broker_refused(tree, cast, campaign, client, broker_away):
    from campaigns.choices import Role
    from campaigns.services import enqueue_now
    from grievances.tasks import sweep_deadlines
    from tests.factories import UserFactory, member

    enqueue_now(sweep_deadlines)
    from tests.twofactor import verified

    admin = member(UserFactory(username="t_ops_admin", full_name="运维管理员"), tree.district, Role.ADMIN)
    verified(client, admin)  # an administrator's session has passed the second factor
    page = client.get("/grievances/ops/").content.decode()
    assert "待投递的后台任务" in page and "grievances.sweep_deadlines" in page
