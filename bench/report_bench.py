"""Summary PDF and dashboard figures for a district campaign: 300,000 households, 100,000 entries.

Run on PostgreSQL:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/zf_reports .venv/bin/python bench/report_bench.py
It loads its own data with COPY (a district of 10 streets x 10 communities x 5 grids), measures in a
fresh subprocess (so peak memory is the measurement's, not the data loader's), then deletes its data.
With `--reuse` the data is kept (loaded on the first run, reused after): iterate on the measurement
without reloading 300,000 rows; run once without it to clean up.

Measured: dashboard figures (query count, time); the summary job end to end (figures + HTML + PDF +
storage) against WeasyPrint rendering the same HTML alone; peak RSS and Python-heap peaks.
Targets: job total <= 1.3 x bare render, and < 60 s.
"""

import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_MEDIA_ROOT", tempfile.mkdtemp(prefix="zf_report_bench_"))

from _setup import peak_rss_mib, setup_django  # noqa: E402

HOUSEHOLDS = int(os.environ.get("BENCH_HOUSEHOLDS", 300_000))
ENTRIES = int(os.environ.get("BENCH_ENTRIES", 100_000))
VISITED_SHARE = 0.7
REPEATS = 3
CODE = "RB"  # org unit codes of this benchmark start with it


def _copy(model, rows, columns=None):
    """COPY rows (dicts by attname) into the model's table; fields not given take their Python default."""
    from django.db import connection
    from django.utils import timezone

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    buf = io.StringIO()

    def text(value):
        if value is None:
            return r"\N"
        if isinstance(value, bool):
            return "t" if value else "f"
        if isinstance(value, dict | list):
            value = json.dumps(value, ensure_ascii=False)
        return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")

    n = 0
    for row in rows:
        values = []
        for f in fields:
            if f.attname in row:
                v = row[f.attname]
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                v = now
            elif f.has_default():
                v = f.get_default()
            elif f.null:
                v = None
            else:
                v = ""
            values.append(text(v))
        buf.write("\t".join(values) + "\n")
        n += 1
    buf.seek(0)
    with connection.cursor() as cur:
        cols = ", ".join(f'"{f.column}"' for f in fields)
        with cur.cursor.copy(f'COPY "{model._meta.db_table}" ({cols}) FROM STDIN') as copy:
            copy.write(buf.getvalue())
    return n


def load():
    from django.db import connection
    from django.utils import timezone

    from campaigns import services
    from campaigns.choices import Level
    from campaigns.models import OrgUnit, User
    from grievances.choices import ANSWERED_STATUSES
    from grievances.models import Grievance, GrievanceCategory, GrievanceEvent
    from visits.models import Household, Visit

    rnd = random.Random(7)
    t0 = time.perf_counter()
    district = OrgUnit.objects.create(code=CODE, name="基准测试区", level=Level.DISTRICT)
    grids, communities = [], []
    for s in range(10):
        street = OrgUnit.objects.create(
            code=f"{CODE}-S{s:02d}", name=f"第{s + 1}街道", level=Level.STREET, parent=district
        )
        for c in range(10):
            community = OrgUnit.objects.create(
                code=f"{street.code}-C{c:02d}", name=f"第{s + 1}街道第{c + 1}社区", level=Level.COMMUNITY, parent=street
            )
            communities.append(community)
            for g in range(5):
                grids.append(
                    OrgUnit.objects.create(
                        code=f"{community.code}-G{g}",
                        name=f"{community.name}{g + 1}网格",
                        level=Level.GRID,
                        parent=community,
                    )
                )
    user, _ = User.objects.get_or_create(username="report-bench", defaults={"full_name": "基准走访员"})
    today = timezone.localdate()
    campaign = services.create_campaign(
        actor=None, name="基准测试区大走访", territory=district, year=today.year, start=today - timedelta(days=90)
    )
    cats = []
    for i in range(8):
        top, _ = GrievanceCategory.objects.get_or_create(code=f"rb-top-{i}", defaults={"name": f"基准类别{i + 1}"})
        for j in range(3):
            child, _ = GrievanceCategory.objects.get_or_create(
                code=f"rb-{i}-{j}", defaults={"name": f"基准类别{i + 1}-{j + 1}", "parent": top}
            )
            cats.append(child.pk)

    per_grid = HOUSEHOLDS // len(grids)
    kinds = ["household"] * 96 + ["enterprise", "school", "shop", "other"]
    _copy(
        Household,
        (
            {
                "grid_id": g.pk,
                "key": f"rb:{g.pk}:{i}",
                "head_name": "户主",
                "address": f"基准路{i}号",
                "kind": kinds[i % 100],
                "members_count": 3,
                "is_hardship": i % 50 == 0,
            }
            for g in grids
            for i in range(per_grid)
        ),
    )
    ids = list(
        Household.objects.filter(grid__path__startswith=district.path).order_by("pk").values_list("pk", "grid_id")
    )
    focus = list(campaign.focus_categories.values_list("pk", flat=True))
    through = Household.categories.through
    _copy(through, ({"household_id": h, "focuscategory_id": focus[h % len(focus)]} for h, _g in ids[::10]))
    start = timezone.now() - timedelta(days=80)
    visited = ids[: int(len(ids) * VISITED_SHARE)]
    _copy(
        Visit,
        (
            {
                "campaign_id": campaign.pk,
                "household_id": h,
                "visitor_id": user.pk,
                "client_id": uuid.UUID(int=rnd.getrandbits(128)),
                "visited_at": start + timedelta(minutes=rnd.randrange(75 * 24 * 60)),
                "duration_minutes": 35,
                "answers": {},
            }
            for n, (h, _g) in enumerate(visited)
        ),
    )
    statuses = (
        ["registered"] * 6
        + ["reviewed"] * 4
        + ["assigned"] * 10
        + ["planned"] * 10
        + ["resolved"] * 15
        + ["explained"] * 5
        + ["followed_up"] * 15
        + ["closed"] * 30
        + ["merged"] * 3
        + ["withdrawn"] * 2
    )
    timezone.now()
    rows = []
    for n in range(ENTRIES):
        h, grid = ids[rnd.randrange(len(ids))]
        kind = "suggestion" if n % 7 == 0 else "problem"
        status = rnd.choice(statuses)
        if kind == "suggestion" and status in ("resolved", "explained", "followed_up", "closed"):
            status = "adopted" if n % 2 else "not_adopted"
        registered = start + timedelta(minutes=rnd.randrange(80 * 24 * 60))
        answered = status in ANSWERED_STATUSES
        rows.append(
            {
                "campaign_id": campaign.pk,
                "household_id": h,
                "unit_id": grid,
                "kind": kind,
                "category_id": cats[n % len(cats)],
                "status": status,
                "content": "基准问题：小区道路破损，雨天积水",
                "registered_at": registered,
                "registered_by_id": user.pk,
                "due_at": registered + timedelta(days=21),
                "resolved_at": registered + timedelta(days=rnd.randrange(1, 30)) if answered else None,
                "resolved_level": rnd.choice(["grid", "community", "street", "district"]) if answered else "",
                "satisfaction": rnd.choice(["satisfied", "satisfied", "basically_satisfied", "not_satisfied"])
                if status in ("followed_up", "closed")
                else "",
                "is_typical": n % 10_000 == 0,
            }
        )
    _copy(Grievance, rows)
    gids = list(
        Grievance.objects.filter(campaign=campaign, status__in=["followed_up", "closed"]).values_list("pk", flat=True)
    )
    _copy(
        GrievanceEvent,
        (
            {"grievance_id": g, "action": "explain", "from_status": "planned", "to_status": "explained", "data": {}}
            for g in gids[::8]
        ),
    )
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")  # the steady state autovacuum keeps (visibility map for index-only scans)
    return campaign.pk, district.pk, time.perf_counter() - t0


def measure(campaign_id, unit_id):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from pypdf import PdfReader

    from campaigns.models import Campaign, OrgUnit
    from reports import pdf, selectors, services
    from reports.models import ReportJob

    campaign, unit = Campaign.objects.get(pk=campaign_id), OrgUnit.objects.get(pk=unit_id)
    f = selectors.Filters(campaign=campaign, unit=unit)
    out = {}
    pdf.render_pdf(
        pdf.render_to_string("reports/cards_pdf.html", {"cards": [], "font_url": pdf.font_url()}), trace=None
    )  # warm-up
    for run in ("cold", "warm"):
        with CaptureQueriesContext(connection) as q:
            t = time.perf_counter()
            figures = selectors.campaign_figures(f)
            out[f"dashboard_{run}_s"] = round(time.perf_counter() - t, 3)
        out["dashboard_queries"] = len(q.captured_queries)
    out["figures"] = {
        k: figures[k]
        for k in (
            "households_total",
            "households_visited",
            "grievances_total",
            "grievances_solved",
            "grievances_overdue",
        )
    }

    captured = {}
    real_render = pdf.render_pdf

    def spy(html, *, trace):
        t = time.perf_counter()
        data = real_render(html, trace=trace)
        captured.update(html=html, trace=trace, render_in_job_s=time.perf_counter() - t, bytes=len(data))
        return data

    pdf.render_pdf = spy
    # Interleave job and bare render, three of each: the machine is shared, so compare medians.
    totals, in_job, bare = [], [], []
    for _ in range(REPEATS):
        job = ReportJob.objects.create(campaign=campaign, org_unit=unit)
        t = time.perf_counter()
        job = services.run_report_job(job_id=job.pk)
        totals.append(time.perf_counter() - t)
        assert job.status == "done", job.error
        in_job.append(captured["render_in_job_s"])
        out["pdf_bytes"] = captured["bytes"]
        out["pdf_pages"] = len(PdfReader(job.file.open("rb")).pages)
        job.file.delete(save=False)
        job.delete()
        t = time.perf_counter()
        real_render(captured["html"], trace=captured["trace"])
        bare.append(time.perf_counter() - t)
    pdf.render_pdf = real_render
    out["job_total_s_samples"] = [round(x, 3) for x in totals]
    out["bare_render_s_samples"] = [round(x, 3) for x in bare]
    out["job_total_s"] = round(statistics.median(totals), 3)
    out["render_in_job_s"] = round(statistics.median(in_job), 3)
    out["bare_render_s"] = round(statistics.median(bare), 3)
    out["non_render_part_of_job_s"] = round(statistics.median([t - r for t, r in zip(totals, in_job, strict=True)]), 3)
    out["ratio_total_to_bare"] = round(out["job_total_s"] / out["bare_render_s"], 3)

    # Python-heap peaks in a separate, traced pass (tracing slows everything down, so not timed).
    tracemalloc.start()
    selectors.campaign_figures(f)
    out["figures_python_heap_peak_mib"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    tracemalloc.reset_peak()
    real_render(captured["html"])
    out["render_python_heap_peak_mib"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    tracemalloc.stop()
    out["peak_rss_mib"] = round(peak_rss_mib(), 1)
    print(json.dumps(out, ensure_ascii=False))


def cleanup():
    from django.db import connection, transaction

    from campaigns.models import Campaign, OrgUnit

    root = OrgUnit.objects.filter(code=CODE).first()
    if root is None:
        return
    campaigns = list(Campaign.objects.filter(territory=root).values_list("pk", flat=True))
    with transaction.atomic(), connection.cursor() as cur:
        like = root.path + "%"
        for sql in [
            "DELETE FROM reports_reportjob WHERE campaign_id = ANY(%s)",
            "DELETE FROM reports_violation WHERE campaign_id = ANY(%s)",
            "DELETE FROM grievances_grievanceevent WHERE grievance_id IN (SELECT id FROM grievances_grievance WHERE campaign_id = ANY(%s))",
            "DELETE FROM grievances_grievance WHERE campaign_id = ANY(%s)",
            "DELETE FROM visits_visit WHERE campaign_id = ANY(%s)",
        ]:
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
    Campaign.objects.filter(pk__in=campaigns).delete()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM campaigns_orgunit WHERE path LIKE %s", [root.path + "%"])
    from grievances.models import GrievanceCategory

    GrievanceCategory.objects.filter(code__startswith="rb-", parent__isnull=False).delete()
    GrievanceCategory.objects.filter(code__startswith="rb-").delete()


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--measure":
        setup_django(migrate=False)
        measure(int(sys.argv[2]), int(sys.argv[3]))
        return
    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("Run with DATABASE_URL pointing at PostgreSQL (e.g. zf_reports).")
    reuse = "--reuse" in sys.argv  # iterate on the measurement: keep the loaded data between runs
    from campaigns.models import Campaign, OrgUnit

    root = OrgUnit.objects.filter(code=CODE).first()
    if not (reuse and root):
        cleanup()
    try:
        if reuse and root:
            campaign_id, unit_id = Campaign.objects.get(territory=root).pk, root.pk
            print("reusing the loaded data")
        else:
            campaign_id, unit_id, load_s = load()
            print(f"loaded {HOUSEHOLDS:,} households, {ENTRIES:,} entries in {load_s:.1f} s")
        result = subprocess.run(
            [sys.executable, __file__, "--measure", str(campaign_id), str(unit_id)],
            capture_output=True,
            text=True,
            env=os.environ,
        )
        if result.returncode:
            print(result.stderr[-3000:])
            raise SystemExit(result.returncode)
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        for key, value in figures.items():
            print(f"{key}: {value}")
        ok = figures["ratio_total_to_bare"] <= 1.3 and figures["job_total_s"] < 60
        print("targets (total <= 1.3 x bare render, < 60 s):", "met" if ok else "NOT met")
    finally:
        if not reuse:
            cleanup()


if __name__ == "__main__":
    main()
