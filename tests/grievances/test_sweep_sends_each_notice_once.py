"""Each notice is sent once, however often and however concurrently the sweep runs."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from campaigns.models import Role
from grievances.models import NoticeLog, SweepRun
from grievances.sweep import sweep_deadlines
from notifications.models import Notification
from tests.factories import member

from .factories import at, due_on, lighting_entry

ROOT = Path(__file__).resolve().parents[2]


def make_entries(tree, cast, campaign):
    for day in ("2026-10-08", "2026-10-09", "2026-10-12", "2026-10-13"):
        g = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=at("2026-09-01"))
        due_on(g, day, handling_unit=tree.department, case_owner=cast.leader)


def test_running_the_sweep_twice_sends_nothing_twice(tree, cast, campaign):
    make_entries(tree, cast, campaign)
    call_command("sweep_deadlines", "--now", at("2026-10-09").isoformat())
    first = Notification.objects.count()
    assert first > 0
    call_command("sweep_deadlines", "--now", at("2026-10-09", 15).isoformat())
    assert Notification.objects.count() == first
    assert SweepRun.objects.order_by("id").last().counts["notifications"] == 0


def _sweep_in_process(db_settings, when):
    env = dict(os.environ)
    env["DATABASE_URL"] = "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**db_settings)
    if db_settings.get("PASSWORD"):
        env["PGPASSWORD"] = db_settings["PASSWORD"]
    env["CELERY_TASK_ALWAYS_EAGER"] = "true"
    env.pop("REDIS_URL", None)
    env["ZOUFANG_DATA_DIR"] = str(Path(env.get("TMPDIR", "/tmp")) / "zf_sweep_test")
    cmd = [sys.executable, "manage.py", "sweep_deadlines", "--now", when]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# Transactional: the other processes must see the rows. The flush afterwards re-emits post_migrate,
# which reloads the calendar and the beat schedule for later tests on this worker.
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_notice_once(tree, cast, campaign):
    make_entries(tree, cast, campaign)
    when = at("2026-10-12").isoformat()
    if connection.vendor == "postgresql":
        # Two real processes against PostgreSQL: the unique NoticeLog decides who sends what.
        procs = [_sweep_in_process(connection.settings_dict, when) for _ in range(2)]
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
    else:
        # SQLite (in-memory test database) cannot be shared with other processes: run back to back.
        call_command("sweep_deadlines", "--now", when)
        call_command("sweep_deadlines", "--now", when)
    assert SweepRun.objects.filter(kind="deadlines").count() == 2
    keys = list(NoticeLog.objects.values_list("grievance_id", "deadline", "kind"))
    assert len(keys) == len(set(keys)) == 6  # the latest stage of each entry, and the 催办 of the overdue, once
    assert sorted(k for _g, _d, k in keys) == ["reminder", "supervision", "supervision", "urge", "urge", "warning"]
    pairs = list(Notification.objects.values_list("notice_id", "recipient_id"))
    assert len(pairs) == len(set(pairs))
    total = sum(r.counts["notifications"] for r in SweepRun.objects.filter(kind="deadlines"))
    assert total == Notification.objects.count() > 0


def test_a_person_reached_several_ways_gets_one_message_per_notice(tree, cast, campaign):
    member(cast.cadre, tree.community_a, Role.HANDLER)  # two staff roles in the responsible unit
    g = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=at("2026-09-01"))
    due_on(g, "2026-10-15", case_owner=cast.cadre)  # and the case owner, told of the 督办 as well

    run = sweep_deadlines(now=at("2026-10-19"))

    mine = Notification.objects.filter(recipient=cast.cadre)
    assert sorted(mine.values_list("kind", flat=True)) == ["supervision", "urge"]
    assert list(Notification.objects.filter(recipient=cast.office).values_list("kind", flat=True)) == ["supervision"]
    assert run.counts["notifications"] == Notification.objects.count() == 3
