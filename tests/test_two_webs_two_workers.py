"""Two web processes and two Celery workers against one PostgreSQL and one Redis, as a city runs.

Real processes (gunicorn and `celery worker`, production settings, DEBUG off) share the test
database, a Redis database of their own and one media folder. Through both web processes a roster
is uploaded, previewed and confirmed twice at once, a summary report is asked for and its task
delivered a second time, and the deadline sweep is queued twice for both workers at once: the
households are imported once, the report is rendered once, and each notice is sent once.
Needs PostgreSQL and Redis (CI's second pass): on SQLite the test database cannot be shared.
"""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from campaigns.choices import Role
from campaigns.models import Membership
from grievances.models import NoticeLog, SweepRun
from notifications.models import Notification
from reports.models import ReportJob
from tests.factories import UserFactory
from tests.grievances.factories import at, due_on, lighting_entry
from tests.visits.factories import id_number, roster_xlsx
from visits.models import Household

ROOT = Path(__file__).resolve().parents[1]
REDIS = os.environ.get("REDIS_URL", "")
PASSWORD = "Zoufang-Test-1"
ROWS = 40
BROKER_DB = 13  # a Redis database of this test's own: nothing else reads its queues

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql" or not REDIS,
    reason="needs PostgreSQL and Redis (DATABASE_URL and REDIS_URL), which CI's second pass sets",
)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _broker_url():
    base = REDIS.rsplit("/", 1)[0] if REDIS.count("/") > 2 else REDIS.rstrip("/")
    return f"{base}/{BROKER_DB}"


def _env(media):
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        DATABASE_URL="postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**db),
        REDIS_URL=_broker_url(),
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="false",
        DJANGO_HTTPS="false",
        DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(40),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_MEDIA_ROOT=str(media),
        ZOUFANG_DATA_DIR=str(media.parent),
        CELERY_TASK_ALWAYS_EAGER="false",
    )
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    env.pop("PORT", None)
    return env


def _wait_port(port, proc, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f"gunicorn exited: {proc.stderr.read()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"gunicorn did not listen on {port}")


@pytest.fixture
def cluster(tmp_path):
    """Two gunicorn processes (one worker each) and two Celery workers (one process each)."""
    import redis

    redis.Redis.from_url(_broker_url()).flushdb()
    media = tmp_path / "media"
    media.mkdir()
    env = _env(media)
    procs, ports = [], []
    bin_dir = Path(sys.executable).parent
    for _ in range(2):
        port = _free_port()
        env_web = {**env, "PORT": str(port)}
        procs.append(
            subprocess.Popen(
                [str(bin_dir / "gunicorn"), "config.wsgi", "-c", "config/gunicorn.py", "-w", "1"],
                cwd=ROOT,
                env=env_web,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
        )
        ports.append(port)
    for n in range(2):
        procs.append(
            subprocess.Popen(
                [str(bin_dir / "celery"), "-A", "config", "worker", "-c", "1", "-n", f"w{n}-{uuid.uuid4().hex[:6]}@%h"]
                + ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
    try:
        for port, proc in zip(ports, procs, strict=False):
            _wait_port(port, proc)
        yield [f"http://127.0.0.1:{p}" for p in ports], media
    finally:
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def _call(base, path, token=None, data=None, files=None):
    headers = {"Host": "127.0.0.1"}
    if token:
        headers["Authorization"] = f"Token {token}"
    body = None
    if files:
        boundary = uuid.uuid4().hex
        name, content = files
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n"
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    elif data is not None:
        body = json.dumps(data).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(
        base + path, data=body, headers=headers, method="POST" if body or data == {} else "GET"
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, err.read()[:500]


def _poll(base, path, token, done, timeout=90):
    end = time.monotonic() + timeout
    body = None
    while time.monotonic() < end:
        status, body = _call(base, path, token)
        assert status == 200, (status, body)
        if done(body):
            return body
        time.sleep(0.3)
    raise AssertionError(f"{path} still {body}")


def _at_once(*calls):
    results = [None] * len(calls)
    gate = threading.Barrier(len(calls))

    def run(i, fn):
        gate.wait()
        results[i] = fn()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_an_import_a_report_and_a_sweep_are_each_done_once(tree, cast, campaign, cluster):
    (web_a, web_b), media = cluster
    office = UserFactory(username="city_office", full_name="市办公室")
    # The suite hashes with MD5 for speed; the real processes know only production's hashers.
    office.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt(), iterations=1000)
    office.save()
    Membership.objects.create(user=office, unit=tree.street_a, role=Role.OFFICE)
    for day in ("2026-10-08", "2026-10-09", "2026-10-12", "2026-10-13"):
        g = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=at("2026-09-01"))
        due_on(g, day, handling_unit=tree.department, case_owner=cast.leader)
    status, body = _call(web_a, "/api/auth/token/", data={"username": office.username, "password": PASSWORD})
    assert status == 200, body
    token = body["token"]

    # Roster: uploaded to one web process, previewed by a worker, confirmed through both at once.
    rows = [
        [f"户主{i}", id_number(500 + i), f"1390000{i:04d}", f"城区路{i}号", tree.grid_a1.code, 3, "家庭", "", "否"]
        for i in range(ROWS)
    ]
    status, job = _call(web_a, "/api/households/import/", token, files=("花名册.xlsx", roster_xlsx(rows).getvalue()))
    assert status in (201, 202), job
    path = f"/api/households/import/{job['id']}/"
    _poll(web_b, path, token, lambda b: b["status"] == "preview")
    confirms = _at_once(
        lambda: _call(web_a, path + "confirm/", token, data={}), lambda: _call(web_b, path + "confirm/", token, data={})
    )
    assert all(s in (200, 202, 409) for s, _b in confirms), confirms
    _poll(web_a, path, token, lambda b: b["status"] == "imported")
    assert Household.objects.filter(grid=tree.grid_a1, address__startswith="城区路").count() == ROWS

    # Report: asked for through the second web process; its task delivered once more by hand.
    status, report = _call(web_b, "/api/reports/", token, data={"campaign": campaign.pk, "org_unit": tree.street_a.pk})
    assert status in (201, 202), report
    from celery import Celery

    producer = Celery(broker=_broker_url())
    producer.send_task("reports.tasks.generate_summary", args=[report["id"]])
    _poll(web_a, f"/api/reports/{report['id']}/", token, lambda b: b["status"] in ("done", "failed"), timeout=180)
    job = ReportJob.objects.get(pk=report["id"])
    assert job.status == "done", job.error
    assert [p.name for p in (media / "reports").rglob("*.pdf")] == [Path(job.file.name).name]

    # Sweep: queued twice, both workers take one each.
    when = at("2026-10-12").isoformat()
    for _ in range(2):
        producer.send_task("grievances.sweep_deadlines", kwargs={"now": when})
    end = time.monotonic() + 90
    while SweepRun.objects.filter(kind="deadlines", finished_at__isnull=False).count() < 2:
        assert time.monotonic() < end, "the two sweeps did not finish"
        time.sleep(0.3)
    keys = list(NoticeLog.objects.values_list("grievance_id", "deadline", "kind"))
    assert len(keys) == len(set(keys)) == 6  # the latest stage of each entry, and the 催办 of the overdue, once
    pairs = list(Notification.objects.filter(notice__isnull=False).values_list("notice_id", "recipient_id"))
    assert len(pairs) == len(set(pairs)) > 0
