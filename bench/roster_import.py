"""Roster import benchmark: our upload + preview + confirm against the real floor, at several sizes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zf_visits .venv/bin/python bench/roster_import.py [ROWS ...]

ROWS are data rows (default: 300000 and 1048575, a full sheet with its header row). For each size:

(a) floor: python-calamine reads the file in the process, every row goes through the import's own
    row validation (`visits.roster._RowParser`: the same checks, HMACs and in-file duplicate
    check) and its ID number and phone are encrypted per chunk as the preview does; the rows are
    COPY'd with ids reserved from the sequence into the real `visits_household` and the category
    links into the real link table, with their production indexes, unique key, triggers and
    foreign keys (checked IMMEDIATE, so that they are paid), in a transaction that is rolled back.
(b) ours: store the upload, preview (parse in the capped child, validate, look keys up, stage) and
    confirm (one transaction) end to end, as the Celery tasks run it.

Each phase runs in its own child process. Printed per phase: seconds, rows/s, the phase's peak
RSS (`VmHWM`) and, for ours, the peak of the sheet parser's child process; then ours/floor.
The tables are vacuumed between phases, so that neither pays for the other's dead rows.

Generated rosters are kept between runs: `ROSTER_BENCH_FILE` names them, with `{rows}` for the size
(default `/tmp/roster-bench-{rows}.xlsx`); a 1,048,575-row file takes about four minutes to write.
The script creates its grids and user and removes everything it created afterwards; it refuses any
database other than PostgreSQL.
"""

import csv
import io
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

PREFIX = "BENCH-RI"
GRIDS = 60
SIZES = (300_000, 1_048_575)


def setup_django():
    import django

    django.setup()


def vm_hwm_mib(pid="self"):
    """A process's own peak RSS. VmHWM, not ru_maxrss: Linux carries the parent's peak into
    ru_maxrss across fork + exec, so a child would report the bench driver's peak."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class ChildPeaks(threading.Thread):
    """Polls this process's child processes (the sheet parser) for their VmHWM."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = 0.0
        self.stop = threading.Event()

    def run(self):
        me = os.getpid()
        while not self.stop.wait(0.02):
            for task in os.listdir(f"/proc/{me}/task"):
                try:
                    with open(f"/proc/{me}/task/{task}/children") as f:
                        pids = f.read().split()
                except OSError:
                    continue
                for pid in pids:
                    self.peak = max(self.peak, vm_hwm_mib(pid))


def floor(path):
    """calamine read + the import's row validation + COPY into the production tables."""
    import python_calamine
    from django.db import connection, transaction

    from campaigns.lib.crypto import encrypt_many
    from campaigns.lib.imports import ImportErrors
    from campaigns.models import FocusCategory, User
    from visits.models import Household
    from visits.roster import _COLUMNS, _NOT_NULL, LOOKUP_CHUNK, _grid_index, _padded, _RowParser

    user = User.objects.get(username=f"{PREFIX.lower()}-admin")
    household, through = Household._meta.db_table, Household.categories.through._meta.db_table
    t = time.perf_counter()
    errors = ImportErrors()
    categories = {name: pk for pk, name in FocusCategory.objects.filter(is_active=True).values_list("id", "name")}
    parse = _RowParser(errors, _grid_index(user), categories, seen={})
    wb = python_calamine.CalamineWorkbook.from_path(path)
    sheet = wb.get_sheet_by_index(0)
    rows = sheet.iter_rows()
    next(rows)
    n = 0
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [household])
        (seq,) = cur.fetchone()
        cur.execute("SELECT nextval(%s), setval(%s, nextval(%s) + %s)", [seq, seq, seq, sheet.height])
        next_id = cur.fetchone()[0]
        links = io.StringIO()
        link_writer = csv.writer(links)
        with cur.copy(f"COPY {household} (id, {_COLUMNS}) FROM STDIN WITH (FORMAT csv, {_NOT_NULL})") as copy:
            chunk = []
            for excel_row, raw in enumerate(rows, start=2):
                n += 1
                parsed = parse(_padded(raw, 0, 9), excel_row)
                if parsed is not None:
                    chunk.append(parsed)
                if len(chunk) >= LOOKUP_CHUNK or (chunk and n == sheet.height - 1):
                    buf = io.StringIO()
                    w = csv.writer(buf)
                    ids = encrypt_many([p[11] for p in chunk])
                    phones = encrypt_many([p[12] for p in chunk])
                    for p, id_enc, phone_enc in zip(chunk, ids, phones, strict=True):
                        w.writerow((next_id, p[1], p[2], p[3], id_enc, p[4], phone_enc, p[5], *p[6:9],
                                    "t" if p[9] else "f"))  # fmt: skip
                        for cid in p[10]:
                            link_writer.writerow((next_id, cid))
                        next_id += 1
                    copy.write(buf.getvalue())
                    chunk = []
        wb.close()
        with cur.copy(f"COPY {through} (household_id, focuscategory_id) FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(links.getvalue())
        transaction.set_rollback(True)
    if errors.count:
        return {"error": errors.items[:5]}
    return {"seconds": time.perf_counter() - t, "rows": n, "peak_mib": vm_hwm_mib()}


def ours(path):
    """Upload to default_storage, preview, confirm: what the API and Celery tasks do."""
    from django.core.files import File
    from django.core.files.storage import default_storage

    from campaigns.lib import imports
    from campaigns.models import User
    from visits.models import Household, ImportJob
    from visits.roster import IMPORTER

    user = User.objects.get(username=f"{PREFIX.lower()}-admin")
    peaks = ChildPeaks()
    peaks.start()
    t = time.perf_counter()
    with open(path, "rb") as f:
        stored = default_storage.save("imports/bench.xlsx", File(f, name="bench.xlsx"))
    job = ImportJob.objects.create(created_by=user, file=stored, original_name="bench.xlsx")
    imports.run_preview(IMPORTER, job.pk)
    t_preview = time.perf_counter() - t
    job.refresh_from_db()
    if job.error_count or job.status != "preview":
        return {"error": job.errors[:5] or job.message}
    imports.claim_confirm(IMPORTER, job)
    imports.run_confirm(IMPORTER, job.pk)
    total = time.perf_counter() - t
    peaks.stop.set()
    peaks.join()
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
        "peak_mib": vm_hwm_mib(),
        "parser_peak_mib": peaks.peak,
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


def delete_rows():
    from django.db import connection

    from visits.models import Household

    # Set-based deletes: the ORM's delete() would load every household into this process.
    household, through = Household._meta.db_table, Household.categories.through._meta.db_table
    grids = "SELECT id FROM campaigns_orgunit WHERE code LIKE %s"
    with connection.cursor() as cur:
        # Nothing refers to the bench's households: without the foreign-key triggers (superuser
        # only), deleting a million of them takes seconds, not the 12 referencing tables' checks.
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cur.fetchone()[0]:
            cur.execute("SET session_replication_role = replica")
        cur.execute(
            f"DELETE FROM {through} WHERE household_id IN (SELECT id FROM {household} WHERE grid_id IN ({grids}))",
            [f"{PREFIX}%"],
        )
        cur.execute(f"DELETE FROM {household} WHERE grid_id IN ({grids})", [f"{PREFIX}%"])
        cur.execute("SET session_replication_role = DEFAULT")
        # Deleted or rolled-back rows leave dead tuples; the next phase must not pay for them.
        cur.execute(f"VACUUM ANALYZE {household}, {through}, reports_staleunit")


def cleanup():
    from campaigns.models import OrgUnit, User
    from visits.models import ImportJob

    delete_rows()
    ImportJob.objects.filter(created_by__username=f"{PREFIX.lower()}-admin").delete()
    User.objects.filter(username=f"{PREFIX.lower()}-admin").delete()
    OrgUnit.objects.filter(code__startswith=PREFIX, level="grid").delete()
    OrgUnit.objects.filter(code=PREFIX).delete()


def child(phase, path, root=ROOT):
    """One phase in a fresh process; `root` is the source tree whose code it runs."""
    script = Path(root) / "bench" / "roster_import.py"
    out = subprocess.run(
        [sys.executable, str(script), "--phase", phase, path], capture_output=True, text=True, check=False, cwd=root
    )
    if out.returncode:
        sys.exit(f"{phase} failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if "error" in result:
        sys.exit(f"{phase} found errors: {result['error']}")
    return result


def load():
    return os.getloadavg()[0]


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--phase":
        setup_django()
        phase, path = sys.argv[2], sys.argv[3]
        result = floor(path) if phase == "floor" else ours(path)
        print(json.dumps(result))
        return
    sizes = [int(a) for a in sys.argv[1:]] or list(SIZES)
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("run with DATABASE_URL pointing at PostgreSQL")
    call_command("migrate", verbosity=0)  # a fresh `createdb`, or one left by an older tree
    pattern = os.environ.get("ROSTER_BENCH_FILE", "/tmp/roster-bench-{rows}.xlsx")
    # ROSTER_BENCH_AGAINST: another source tree (an export of an earlier commit) whose import runs
    # too, after ours, on the same file and database: before and after side by side in one run.
    against = os.environ.get("ROSTER_BENCH_AGAINST")
    results = []
    try:
        cleanup()
        for n in sizes:
            path = pattern.format(rows=n)
            if os.path.exists(path):
                prepare(0, "/dev/null")
                print(f"{n} rows: reusing {path} ({Path(path).stat().st_size / 2**20:.1f} MiB)", flush=True)
            else:
                gen = prepare(n, path)
                print(f"{n} rows: generated {path} in {gen:.1f} s ({Path(path).stat().st_size / 2**20:.1f} MiB)")
            la = load()
            a = child("floor", path)
            delete_rows()
            print(f"  floor: {a['seconds']:.2f} s, peak {a['peak_mib']:.0f} MiB (load {la:.2f})", flush=True)
            for name, root in [("ours", ROOT)] + ([("against", against)] if against else []):
                lb = load()
                b = child("ours", path, root)
                delete_rows()
                if b["households"] != n:
                    sys.exit(f"{name} wrote {b['households']} households, expected {n}")
                results.append((n, name, a, b, la, lb))
                print(
                    f"  {name}: {b['seconds']:.2f} s (preview {b['preview_seconds']:.2f} s, confirm"
                    f" {b['confirm_seconds']:.2f} s), peak {b['peak_mib']:.0f} MiB, parser child peak"
                    f" {b['parser_peak_mib']:.0f} MiB (load {lb:.2f}); {name}/floor = {b['seconds'] / a['seconds']:.2f}",
                    flush=True,
                )
    finally:
        cleanup()
    print(
        "\n| rows | code | floor s | floor rows/s | floor peak | import s (preview + confirm) | import rows/s "
        "| import peak | parser child peak | import/floor | load (floor / import) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for n, name, a, b, la, lb in results:
        print(
            f"| {n:,} | {name} | {a['seconds']:.2f} | {n / a['seconds']:,.0f} | {a['peak_mib']:.0f} MiB "
            f"| {b['seconds']:.2f} ({b['preview_seconds']:.2f} + {b['confirm_seconds']:.2f}) "
            f"| {n / b['seconds']:,.0f} | {b['peak_mib']:.0f} MiB | {b['parser_peak_mib']:.0f} MiB "
            f"| {b['seconds'] / a['seconds']:.2f} | {la:.2f} / {lb:.2f} |"
        )
    print("targets: peak RSS < 1 GiB, the same rows/s at every size, import/floor <= 1.1")


if __name__ == "__main__":
    main()
