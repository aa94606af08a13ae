"""Visit submission under load: gunicorn on PostgreSQL + Redis, as docker-compose.yml runs it.

    createdb -h 127.0.0.1 -U postgres zf_load
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zf_load REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/load_visits.py [CLIENTS] [WORKERS]

Creates 50 cadres (CLIENTS, default 50), each with their own assigned households, in a campaign
whose visiting phase contains today; starts gunicorn with `config/gunicorn.py` and WORKERS (default
3) sync workers, DEBUG off, on a free loopback port; each client logs in through
`POST /api/auth/token/` and keeps one HTTP connection, as a phone does. Then:

1. one client posts 200 visits one after another: p50 / p95 of the server's answer;
2. every client posts its visits at once for 20 s: visits per second, p50 / p95, errors;
3. 20 clients post the same visit (one `client_id`) at the same instant: exactly one visit.

Phase 2 also reports the CPU time each visit cost: gunicorn's workers, this database's PostgreSQL
backends and this process (the 50 client threads), read from /proc. It deletes what it created. Targets (printed beside the figures): one client p95 <= 15 ms;
50 clients >= 120 visits/s on three workers, 0 errors; the identical burst makes one visit.
"""

import http.client
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import ROOT, p95, setup_django  # noqa: E402

CLIENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 50
WORKERS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
PER_CLIENT = 400  # households per cadre: more than a 20 s run can visit
CODE = "LOADV"
PASSWORD = "Zoufang-Bench-1"
RUN_SECONDS = 20


def build():
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from campaigns import services
    from campaigns.choices import Level, Role
    from campaigns.models import Membership, OrgUnit, User
    from visits.models import Assignment, AssignmentKind, Household

    district = OrgUnit.objects.create(code=CODE, name="压测区", level=Level.DISTRICT)
    street = OrgUnit.objects.create(code=f"{CODE}-S", name="压测街道", level=Level.STREET, parent=district)
    community = OrgUnit.objects.create(code=f"{CODE}-C", name="压测社区", level=Level.COMMUNITY, parent=street)
    today = timezone.localdate()
    campaign = services.create_campaign(
        actor=None,
        name="压测大走访",
        territory=district,
        year=today.year,
        start=today - timedelta(days=15),
        phase_days={"organise": 5, "visiting": 60, "rectification": 30, "lookback": 20, "summary": 10},
    )
    password = make_password(PASSWORD)
    cadres = []
    for c in range(CLIENTS):
        grid = OrgUnit.objects.create(code=f"{CODE}-G{c}", name=f"压测网格{c}", level=Level.GRID, parent=community)
        cadre = User.objects.create(username=f"loadv-{c}", full_name=f"压测走访员{c}", password=password)
        Membership.objects.create(user=cadre, unit=grid, role=Role.CADRE)
        homes = Household.objects.bulk_create(
            [
                Household(grid=grid, key=f"loadv:{c}:{i}", head_name="户主", address=f"压测路{i}号")
                for i in range(PER_CLIENT)
            ]
        )
        Assignment.objects.bulk_create(
            [Assignment(campaign=campaign, household=h, visitor=cadre, kind=AssignmentKind.GRID) for h in homes]
        )
        cadres.append((cadre.username, [h.pk for h in homes]))
    item = campaign.checklist.first()
    return campaign.pk, item.pk if item else None, cadres


def cleanup():
    from django.db import connection

    from campaigns.models import Campaign, OrgUnit, User

    root = OrgUnit.objects.filter(code=CODE).first()
    if root:
        campaigns = list(Campaign.objects.filter(territory=root).values_list("pk", flat=True))
        with connection.cursor() as cur:
            cur.execute(
                "DELETE FROM visits_visitphoto WHERE visit_id IN (SELECT id FROM visits_visit WHERE campaign_id = ANY(%s))",
                [campaigns],
            )
            cur.execute("DELETE FROM visits_visit WHERE campaign_id = ANY(%s)", [campaigns])
        for c in Campaign.objects.filter(pk__in=campaigns):
            c.delete()
        from visits.models import Household

        Household.objects.filter(grid__path__startswith=root.path).delete()
        from campaigns.models import Membership

        Membership.objects.filter(unit__path__startswith=root.path).delete()
        for u in OrgUnit.objects.filter(path__startswith=root.path).order_by("-depth"):
            u.delete()
    User.objects.filter(username__startswith="loadv-").delete()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Phone:
    """One cadre's phone: a token and one kept-alive connection."""

    def __init__(self, port, username):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        status, body = self.post("/api/auth/token/", {"username": username, "password": PASSWORD}, auth=False)
        assert status == 200, (status, body)
        self.token = body["token"]

    def post(self, path, data, auth=True):
        headers = {"Content-Type": "application/json", "Host": "127.0.0.1"}
        if auth:
            headers["Authorization"] = f"Token {self.token}"
        self.conn.request("POST", path, body=json.dumps(data), headers=headers)
        response = self.conn.getresponse()
        raw = response.read()
        try:
            return response.status, json.loads(raw)
        except ValueError:
            return response.status, raw[:200]


def visit_body(household, item):
    from datetime import datetime

    return {
        "household": household,
        "client_id": str(uuid.uuid4()),
        "visited_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "duration_minutes": 40,
        "mode": "in_person",
        "answers": {str(item): "家中情况稳定"} if item else {},
        "notes": "压测走访：老人身体还好，希望小区加装电梯。",
    }


def start_server(port):
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PORT": str(port),
        "WEB_CONCURRENCY": str(WORKERS),
    }
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "-c", "config/gunicorn.py", "-w", str(WORKERS)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start: " + server.stderr.read().decode()[-2000:])


def one_client(port, cadres, item):
    username, homes = cadres[0]
    phone = Phone(port, username)
    samples = []
    for h in homes[-200:]:
        t = time.perf_counter()
        status, body = phone.post("/api/visits/", visit_body(h, item))
        samples.append(time.perf_counter() - t)
        assert status == 201, (status, body)
    return {
        "one_client_p50_ms": round(statistics.median(samples) * 1000, 1),
        "one_client_p95_ms": round(p95(samples) * 1000, 1),
    }


def _cpu_seconds(pid):
    """User + system CPU time of one process, from /proc (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu(server):
    """CPU seconds so far of gunicorn (master and workers), of the PostgreSQL backends of this
    database and of this process."""
    from django.db import connection

    workers = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    with connection.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        backends = [row[0] for row in cur.fetchall()]
    return {
        "gunicorn": sum(_cpu_seconds(p) for p in [server.pid, *workers]),
        "postgres": {p: _cpu_seconds(p) for p in backends},
        "clients": sum(os.times()[:2]),
    }


def _cpu_per_visit(before, after, visits):
    pg = sum(t - before["postgres"].get(p, 0.0) for p, t in after["postgres"].items())
    return {
        "cpu_ms_per_visit_gunicorn": round((after["gunicorn"] - before["gunicorn"]) / visits * 1000, 2),
        "cpu_ms_per_visit_postgres": round(pg / visits * 1000, 2),
        "cpu_ms_per_visit_clients": round((after["clients"] - before["clients"]) / visits * 1000, 2),
    }


def many_clients(port, cadres, item, server):
    phones = [Phone(port, username) for username, _homes in cadres]
    samples, errors, lock = [], [], threading.Lock()
    start_gate = threading.Barrier(len(phones))
    stop_at = [0.0]

    def run(phone, homes):
        start_gate.wait()
        if not stop_at[0]:
            stop_at[0] = time.perf_counter() + RUN_SECONDS
        mine = []
        for h in homes[: -200 if phone is phones[0] else None]:
            if time.perf_counter() >= stop_at[0]:
                break
            t = time.perf_counter()
            status, body = phone.post("/api/visits/", visit_body(h, item))
            mine.append(time.perf_counter() - t)
            if status != 201:
                with lock:
                    errors.append((status, str(body)[:120]))
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=run, args=(p, homes)) for p, (_u, homes) in zip(phones, cadres, strict=True)]
    cpu_before = _cpu(server)
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    cpu = _cpu_per_visit(cpu_before, _cpu(server), max(len(samples), 1))
    return cpu | {
        "many_clients": len(phones),
        "many_visits": len(samples),
        "many_visits_per_s": round(len(samples) / elapsed, 1),
        "many_p50_ms": round(statistics.median(samples) * 1000, 1),
        "many_p95_ms": round(p95(samples) * 1000, 1),
        "many_errors": len(errors),
        "many_error_samples": errors[:3],
    }


def identical_burst(port, cadres, item):
    from visits.models import Visit

    username, homes = cadres[1]
    phones = [Phone(port, username) for _ in range(20)]
    # A household phase 2 did not reach: a second visit within the hour would be a 409 repeat.
    body = visit_body(homes[-1], item)
    gate = threading.Barrier(len(phones))
    statuses = []

    def run(phone):
        gate.wait()
        statuses.append(phone.post("/api/visits/", body)[0])

    threads = [threading.Thread(target=run, args=(p,)) for p in phones]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "burst_statuses": sorted(statuses),
        "burst_visits_made": Visit.objects.filter(client_id=body["client_id"]).count(),
    }


def main():
    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        sys.exit("Run with DATABASE_URL (PostgreSQL) and REDIS_URL set, as production runs.")
    cleanup()
    _campaign, item, cadres = build()
    port = _free_port()
    server = start_server(port)
    out = {"workers": WORKERS, "load_before": os.getloadavg()}
    try:
        out |= one_client(port, cadres, item)
        out |= many_clients(port, cadres, item, server)
        out |= identical_burst(port, cadres, item)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        out["load_after"] = os.getloadavg()
        for key, value in out.items():
            print(f"{key}: {value}", flush=True)
        cleanup()
    checks = [
        ("one client p95 <= 15 ms", out["one_client_p95_ms"] <= 15),
        (f"{CLIENTS} clients >= 120 visits/s", out["many_visits_per_s"] >= 120),
        ("0 errors", out["many_errors"] == 0),
        ("identical burst makes one visit", out["burst_visits_made"] == 1),
    ]
    for label, ok in checks:
        print(f"target {label}: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
