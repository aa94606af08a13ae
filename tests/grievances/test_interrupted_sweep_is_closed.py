"""A deadline sweep whose worker is killed leaves its run unfinished; the reaper
(`campaigns.reap_stale_jobs`) marks it interrupted once it started longer than the lease ago, the
operations page says so in Chinese, and the next sweep still does every stage exactly once."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from campaigns.lib.imports import LEASE_SECONDS
from campaigns.tasks import reap_stale_jobs
from grievances import sweep
from grievances.models import NoticeLog, SweepRun
from grievances.sweep import SWEEP_INTERRUPTED
from notifications.models import Notification
from tests.factories import UserFactory, member
from tests.twofactor import verified

from .factories import at
from .test_sweep_sends_each_notice_once import make_entries


class Killed(BaseException):
    """The worker dies: no `except Exception` of the sweep sees it."""


def _kill(*args, **kwargs):
    raise Killed


def _reap(after_seconds):
    with time_machine.travel(timezone.now() + timedelta(seconds=after_seconds), tick=False):
        return reap_stale_jobs.delay().get()["interrupted_sweeps"]


@pytest.fixture
def district_admin(tree):
    from campaigns.models import Role

    return member(UserFactory(username="t_district_admin", full_name="秦管理"), tree.district, Role.ADMIN)


@pytest.mark.parametrize(
    "stage",
    [
        "notify",  # inside the transaction that logs the notices: nothing of it stays
        "receivers",  # after it committed: the notices and their messages are sent already
    ],
)
def test_an_interrupted_sweep_is_closed_and_the_next_does_every_stage_once(
    stage, tree, cast, campaign, monkeypatch, client, api, district_admin
):
    make_entries(tree, cast, campaign)
    when = at("2026-10-12").isoformat()
    with monkeypatch.context() as m:
        if stage == "notify":
            m.setattr(sweep, "_notify_inserted", _kill)
        else:
            m.setattr(sweep.sweep_finished, "send_robust", _kill)
        with pytest.raises(Killed):
            call_command("sweep_deadlines", "--now", when)
    run = SweepRun.objects.get()
    assert run.finished_at is None and run.interrupted_at is None
    sent_before = Notification.objects.count()
    if stage == "notify":
        assert sent_before == 0 and not NoticeLog.objects.exists()
    else:
        assert sent_before > 0 and NoticeLog.objects.count() == 6

    assert _reap(LEASE_SECONDS - 60) == 0  # it may still be at work
    assert _reap(LEASE_SECONDS + 60) == 1
    assert _reap(LEASE_SECONDS + 300) == 0  # closed once
    run.refresh_from_db()
    assert run.finished_at is None and run.interrupted_at is not None
    assert (run.failures, run.error) == (1, SWEEP_INTERRUPTED)

    verified(client, district_admin)
    page = client.get("/grievances/ops/").content.decode()
    assert "已中断" in page and SWEEP_INTERRUPTED in page
    listed = api(district_admin).get("/api/sweep-runs/").json()["results"][0]
    assert listed["interrupted_at"] and listed["error"] == SWEEP_INTERRUPTED

    call_command("sweep_deadlines", "--now", when)
    call_command("sweep_deadlines", "--now", when)  # and again: nothing more
    keys = list(NoticeLog.objects.values_list("grievance_id", "deadline", "kind"))
    assert len(keys) == len(set(keys)) == 6
    assert sorted(k for _g, _d, k in keys) == ["reminder", "supervision", "supervision", "urge", "urge", "warning"]
    pairs = list(Notification.objects.values_list("notice_id", "recipient_id"))
    assert len(pairs) == len(set(pairs)) and len(pairs) > 0
    finished = SweepRun.objects.filter(finished_at__isnull=False).order_by("pk")
    assert [r.counts["notifications"] for r in finished] == [len(pairs) - sent_before, 0]
    assert [r.interrupted_at for r in finished] == [None, None]
