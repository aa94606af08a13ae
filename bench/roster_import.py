"""Roster import benchmark: our preview + confirm against the floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zf_visits .venv/bin/python bench/roster_import.py [ROWS]

(a) floor: read the file with python-calamine and COPY its rows into a bare table;
(b) ours: store the upload, preview (validate every row, look keys up, stage) and confirm
    (one transaction) end to end, as the Celery tasks run it.
Each phase runs in its own child process so that its peak RSS is its own. The script creates
its grids, user and file, and removes everything it created afterwards.
"""

import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

PREFIX = "BENCH-RI"
GRIDS = 60


def setup_django():
    import django

    django.setup()


def peak_mib():
    """This process's own peak RSS. VmHWM, not ru_maxrss: Linux carries the parent's peak into
    ru_maxrss across fork + exec, so a child would report the bench driver's peak."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def floor(path):
    """calamine read + COPY into a bare table: the least any import can do."""
    import csv

    import python_calamine
    from django.db import connection

    t = time.perf_counter()
    with open(path, "rb") as f:
        wb = python_calamine.CalamineWorkbook.from_filelike(f)
    sheet = wb.get_sheet_by_index(0)
    buf = io.StringIO()
    w = csv.writer(buf)
    rows = sheet.iter_rows()
    next(rows)
    n = 0
    for row in rows:
        w.writerow(row)
        n += 1
    buf.seek(0)
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_roster_floor")
        cur.execute(
            "CREATE TABLE bench_roster_floor (head_name text, id_number text, phone text, address text, grid text, "
            "members text, kind text, categories text, hardship text)"
        )
        with cur.copy("COPY bench_roster_floor FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(buf.getvalue())
        cur.execute("DROP TABLE bench_roster_floor")
    return {"seconds": time.perf_counter() - t, "rows": n, "peak_mib": peak_mib()}


def ours(path):
    """Upload to default_storage, preview, confirm: what the API and Celery tasks do."""
    from django.core.files import File
    from django.core.files.storage import default_storage

    from campaigns.lib import imports
    from campaigns.models import User
    from visits.models import Household, ImportJob
    from visits.roster import IMPORTER

    user = User.objects.get(username=f"{PREFIX.lower()}-admin")
    t = time.perf_counter()
    with open(path, "rb") as f:
        stored = default_storage.save("imports/bench.xlsx", File(f, name="bench.xlsx"))
    job = ImportJob.objects.create(created_by=user, file=stored, original_name="bench.xlsx")
    imports.run_preview(IMPORTER, job.pk)
    t_preview = time.perf_counter() - t
    job.refresh_from_db()
    if job.error_count:
        return {"error": job.errors[:5]}
    imports.claim_confirm(IMPORTER, job)
    imports.run_confirm(IMPORTER, job.pk)
    total = time.perf_counter() - t
    job.refresh_from_db()
    default_storage.delete(stored)
    return {
        "seconds": total,
        "preview_seconds": t_preview,
        "confirm_seconds": total - t_preview,
        "status": job.status,
        "rows": job.total_rows,
        "created": job.to_create,
        "households": Household.objects.filter(grid__code__startswith=PREFIX).count(),
        "peak_mib": peak_mib(),
    }


def prepare(n, path):
    from bench.roster_generate import generate
    from campaigns.choices import Level
    from campaigns.models import OrgUnit, User
    from campaigns.services import ensure_focus_categories

    ensure_focus_categories()
    district, _ = OrgUnit.objects.get_or_create(code=PREFIX, defaults={"name": "基准测试区", "level": Level.DISTRICT})
    codes = []
    for i in range(GRIDS):
        code = f"{PREFIX}-G{i:03d}"
        OrgUnit.objects.get_or_create(
            code=code, defaults={"name": f"基准网格{i}", "level": Level.GRID, "parent": district}
        )
        codes.append(code)
    User.objects.get_or_create(username=f"{PREFIX.lower()}-admin", defaults={"is_superuser": True})
    t = time.perf_counter()
    if n:
        generate(path, n, codes)
    return time.perf_counter() - t


def cleanup():
    from django.db import connection

    from campaigns.models import OrgUnit, User
    from visits.models import Household, ImportJob

    # Set-based deletes: the ORM's delete() would load 300,000 households into this process.
    household, through = Household._meta.db_table, Household.categories.through._meta.db_table
    grids = "SELECT id FROM campaigns_orgunit WHERE code LIKE %s"
    with connection.cursor() as cur:
        cur.execute(
            f"DELETE FROM {through} WHERE household_id IN (SELECT id FROM {household} WHERE grid_id IN ({grids}))",
            [f"{PREFIX}%"],
        )
        cur.execute(f"DELETE FROM {household} WHERE grid_id IN ({grids})", [f"{PREFIX}%"])
    ImportJob.objects.filter(created_by__username=f"{PREFIX.lower()}-admin").delete()
    User.objects.filter(username=f"{PREFIX.lower()}-admin").delete()
    OrgUnit.objects.filter(code__startswith=PREFIX, level="grid").delete()
    OrgUnit.objects.filter(code=PREFIX).delete()
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_roster_floor")
        # Deleting 300,000 rows leaves dead tuples; the next run must not pay for them.
        cur.execute(f"VACUUM ANALYZE {Household._meta.db_table}, {Household.categories.through._meta.db_table}")


def child(phase, path):
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, path], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--phase":
        setup_django()
        phase, path = sys.argv[2], sys.argv[3]
        result = floor(path) if phase == "floor" else ours(path)
        print(json.dumps(result))
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("run with DATABASE_URL pointing at PostgreSQL")
    # ROSTER_BENCH_FILE keeps the generated file between runs (generation takes a minute).
    keep = os.environ.get("ROSTER_BENCH_FILE")
    if keep:
        path = keep
    else:
        fd, path = tempfile.mkstemp(suffix=".xlsx", prefix="roster-bench-")
        os.close(fd)
    try:
        cleanup()
        if keep and os.path.exists(keep):
            prepare(0, "/dev/null")
            print(f"reusing {path} ({Path(path).stat().st_size / 2**20:.1f} MiB)")
        else:
            gen = prepare(n, path)
            print(f"generated {n} rows in {gen:.1f} s ({Path(path).stat().st_size / 2**20:.1f} MiB)")
        a = child("floor", path)
        print(f"(a) floor  calamine read + COPY into a bare table: {a['seconds']:.2f} s, peak {a['peak_mib']:.0f} MiB")
        b = child("ours", path)
        if "error" in b:
            sys.exit(f"preview found errors: {b['error']}")
        print(
            f"(b) ours   preview + confirm: {b['seconds']:.2f} s (preview {b['preview_seconds']:.2f} s, "
            f"confirm {b['confirm_seconds']:.2f} s), peak {b['peak_mib']:.0f} MiB, "
            f"{b['households']} households, status {b['status']}"
        )
        print(f"ratio (b)/(a) = {b['seconds'] / a['seconds']:.2f}  (target <= 1.5; peak memory target < 500 MiB)")
    finally:
        cleanup()
        if not keep and os.path.exists(path):
            os.unlink(path)


if __name__ == "__main__":
    main()
