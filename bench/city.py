"""City scale: 1.6 million households in 20,000 org units, 2 million visits, 1 million ledger entries.

    createdb -h 127.0.0.1 -U postgres zf_city
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zf_city .venv/bin/python bench/city.py [--reuse] [--keep]

Loads its own city with COPY (one root over 200 streets x 10 communities x 9 grids: 20,201 units),
a running campaign with 500,000 entries and last year's with 500,000 more (1,000,000 in the ledger),
with realistic spreads of status, tier, category, kind and deadline. Then, each in a fresh child
process so the loader's caches and memory do not count, it measures:

- `/api/stats/` and the dashboard page for the whole city and for one street, cold (the cache
  emptied first) and warm (the same request again), with their query counts;
- the ledger list at 1,000,000 entries: first page, a filtered page and full-text searches of two,
  three and four Chinese characters, p95 over repeated requests, and each request's query count.

`BENCH_SCALE=0.05` shrinks every count (for a quick check of the script). `--keep` leaves the data
in place and `--reuse` measures data kept by an earlier `--keep` run; run once without either to
clean up. PostgreSQL only. Targets (issue figures, printed beside the results): stats cold <= 2 s
and warm <= 200 ms for the city, <= 300 ms cold for a street; ledger p95 <= 100 ms.
"""

import io
import json
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import count_queries, p95, peak_rss_mib, setup_django  # noqa: E402

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
STREETS = max(2, round(200 * SCALE**0.5))
COMMUNITIES = 10
GRIDS = 9
HOUSEHOLDS = int(1_600_000 * SCALE)
VISITS = int(2_000_000 * SCALE)
ENTRIES_PER_CAMPAIGN = int(500_000 * SCALE)
CODE = "CITY"
REQUESTS = 100
CHUNK = 50_000


def _text(value):
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def copy_rows(model, rows):
    """COPY rows (dicts by attname) into the model's table in chunks; missing fields take their default."""
    from django.db import connection
    from django.utils import timezone

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        elif f.has_default():
            defaults[f.attname] = f.get_default()
        elif f.null:
            defaults[f.attname] = None
        else:
            defaults[f.attname] = ""
    names = [f.attname for f in fields]
    cols = ", ".join(f'"{f.column}"' for f in fields)
    n = 0
    with connection.cursor() as cur, cur.cursor.copy(f'COPY "{model._meta.db_table}" ({cols}) FROM STDIN') as copy:
        buf = io.StringIO()
        for row in rows:
            buf.write("\t".join(_text(row[k] if k in row else defaults[k]) for k in names))
            buf.write("\n")
            n += 1
            if n % CHUNK == 0:
                copy.write(buf.getvalue())
                buf = io.StringIO()
        copy.write(buf.getvalue())
    return n


def _tree():
    from campaigns.choices import Level
    from campaigns.models import OrgUnit

    root = OrgUnit.objects.create(code=CODE, name="基准市", level=Level.DISTRICT)
    streets, grids = [], []
    for s in range(STREETS):
        street = OrgUnit.objects.create(code=f"{CODE}-S{s:03d}", name=f"第{s + 1}街道", level=Level.STREET, parent=root)
        streets.append(street)
        communities = OrgUnit.objects.bulk_create(
            [
                OrgUnit(
                    code=f"{street.code}-C{c}",
                    name=f"第{s + 1}街道第{c + 1}社区",
                    level=Level.COMMUNITY,
                    parent=street,
                    depth=street.depth + 1,
                )
                for c in range(COMMUNITIES)
            ]
        )
        for community in communities:
            community.path = f"{street.path}{community.pk:07d}/"
        OrgUnit.objects.bulk_update(communities, ["path"])
        kids = OrgUnit.objects.bulk_create(
            [
                OrgUnit(
                    code=f"{community.code}-G{g}",
                    name=f"{community.name}{g + 1}网格",
                    level=Level.GRID,
                    parent=community,
                    depth=community.depth + 1,
                )
                for community in communities
                for g in range(GRIDS)
            ]
        )
        for grid in kids:
            grid.path = f"{grid.parent.path}{grid.pk:07d}/"
        OrgUnit.objects.bulk_update(kids, ["path"])
        grids += kids
    return root, streets, grids


def _people(root, street):
    from campaigns.choices import Role
    from campaigns.models import Membership, User

    leader = User.objects.create(username="city-leader", full_name="基准市领导")
    Membership.objects.create(user=leader, unit=root, role=Role.LEADER)
    office = User.objects.create(username="city-office", full_name="基准市办公室")
    Membership.objects.create(user=office, unit=root, role=Role.OFFICE)
    street_office = User.objects.create(username="city-street", full_name="基准街道办公室")
    Membership.objects.create(user=street_office, unit=street, role=Role.OFFICE)
    cadre = User.objects.create(username="city-cadre", full_name="基准走访员")
    return cadre


def _entries(campaign, households, cats, cadre, start, rnd):
    """Rows of one campaign's ledger: status, tier, kind, category and deadlines spread as in the demo."""
    from campaigns import calendar
    from grievances.demo import ledger_data

    texts = [t["text"] for t in ledger_data()["grievances"]]
    statuses = (
        ["registered"] * 5
        + ["reviewed"] * 4
        + ["assigned"] * 10
        + ["planned"] * 10
        + ["resolved"] * 14
        + ["explained"] * 5
        + ["followed_up"] * 15
        + ["closed"] * 32
        + ["merged"] * 3
        + ["withdrawn"] * 2
    )
    tiers = ["general"] * 7 + ["major"] * 2 + ["difficult"]
    days = {}
    for d in range(120):
        day = calendar.local_date(start + timedelta(days=d))
        days[d] = (calendar.add_working_days(day, 5).due, calendar.add_working_days(day, 15).due)
    return _entry_rows(campaign, households, cats, cadre, start, rnd, texts, statuses, tiers, days)


def _entry_rows(campaign, households, cats, cadre, start, rnd, texts, statuses, tiers, days):  # noqa: PLR0913
    """The rows themselves: no query in here, it runs while COPY holds the connection."""
    from grievances.choices import ANSWERED_STATUSES

    for n in range(ENTRIES_PER_CAMPAIGN):
        h, grid = households[rnd.randrange(len(households))]
        kind = "suggestion" if n % 7 == 0 else "problem"
        status = rnd.choice(statuses)
        if kind == "suggestion" and status in ANSWERED_STATUSES:
            status = "adopted" if n % 2 else "not_adopted"
        d = rnd.randrange(120)
        registered = start + timedelta(days=d, minutes=rnd.randrange(600))
        plan_due, due = days[d]
        answered = status in ANSWERED_STATUSES or status in ("followed_up", "closed")
        yield {
            "campaign_id": campaign.pk,
            "household_id": h,
            "unit_id": grid,
            "kind": kind,
            "category_id": cats[n % len(cats)],
            "source": "visit",
            "tier": rnd.choice(tiers),
            "status": status,
            "content": f"{texts[n % len(texts)]}（{n}）",
            "registered_at": registered,
            "registered_by_id": cadre.pk,
            "clock_started_at": registered,
            "plan_due_at": plan_due,
            "due_at": due,
            "resolved_at": registered + timedelta(days=rnd.randrange(1, 25)) if answered else None,
            "resolved_level": rnd.choice(["grid", "community", "street", "district"]) if answered else "",
            "satisfaction": rnd.choice(["satisfied", "satisfied", "basically_satisfied", "not_satisfied"])
            if status in ("followed_up", "closed")
            else "",
        }


def load():
    from django.db import connection
    from django.utils import timezone

    from campaigns import services
    from grievances.models import Grievance, GrievanceCategory
    from grievances.services import seed_categories
    from visits.models import Household, Visit

    rnd = random.Random(16)
    t0 = time.perf_counter()
    seed_categories()
    root, streets, grids = _tree()
    cadre = _people(root, streets[0])
    today = timezone.localdate()
    campaign = services.create_campaign(
        actor=None, name="基准市大走访", territory=root, year=today.year, start=today - timedelta(days=60)
    )
    last_year = services.create_campaign(
        actor=None, name="基准市上年大走访", territory=root, year=today.year - 1, start=today - timedelta(days=425)
    )
    timings = {"tree_s": round(time.perf_counter() - t0, 1)}

    t = time.perf_counter()
    kinds = ["household"] * 92 + ["enterprise"] * 2 + ["school"] + ["shop"] * 4 + ["other"]
    per_grid, extra = divmod(HOUSEHOLDS, len(grids))
    copy_rows(
        Household,
        (
            {
                "grid_id": g.pk,
                "key": f"city:{g.pk}:{i}",
                "head_name": "户主",
                "address": f"基准路{i}号",
                "kind": kinds[(g.pk + i) % 100],
                "members_count": 1 + (i % 5),
                "is_hardship": (g.pk + i) % 40 == 0,
            }
            for n, g in enumerate(grids)
            for i in range(per_grid + (1 if n < extra else 0))
        ),
    )
    households = list(
        Household.objects.filter(grid__path__startswith=root.path).order_by("pk").values_list("pk", "grid_id")
    )
    focus = list(campaign.focus_categories.values_list("pk", flat=True))
    copy_rows(
        Household.categories.through,
        ({"household_id": h, "focuscategory_id": focus[h % len(focus)]} for h, _g in households[::12]),
    )
    timings["households_s"] = round(time.perf_counter() - t, 1)

    t = time.perf_counter()
    start = timezone.now() - timedelta(days=55)
    order = list(range(len(households)))
    rnd.shuffle(order)
    visited = [households[i][0] for i in order[: int(len(households) * 0.9)]]
    copy_rows(
        Visit,
        (
            {
                "campaign_id": campaign.pk,
                "household_id": visited[n % len(visited)],
                "visitor_id": cadre.pk,
                "client_id": uuid.UUID(int=rnd.getrandbits(128)),
                "visited_at": start + timedelta(minutes=rnd.randrange(50 * 24 * 60)),
                "duration_minutes": 30 + n % 30,
                "answers": {},
            }
            for n in range(VISITS)
        ),
    )
    timings["visits_s"] = round(time.perf_counter() - t, 1)

    t = time.perf_counter()
    cats = list(GrievanceCategory.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    for c, begin in (
        (campaign, timezone.now() - timedelta(days=58)),
        (last_year, timezone.now() - timedelta(days=420)),
    ):
        copy_rows(Grievance, _entries(c, households, cats, cadre, begin, rnd))
    timings["entries_s"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    timings["vacuum_s"] = round(time.perf_counter() - t, 1)
    timings["total_s"] = round(time.perf_counter() - t0, 1)
    return timings


def _timed_get(client, url, params):
    """Wall time, query count, response and this process's CPU time (the server's share of the
    machine: on a loaded machine wall time also counts waiting for a core)."""
    with count_queries() as q:
        t, cpu = time.perf_counter(), time.process_time()
        response = client.get(url, params)
        elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
    assert response.status_code == 200, (url, params, response.status_code, response.content[:300])
    _timed_get.cpu = cpu
    return elapsed, len(q.captured_queries), response


def measure(part):
    """Runs in a child process: the figures or the ledger (`part`) of the module docstring, as one
    JSON line."""
    from django.core.cache import cache
    from django.test import Client

    from campaigns.models import Campaign, OrgUnit, User

    root = OrgUnit.objects.get(code=CODE)
    street = OrgUnit.objects.get(code=f"{CODE}-S000")
    campaign = Campaign.objects.get(territory=root, name="基准市大走访")
    out = {
        "households": HOUSEHOLDS,
        "entries": 2 * ENTRIES_PER_CAMPAIGN,
        "units": OrgUnit.objects.filter(path__startswith=root.path).count(),
    }

    def client(username):
        c = Client(HTTP_HOST="localhost")
        c.force_login(User.objects.get(username=username))
        return c

    leader, street_office, office = client("city-leader"), client("city-street"), client("city-office")
    from reports.models import FigureRollupState, StaleUnit
    from reports.rollup import rebuild

    def _rolled_up_at():
        response = leader.get("/api/stats/", {"campaign": campaign.pk, "org_unit": root.pk, "detail": "false"})
        return response.json()["rolled_up_at"]

    def figures_pass(tag):
        bodies = {}
        for label, c, unit in (("city", leader, root), ("street", street_office, street)):
            for url, name in (("/api/stats/", "stats"), ("/reports/", "dashboard")):
                params = {"campaign": campaign.pk, "org_unit": unit.pk}
                cache.clear()
                cold, q_cold, response = _timed_get(c, url, params)
                cold_cpu = _timed_get.cpu
                warm, q_warm, _ = _timed_get(c, url, params)
                out[f"{name}_{label}_{tag}_cold_ms"] = round(cold * 1000)
                out[f"{name}_{label}_{tag}_warm_ms"] = round(warm * 1000)
                out[f"{name}_{label}_{tag}_cpu_cold_warm_ms"] = [round(cold_cpu * 1000), round(_timed_get.cpu * 1000)]
                out[f"{name}_{label}_{tag}_queries_cold_warm"] = [q_cold, q_warm]
                if name == "stats":
                    body = response.json()
                    bodies[label] = {k: v for k, v in body.items() if k not in ("generated_at", "rolled_up_at")}
        return bodies

    if part == "figures":
        # Before and after side by side: live counts (no rollup), then the rollup built whole, then read.
        FigureRollupState.objects.all().delete()
        out["load_before_live"] = os.getloadavg()[0]
        live = figures_pass("live")
        t = time.perf_counter()
        rebuild()
        out["rollup_full_rebuild_s"] = round(time.perf_counter() - t, 1)
        # The next minute's run: nothing written, so it only moves the rebuild time forward (a full
        # rebuild of a city takes longer than the minute the figures may be old).
        t = time.perf_counter()
        rebuild()
        out["rollup_idle_rebuild_s"] = round(time.perf_counter() - t, 3)
        out["load_before_rollup"] = os.getloadavg()[0]
        rolled = figures_pass("rollup")
        out["rollup_used"] = _rolled_up_at() is not None
        out["rollup_equals_live"] = {label: rolled[label] == live[label] for label in live}
        # A minute of writes in 200 grids: the incremental rebuild recounts them and their ancestors.
        grids = list(
            OrgUnit.objects.filter(path__startswith=root.path, level="grid").values_list("pk", flat=True)[:200]
        )
        StaleUnit.objects.bulk_create([StaleUnit(unit_id=pk) for pk in grids], ignore_conflicts=True)
        t = time.perf_counter()
        rebuild()
        out["rollup_200_grids_rebuild_s"] = round(time.perf_counter() - t, 2)
        # The old names: the figures as served (from the rollup).
        for key in list(out):
            if "_rollup_" in key and key.startswith(("stats_", "dashboard_")):
                out[key.replace("_rollup_", "_")] = out[key]
        out["load_after_rollup"] = os.getloadavg()[0]
    else:
        # The ledger in a process of its own: the figures' live pass leaves a heap of 1 GiB
        # whose garbage collections a web worker never has.
        out["load_before_ledger"] = os.getloadavg()[0]
        # As config/gunicorn.py does once a worker has loaded the app.
        import gc

        office.get("/api/grievances/")
        gc.freeze()
        cases = {
            "first_page": {},
            "first_page_200": {"page_size": 200},
            "filtered": {"status": "assigned", "tier": "major", "overdue": "1"},
            "search_2": {"q": "漏水"},
            "search_2b": {"q": "学位"},
            "search_3": {"q": "路灯坏"},
            "search_4_filtered": {"q": "拖欠工资", "status": "assigned"},
        }
        for name, params in cases.items():
            samples, cpu, queries = [], [], set()
            for i in range(REQUESTS):
                elapsed, q, response = _timed_get(office, "/api/grievances/", params)
                if i == 0:
                    out[f"ledger_{name}_first_ms"] = round(elapsed * 1000)
                    out[f"ledger_{name}_count"] = response.json()["count"]
                samples.append(elapsed)
                cpu.append(_timed_get.cpu)
                queries.add(q)
            out[f"ledger_{name}_p95_ms"] = round(p95(samples[1:]) * 1000, 1)
            out[f"ledger_{name}_median_ms"] = round(sorted(samples[1:])[len(samples[1:]) // 2] * 1000, 1)
            out[f"ledger_{name}_cpu_p95_ms"] = round(p95(cpu[1:]) * 1000, 1)
            out[f"ledger_{name}_queries"] = sorted(queries)
    out["peak_rss_mib"] = round(peak_rss_mib(), 1)
    print(json.dumps(out, ensure_ascii=False))


def cleanup():
    from django.db import connection, transaction

    from campaigns.models import Campaign, OrgUnit, User

    root = OrgUnit.objects.filter(code=CODE).first()
    if root is None:
        return
    campaigns = list(Campaign.objects.filter(territory=root).values_list("pk", flat=True))
    like = root.path + "%"
    with transaction.atomic(), connection.cursor() as cur:
        for sql in (
            "DELETE FROM grievances_grievanceevent WHERE grievance_id IN "
            "(SELECT id FROM grievances_grievance WHERE campaign_id = ANY(%s))",
            "DELETE FROM grievances_grievance WHERE campaign_id = ANY(%s)",
            "DELETE FROM visits_visit WHERE campaign_id = ANY(%s)",
        ):
            cur.execute(sql, [campaigns])
        cur.execute(
            "DELETE FROM visits_household_categories WHERE household_id IN (SELECT h.id FROM visits_household h "
            "JOIN campaigns_orgunit u ON u.id = h.grid_id WHERE u.path LIKE %s)",
            [like],
        )
        cur.execute(
            "DELETE FROM visits_household WHERE grid_id IN (SELECT id FROM campaigns_orgunit WHERE path LIKE %s)",
            [like],
        )
    for c in Campaign.objects.filter(pk__in=campaigns):
        c.delete()  # its rollup rows go with it
    with connection.cursor() as cur:
        cur.execute(
            "DELETE FROM reports_staleunit WHERE unit_id IN (SELECT id FROM campaigns_orgunit WHERE path LIKE %s)",
            [like],
        )
    User.objects.filter(username__startswith="city-").delete()
    with connection.cursor() as cur:
        cur.execute(
            "DELETE FROM campaigns_membership WHERE unit_id IN (SELECT id FROM campaigns_orgunit WHERE path LIKE %s)",
            [like],
        )
        cur.execute("DELETE FROM campaigns_orgunit WHERE path LIKE %s", [like])


TARGETS = [
    ("stats_city_cold_ms", 2000),
    ("stats_city_warm_ms", 200),
    ("stats_street_cold_ms", 300),
    ("ledger_first_page_p95_ms", 100),
    ("ledger_filtered_p95_ms", 100),
    ("ledger_search_2_p95_ms", 100),
    ("ledger_search_3_p95_ms", 100),
    ("ledger_search_4_filtered_p95_ms", 100),
]


def main():
    if sys.argv[1:2] == ["--measure"]:
        setup_django(migrate=False)
        measure(sys.argv[2])
        return
    setup_django()
    from django.db import connection

    from campaigns.models import OrgUnit

    if connection.vendor != "postgresql":
        sys.exit("Run with DATABASE_URL pointing at PostgreSQL (e.g. zf_city).")
    reuse, keep = "--reuse" in sys.argv, "--keep" in sys.argv
    present = OrgUnit.objects.filter(code=CODE).exists()
    if not (reuse and present):
        cleanup()
        timings = load()
        print("loaded:", json.dumps(timings))
    print(f"load average: {os.getloadavg()}")
    try:
        figures = {}
        for part in ("figures", "ledger"):
            result = subprocess.run(
                [sys.executable, __file__, "--measure", part],
                capture_output=True,
                text=True,
                env=os.environ,
                check=False,
            )
            if result.returncode:
                print(result.stderr[-4000:])
                raise SystemExit(result.returncode)
            for key, value in json.loads(result.stdout.strip().splitlines()[-1]).items():
                figures[key if key not in figures else f"{key}_{part}"] = value
        for key, value in figures.items():
            print(f"{key}: {value}")
        print(f"load average: {os.getloadavg()}")
        for key, limit in TARGETS:
            print(f"target {key} <= {limit}: {'met' if figures[key] <= limit else 'NOT met'} ({figures[key]})")
    finally:
        if not keep:
            cleanup()


if __name__ == "__main__":
    main()
