"""Ledger benchmark: 100,000 entries in PostgreSQL; first page, filtered page, full-text search, export.

Run once:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/zf_grievances .venv/bin/python bench/ledger_bench.py
(--keep leaves the rows in place, --reuse measures rows kept by an earlier --keep run)
Prints the SQL query count per request (page sizes 20 and 200), p95 over 200 requests each through
the real API view, and the export's time and peak memory (measured in a fresh child process, so the
data set-up does not count). Creates its own rows (codes BENCH-*) and deletes them at the end.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import count_queries, p95, peak_rss_mib, setup_django  # noqa: E402

N = 100_000
REQUESTS = 200
PREFIX = "BENCH"


def build():
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from campaigns import calendar
    from campaigns.choices import Level, Role
    from campaigns.demo import district_data
    from campaigns.models import Membership, OrgUnit, User
    from campaigns.services import create_campaign
    from grievances.demo import ledger_data
    from grievances.models import Grievance, GrievanceCategory
    from grievances.services import seed_categories

    seed_categories()
    district = OrgUnit.objects.create(code=f"{PREFIX}-D", name="基准区", level=Level.DISTRICT)
    grids = []
    for s in range(3):
        street = OrgUnit.objects.create(code=f"{PREFIX}-S{s}", name=f"基准街道{s}", level=Level.STREET, parent=district)
        for c in range(4):
            community = OrgUnit.objects.create(
                code=f"{PREFIX}-S{s}C{c}", name=f"基准社区{s}-{c}", level=Level.COMMUNITY, parent=street
            )
            for g in range(3):
                grids.append(
                    OrgUnit.objects.create(
                        code=f"{PREFIX}-S{s}C{c}G{g}", name=f"网格{s}-{c}-{g}", level=Level.GRID, parent=community
                    )
                )
    dept = OrgUnit.objects.create(code=f"{PREFIX}-EDU", name="基准教育局", level=Level.DEPARTMENT, parent=district)
    office = User.objects.create(username=f"{PREFIX.lower()}-office", full_name="基准办公室")
    Membership.objects.create(user=office, unit=district, role=Role.OFFICE)
    today = timezone.localdate()
    campaign = create_campaign(
        actor=None,
        name="基准活动",
        territory=district,
        year=today.year,
        start=today - timedelta(days=100),
        phase_days={"organise": 10, "visiting": 60, "rectification": 60, "lookback": 30, "summary": 20},
    )
    leaf = list(GrievanceCategory.objects.filter(parent__isnull=False))
    texts = ledger_data()["grievances"]
    statuses = ["registered", "reviewed", "assigned", "planned", "resolved", "closed", "followed_up", "assigned"]
    now = timezone.now()
    # One deadline computation per registration day (the calendar is the only source of deadlines).
    days = {}
    for d in range(120):
        day = calendar.local_date(now - timedelta(days=d))
        days[d] = (
            calendar.end_of_day(day),
            calendar.add_working_days(day, 5).due,
            calendar.add_working_days(day, 15).due,
        )
    batch = []
    t0 = time.perf_counter()
    for i in range(N):
        d = (i * 7) % 120
        reg, plan, due = days[d]
        reg = reg - timedelta(hours=8 + i % 8)
        text = texts[i % len(texts)]
        batch.append(
            Grievance(
                campaign=campaign,
                unit=grids[i % len(grids)],
                handling_unit=dept if i % 5 == 0 else None,
                case_owner=None,
                kind=text["kind"],
                category=leaf[i % len(leaf)],
                source="visit",
                tier="general",
                status=statuses[i % len(statuses)],
                content=f"{text['text']}（第{i}号）",
                reporter_name=district_data()["person_names"][i % 80],
                registered_at=reg,
                registered_by=office,
                plan_due_at=plan,
                due_at=due,
                clock_started_at=reg,
                external_ref=f"{PREFIX}-{i}",
            )
        )
        if len(batch) == 5000:
            Grievance.objects.bulk_create(batch)
            batch = []
    if batch:
        Grievance.objects.bulk_create(batch)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE grievances_grievance")  # visibility map: index-only counts
    print(f"created {N} entries in {time.perf_counter() - t0:.1f} s")
    return office, district


def measure(office):
    from django.core.cache import cache
    from rest_framework.test import APIRequestFactory, force_authenticate

    from grievances import selectors
    from grievances.api import GrievanceViewSet

    view = GrievanceViewSet.as_view({"get": "list"})
    factory = APIRequestFactory()
    cases = {
        "first page": "",
        "filtered page (status=assigned, overdue)": "status=assigned&overdue=1",
        "full-text search (q=路灯坏了)": "q=路灯坏了",
        "full-text search + filter (q=学位, tier)": "q=学位&tier=general",
    }

    def get(query):
        request = factory.get(f"/api/grievances/?{query}", HTTP_HOST="localhost")
        # A fresh user object per request: the scope is computed once per request, as in production.
        from campaigns.models import User

        user = User.objects.get(pk=office.pk)
        force_authenticate(request, user=user)
        response = view(request)
        assert response.status_code == 200, response.data
        return response

    results = {}
    for label, query in cases.items():
        counts = {}
        for size in (20, 200):
            cache.clear()
            with count_queries() as ctx:
                r = get(f"{query}&page_size={size}")
            counts[size] = len(ctx)
        timings = {}
        for mode, seconds in (("cached total", 120), ("uncached total", 0)):
            selectors.COUNT_CACHE_SECONDS = seconds
            samples = []
            for _ in range(REQUESTS):
                t = time.perf_counter()
                r = get(f"{query}&page_size=20")
                samples.append((time.perf_counter() - t) * 1000)
            timings[mode] = (p95(samples), sorted(samples)[len(samples) // 2])
        selectors.COUNT_CACHE_SECONDS = 120
        results[label] = {"queries": counts, "timings": timings, "count": r.data["count"]}
        print(
            f"{label}: {r.data['count']} rows; queries page20={counts[20]} page200={counts[200]} (uncached); "
            + "; ".join(f"{m}: p95={a:.1f} ms median={b:.1f} ms" for m, (a, b) in timings.items())
            + f" over {REQUESTS} requests each"
        )
    return results


def export_child():
    """Run in a fresh process: stream the whole ledger export and report time and peak memory."""
    setup_django(migrate=False)
    from django.test import RequestFactory

    from campaigns.models import User
    from grievances import selectors
    from grievances.api import export_response

    user = User.objects.get(username=f"{PREFIX.lower()}-office")
    request = RequestFactory().get("/grievances/export/")
    request.user = user
    before = peak_rss_mib()
    t = time.perf_counter()
    response = export_response(request, selectors.ledger(user))
    size = 0
    for chunk in response.streaming_content:
        size += len(chunk)
    print(
        json.dumps(
            {
                "seconds": round(time.perf_counter() - t, 1),
                "bytes": size,
                "rss_before_mib": round(before, 1),
                "peak_rss_mib": round(peak_rss_mib(), 1),
            }
        )
    )


def cleanup():
    from django.db import connection

    from campaigns.models import Campaign, Membership, OrgUnit, User

    with connection.cursor() as cur:
        cur.execute("DELETE FROM grievances_grievance WHERE external_ref LIKE %s", [f"{PREFIX}-%"])
    Campaign.objects.filter(name="基准活动").delete()
    Membership.objects.filter(user__username=f"{PREFIX.lower()}-office").delete()
    User.objects.filter(username=f"{PREFIX.lower()}-office").delete()
    for unit in OrgUnit.objects.filter(code__startswith=f"{PREFIX}-").order_by("-depth"):
        unit.delete()


def main():
    if "--export-child" in sys.argv:
        export_child()
        return
    setup_django()
    from django.db import connection

    assert connection.vendor == "postgresql", "run with DATABASE_URL pointing at PostgreSQL"
    from campaigns.models import User

    reuse = "--reuse" in sys.argv and User.objects.filter(username=f"{PREFIX.lower()}-office").exists()
    if reuse:
        office = User.objects.get(username=f"{PREFIX.lower()}-office")
    else:
        cleanup()
        office, _district = build()
    try:
        measure(office)
        if "--no-export" in sys.argv:
            return
        out = (
            subprocess.run([sys.executable, __file__, "--export-child"], capture_output=True, text=True, check=True)
            .stdout.strip()
            .splitlines()[-1]
        )
        e = json.loads(out)
        print(
            f"export of {N} rows: {e['seconds']} s, {e['bytes'] / 1024 / 1024:.1f} MiB xlsx, "
            f"peak RSS {e['peak_rss_mib']} MiB (process start {e['rss_before_mib']} MiB)"
        )
    finally:
        if "--keep" not in sys.argv:
            cleanup()
            print("cleaned up")


if __name__ == "__main__":
    main()
