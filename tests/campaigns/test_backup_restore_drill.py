"""The restore drill, as an operator runs it: a seeded installation is backed up with
`manage.py backup` (database and media in one archive with a manifest), and `manage.py restore
--verify` on an empty installation brings back every row and file and finds the manifest equal.
Runs on the engine the suite runs on: SQLite files by default, PostgreSQL databases of their own
when DATABASE_URL names a PostgreSQL server."""

import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


class Host:
    """One installation: its database URL and its data folder (media inside)."""

    def __init__(self, base: Path, url: str):
        self.data = base
        self.media = base / "media"
        self.media.mkdir(parents=True, exist_ok=True)
        self.url = url

    def manage(self, *args, check=True):
        env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "ZOUFANG_DATA_DIR": str(self.data),
            "DJANGO_MEDIA_ROOT": str(self.media),
            "DJANGO_DEBUG": "true",
            "CELERY_TASK_ALWAYS_EAGER": "true",
        }
        env.pop("REDIS_URL", None)
        env.pop("CACHE_URL", None)
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        print(f"manage.py {args[0]}: {time.monotonic() - started:.1f}s")
        if check:
            assert result.returncode == 0, result.stderr[-3000:]
        return result


def _pg_admin(sql):
    import psycopg

    s = connection.settings_dict
    with psycopg.connect(
        host=s["HOST"],
        port=s["PORT"] or 5432,
        user=s["USER"],
        password=s["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(sql)


@pytest.fixture
def hosts(tmp_path):
    """(source, target): two installations migrated to this version, the target empty."""
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        base = f"{s['NAME']}_drill_{uuid.uuid4().hex[:6]}"
        server = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT'] or 5432}"
        source = Host(tmp_path / "source", f"{server}/{base}_src")
        _pg_admin(f'CREATE DATABASE "{base}_src"')
        source.manage("migrate", "-v0")
        _pg_admin(f'CREATE DATABASE "{base}_dst" TEMPLATE "{base}_src"')
        target = Host(tmp_path / "target", f"{server}/{base}_dst")
        yield source, target
        for name in (f"{base}_src", f"{base}_dst"):
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        source = Host(tmp_path / "source", f"sqlite:///{tmp_path / 'source.sqlite3'}")
        source.manage("migrate", "-v0")
        shutil.copy(tmp_path / "source.sqlite3", tmp_path / "target.sqlite3")  # migrated, still empty
        target = Host(tmp_path / "target", f"sqlite:///{tmp_path / 'target.sqlite3'}")
        yield source, target


def test_a_backup_restores_on_an_empty_host_with_every_row_and_file(hosts, tmp_path):
    source, target = hosts
    source.manage("seed_demo", "--households", "0")
    (source.media / "reports").mkdir(exist_ok=True)
    (source.media / "reports" / "汇总报告.pdf").write_bytes(b"%PDF-1.7 drill\n" * 100)
    archive = tmp_path / "zoufang.tar"

    out = source.manage("backup", str(archive)).stdout
    assert "已备份到" in out
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        assert "media/reports/汇总报告.pdf" in tar.getnames()
    assert manifest["tables"]["campaigns_user"]["rows"] > 5
    households = manifest["tables"]["visits_household"]["rows"]
    assert (
        manifest["tables"]["grievances_grievance"]["rows"] > 0 and manifest["tables"]["campaigns_orgunit"]["rows"] > 5
    )
    assert manifest["media"]["reports/汇总报告.pdf"]["size"] == 1500

    result = target.manage("restore", "--verify", str(archive))
    assert "核对一致" in result.stdout
    assert (target.media / "reports" / "汇总报告.pdf").read_bytes() == b"%PDF-1.7 drill\n" * 100

    # The restored host works as the old one did: a demo account logs in, ids continue.
    check = (
        "from campaigns.models import User; from visits.models import Household; "
        "u = User.objects.get(username='admin'); print(u.check_password('zoufang-demo'), Household.objects.count())"
    )
    assert target.manage("shell", "-c", check).stdout.strip().splitlines()[-1].split() == ["True", str(households)]

    # A second restore finds the host no longer empty and refuses, changing nothing.
    again = target.manage("restore", str(archive), check=False)
    assert again.returncode != 0
    assert "目标数据库不是空的" in again.stderr


# --- checksums are engine-blind ----------------------------------------------------------------------
def test_a_row_reads_the_same_for_its_checksum_whatever_the_engine_gave_back():
    """The same row as PostgreSQL and SQLite hand it over: jsonb reorders keys, a numeric column
    gives its scale, a timestamptz may come in the session's zone."""
    from datetime import UTC, datetime, timedelta, timezone
    from decimal import Decimal

    from campaigns.lib.backup import row_bytes

    shanghai = timezone(timedelta(hours=8))
    postgres = (
        {"b": 1, "aa": [True, None, 1.5], "c": {"z": 0, "y": "中"}},
        Decimal("12.50"),
        datetime(2026, 11, 18, 8, 0, 0, 123456, tzinfo=shanghai),
        True,
        Decimal("0.00"),
        timedelta(minutes=40),
    )
    sqlite = (
        {"c": {"y": "中", "z": 0}, "aa": [True, None, 1.5], "b": 1},
        Decimal("12.5"),
        datetime(2026, 11, 18, 0, 0, 0, 123456, tzinfo=UTC),
        True,
        Decimal("0"),
        timedelta(seconds=2400),
    )
    assert row_bytes(postgres) == row_bytes(sqlite)
    assert row_bytes(sqlite).decode() == (
        '[{"aa":[true,null,1.5],"b":1,"c":{"y":"\\u4e2d","z":0}},"12.5",'
        '"2026-11-18T00:00:00.123456+00:00",true,"0",2400000000]'
    )


def test_the_same_rows_give_the_same_checksum_on_either_engine(db):
    """Rows written here (SQLite or PostgreSQL, as the suite runs) checksum to the digest of their
    canonical lines, which no engine enters: the run on the other engine gives the same digest."""
    import hashlib
    from datetime import UTC, datetime

    from django.contrib.sessions.models import Session

    from campaigns.lib.backup import table_manifest
    from grievances.models import SweepRun

    at = datetime(2026, 11, 18, 1, 2, 3, 456789, tzinfo=UTC)
    SweepRun.objects.create(
        pk=7, as_of=at, started_at=at, finished_at=at, counts={"warning": 2, "aa": {"z": True, "b": 1.25}}, error="中"
    )
    # Upper case, an underscore, lower case: bytewise B < _ < a; a linguistic collation puts a first.
    for key in ("a" + "0" * 31, "B" + "0" * 31, "_" + "0" * 31):
        Session.objects.create(session_key=key, session_data="x", expire_date=at)
    got = table_manifest(models=[SweepRun, Session])

    stamp = '"2026-11-18T01:02:03.456789+00:00"'
    run = f'[7,"deadlines",{stamp},{stamp},{stamp},{{"aa":{{"b":1.25,"z":true}},"warning":2}},null,0,"\\u4e2d",null]'
    sessions = [f'["{c}{"0" * 31}","x",{stamp}]' for c in "B_a"]

    def sha(lines):
        return hashlib.sha256("".join(line + "\n" for line in lines).encode()).hexdigest()

    assert got["grievances_sweeprun"] == {"rows": 1, "sha256": sha([run])}
    assert got["django_session"] == {"rows": 3, "sha256": sha(sessions)}
