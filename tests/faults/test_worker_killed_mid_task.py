"""A Celery worker killed with SIGKILL in the middle of rendering a summary PDF: the job ends done
(or failed with 重试), never "running" for ever. Killing only the pool child (what the
out-of-memory killer does) gets the message handed on at once (acks_late with
task_reject_on_worker_lost) and the same message takes the job over; killing the whole worker
leaves the job for the reaper, which queues it again for another worker."""

import os
import signal
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine

from campaigns.lib.imports import LEASE_SECONDS, reap_stale_jobs
from config.celery import app as celery_app
from reports.models import ReportJob
from tests.grievances.factories import GrievanceFactory
from tests.visits.factories import HouseholdFactory

from .processes import env_for, needs_postgres_and_redis, poll, redis_url

pytestmark = [needs_postgres_and_redis, pytest.mark.django_db(transaction=True)]
BROKER_DB = 8
# How long a job may take to end after the kill before the test calls it stuck (a loaded CI
# machine renders slowly; this bound only keeps a hang from stalling the suite).
JOB_TIMEOUT = 180


def _children(pid):
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


@pytest.fixture
def ledger(tree, cast, campaign):
    HouseholdFactory.create_batch(3, grid=tree.grid_a1)
    for n in range(30):
        GrievanceFactory(campaign=campaign, unit=tree.grid_a1, status="assigned", content=f"路灯不亮第{n}处")


@pytest.fixture
def broker(tmp_path):
    import redis

    url = redis_url(BROKER_DB)
    redis.Redis.from_url(url).flushdb()
    media = tmp_path / "media"
    media.mkdir()
    return url, media, env_for(media, url)


@pytest.fixture
def publishing(broker):
    """The test process publishes to the real broker (the suite's Celery is eager)."""
    conf = celery_app.conf
    saved = {k: conf[k] for k in ("broker_url", "task_always_eager")}
    conf.update(broker_url=broker[0], task_always_eager=False)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield
    conf.update(saved)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def _running(job):
    return poll(lambda: ReportJob.objects.get(pk=job.pk), lambda j: j.status in ("running", "done"), every=0.02)


def test_a_pool_child_killed_mid_render_hands_the_job_on_and_it_ends_done(
    cast, tree, campaign, ledger, broker, processes, publishing
):
    url, media, env = broker
    worker = processes.worker(env)
    from reports.selectors import Filters
    from reports.services import create_report_job

    job = create_report_job(actor=cast.leader, filters=Filters(campaign=campaign, unit=tree.district))
    seen = _running(job)
    assert seen.status == "running", "the render finished before it could be interrupted"
    children = poll(lambda: _children(worker.pid), bool)
    os.kill(children[0], signal.SIGKILL)

    done = poll(lambda: ReportJob.objects.get(pk=job.pk), lambda j: j.status in ("done", "failed"), timeout=JOB_TIMEOUT)
    assert done.status == "done", done.error
    assert len(list((media / "reports").rglob("*.pdf"))) == 1


def test_a_whole_worker_killed_mid_render_is_queued_again_by_the_reaper(
    cast, tree, campaign, ledger, broker, processes, publishing
):
    url, media, env = broker
    first = processes.worker(env, name="first")
    from reports.selectors import Filters
    from reports.services import create_report_job

    job = create_report_job(actor=cast.leader, filters=Filters(campaign=campaign, unit=tree.district))
    assert _running(job).status == "running"
    processes.kill(first)  # the worker and its pool child, SIGKILL: no one acknowledges or rejects
    assert ReportJob.objects.get(pk=job.pk).status == "running"

    processes.worker(env, name="second")
    # Beat's reaper, once the lease ran out (the clock moved on rather than waiting ten minutes).
    beat_at = ReportJob.objects.get(pk=job.pk).heartbeat_at  # the worker's clock, not the suite's frozen one
    with time_machine.travel(beat_at + timedelta(seconds=LEASE_SECONDS + 5), tick=True):
        assert reap_stale_jobs() == {"requeued": 1, "failed": 0, "interrupted_sweeps": 0}
    done = poll(lambda: ReportJob.objects.get(pk=job.pk), lambda j: j.status in ("done", "failed"), timeout=JOB_TIMEOUT)
    assert done.status == "done", done.error
    assert done.lease_attempts == 1
    assert len(list((media / "reports").rglob("*.pdf"))) == 1
