"""Backup and restore of a whole installation: the database and the media files, in one archive.

The archive is a tar file holding
- `database.jsonl.gz`: every row of every table, as Django's JSON-lines serialisation, read in one
  transaction (REPEATABLE READ on PostgreSQL; on SQLite the read transaction holds the file
  steady), so it is a consistent snapshot whatever the web and the workers write meanwhile;
- `media/...`: every file of the default storage (uploads, photos, rendered reports);
- `manifest.json`: the applied migrations, each table's row count and a SHA-256 over its rows in
  key order, and each media file's size and SHA-256.

A row's checksum is engine-blind: the same data gives the same SHA-256 on SQLite and PostgreSQL.
Each value is written canonically (`_canonical`): datetimes in UTC with microseconds, decimals
without trailing zeros, JSON with sorted keys (jsonb reorders them, SQLite keeps them as written),
and text keys are ordered bytewise (PostgreSQL's collation would sort them otherwise).

A restore goes to an empty installation of the same version (same migrations): it migrates,
empties the tables (migrations seed some), loads every row with its key, writes the media files
under their names and, with `verify`, recomputes the manifest there and compares it. Media files
written after the snapshot began may be in the archive too; a file deleted meanwhile may be missing
(and is then reported by the verify).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from django.apps import apps
from django.core import serializers
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import F
from django.db.models.functions import Collate
from django.utils import timezone

FORMAT = 1
# How rows are written for their checksum; an archive without it (older) is compared with "v1".
CHECKSUM = "v2"
DATABASE_MEMBER = "database.jsonl.gz"
MANIFEST_MEMBER = "manifest.json"
MEDIA_PREFIX = "media/"
CHUNK = 2000


class _ExactEncoder(DjangoJSONEncoder):
    """Django's encoder cuts datetimes to milliseconds; a backup keeps every microsecond."""

    def default(self, o):
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator (Chinese)."""


@dataclass
class Comparison:
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


# --- what a database holds ---------------------------------------------------------------------------
def _models():
    """Every concrete table Django manages, auto-created many-to-many tables included."""
    seen = set()
    for model in apps.get_models(include_auto_created=True):
        opts = model._meta
        if opts.proxy or not opts.managed or opts.db_table in seen:
            continue
        seen.add(opts.db_table)
        yield model


def _canonical(value, checksum: str = CHECKSUM):
    if isinstance(value, memoryview | bytes | bytearray):
        return bytes(value).hex()
    if isinstance(value, datetime) and timezone.is_aware(value):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal) and checksum != "v1":
        # 1.5 and 1.50 are one number (a column's scale is the engine's business); never "1E+1".
        return "0" if value.is_zero() else format(value.normalize(), "f")
    if isinstance(value, timedelta) and checksum != "v1":
        return value // timedelta(microseconds=1)
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


# The collation that sorts text by its UTF-8 bytes, which both engines then agree on.
_BYTEWISE = {"postgresql": "C", "sqlite": "BINARY"}


def _order(model, names: list[str]) -> list:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    collation = _BYTEWISE.get(connection.vendor)
    out = []
    for name in names:
        field = model._meta.pk if name == "pk" else fields[name]
        text = field.get_internal_type() in ("CharField", "TextField", "SlugField", "EmailField")
        out.append(Collate(F(field.attname), collation) if text and collation else F(field.attname).asc())
    return out


def row_bytes(row, checksum: str = CHECKSUM) -> bytes:
    """One row as its checksum reads it."""
    values = [_canonical(v, checksum) for v in row]
    if checksum == "v1":
        return json.dumps(values, default=str).encode()
    return json.dumps(values, default=str, sort_keys=True, separators=(",", ":")).encode()


def table_manifest(checksum: str = CHECKSUM, models=None) -> dict[str, dict]:
    """{table: {"rows": n, "sha256": hex}} over every table (or those of `models`), rows in key
    order, each value as Django reads it (so a datetime written by raw SQL and the same one written
    by the ORM agree) and written canonically, so that SQLite and PostgreSQL agree too."""
    tables = {}
    for model in models or _models():
        opts = model._meta
        fields = [f.attname for f in opts.concrete_fields]
        order = ["pk"]
        if opts.auto_created:
            # A restore re-creates many-to-many rows with new keys: they compare by the pair they link.
            fields = order = [f.attname for f in opts.concrete_fields if not f.primary_key]
        if checksum != "v1":
            order = _order(model, order)
        digest, rows = hashlib.sha256(), 0
        for row in model._base_manager.order_by(*order).values_list(*fields).iterator(chunk_size=CHUNK):
            digest.update(row_bytes(row, checksum))
            digest.update(b"\n")
            rows += 1
        tables[opts.db_table] = {"rows": rows, "sha256": digest.hexdigest()}
    return tables


def applied_migrations() -> list[str]:
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


# --- what the file store holds -------------------------------------------------------------------------
def media_files(storage=default_storage, directory: str = ""):
    """Every file name under `directory` of the storage, recursively."""
    try:
        dirs, files = storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{directory}/{name}" if directory else name
    for sub in sorted(dirs):
        yield from media_files(storage, f"{directory}/{sub}" if directory else sub)


def _sha256(handle) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def media_manifest(storage=default_storage) -> dict[str, dict]:
    found = {}
    for name in media_files(storage):
        with storage.open(name, "rb") as handle:
            size, sha = _sha256(handle)
        found[name] = {"size": size, "sha256": sha}
    return found


# --- backup --------------------------------------------------------------------------------------------
def backup(path: Path) -> dict:
    """Write the archive to `path` (a partial archive is removed); returns its manifest."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.partial")
    try:
        with tempfile.TemporaryDirectory() as workdir:
            dump = Path(workdir) / DATABASE_MEMBER
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                tables = table_manifest()
                migrations = applied_migrations()
                with gzip.open(dump, "wt", encoding="utf-8") as out:
                    for model in _models():
                        if model._meta.auto_created:
                            continue  # its rows travel with the model that declares the field
                        qs = model._base_manager.order_by("pk")
                        m2m = [f.name for f in model._meta.local_many_to_many]
                        if m2m:
                            qs = qs.prefetch_related(*m2m)
                        serializers.serialize("jsonl", qs.iterator(chunk_size=CHUNK), stream=out, cls=_ExactEncoder)
            with dump.open("rb") as handle:
                _, dump_sha = _sha256(handle)
            media = {}
            with tarfile.open(tmp, "w") as tar:
                tar.add(dump, arcname=DATABASE_MEMBER)
                for name in media_files():
                    with default_storage.open(name, "rb") as handle:
                        size, sha = _sha256(handle)
                        handle.seek(0)
                        info = tarfile.TarInfo(MEDIA_PREFIX + name)
                        info.size = size
                        tar.addfile(info, handle)
                    media[name] = {"size": size, "sha256": sha}
                manifest = {
                    "format": FORMAT,
                    "checksum": CHECKSUM,
                    "created_at": timezone.now().isoformat(),
                    "engine": connection.vendor,
                    "migrations": migrations,
                    "database_sha256": dump_sha,
                    "tables": tables,
                    "media": media,
                }
                data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST_MEMBER)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return manifest


# --- restore -------------------------------------------------------------------------------------------
def read_manifest(path: Path) -> dict:
    with tarfile.open(path, "r") as tar:
        member = tar.extractfile(MANIFEST_MEMBER)
        if member is None:
            raise BackupError("备份文件中没有清单（manifest.json）")
        return json.load(member)


def _is_empty() -> bool:
    from campaigns.models import Campaign, OrgUnit, User

    return not (User.objects.exists() or OrgUnit.objects.exists() or Campaign.objects.exists())


def restore(path: Path, *, verify: bool = False) -> Comparison:
    """Restore the archive into this (empty) installation; with `verify`, compare its manifest."""
    path = Path(path)
    manifest = read_manifest(path)
    _check_target(manifest)
    with tempfile.TemporaryDirectory() as workdir, tarfile.open(path, "r") as tar:
        dump = Path(workdir) / DATABASE_MEMBER
        member = tar.extractfile(DATABASE_MEMBER)
        if member is None:
            raise BackupError("备份文件中没有数据库内容")
        with dump.open("wb") as out:
            for chunk in iter(lambda: member.read(1024 * 1024), b""):
                out.write(chunk)
        with dump.open("rb") as handle:
            if _sha256(handle)[1] != manifest["database_sha256"]:
                raise BackupError("备份文件中的数据库内容已损坏（校验和不符）")
        # Migrations seed some rows (categories, content types, permissions): the archive has
        # them all, with their keys, so the tables start empty.
        call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
        _load(dump)
        _restore_media(tar)
    return compare(manifest) if verify else Comparison()


def _check_target(manifest: dict) -> None:
    """The archive is one this version reads, and this installation is migrated and empty."""
    if manifest.get("format") != FORMAT:
        raise BackupError("不支持的备份格式")
    if manifest["engine"] != connection.vendor:
        raise BackupError(f"备份来自 {manifest['engine']} 数据库，不能恢复到 {connection.vendor}")
    call_command("migrate", interactive=False, verbosity=0)
    if not _is_empty():
        raise BackupError("目标数据库不是空的：只能恢复到新安装的系统")
    if set(applied_migrations()) != set(manifest["migrations"]):
        raise BackupError("备份与当前版本的数据库迁移不一致，请使用与备份时相同的版本恢复")
    if media_manifest():
        raise BackupError("目标媒体目录不是空的：只能恢复到新安装的系统")


def _restore_media(tar: tarfile.TarFile) -> None:
    for info in tar.getmembers():
        if not info.isfile() or not info.name.startswith(MEDIA_PREFIX):
            continue
        name = info.name[len(MEDIA_PREFIX) :]
        stored = default_storage.save(name, File(tar.extractfile(info), name=os.path.basename(name)))
        if stored != name:
            raise BackupError("媒体文件恢复后名称不一致")


def _load(dump: Path) -> None:
    """Every row with its key, in one transaction (loaddata also resets PostgreSQL's sequences)."""
    try:
        from auditlog.context import disable_auditlog
    except ImportError:  # pragma: no cover - auditlog is a dependency; keep restore usable without it
        from contextlib import nullcontext as disable_auditlog
    with disable_auditlog():
        call_command("loaddata", str(dump), verbosity=0)


def compare(manifest: dict) -> Comparison:
    """What differs between the archive's manifest and this installation."""
    result = Comparison()
    here = table_manifest(manifest.get("checksum", "v1"))
    for table, expected in sorted(manifest["tables"].items()):
        got = here.get(table)
        if got is None:
            result.differences.append(f"表 {table}：恢复后不存在")
        elif got["rows"] != expected["rows"]:
            result.differences.append(f"表 {table}：应有 {expected['rows']} 行，实有 {got['rows']} 行")
        elif got["sha256"] != expected["sha256"]:
            result.differences.append(f"表 {table}：行数相同但内容校验和不符")
    for table in sorted(set(here) - set(manifest["tables"])):
        result.differences.append(f"表 {table}：备份中没有")
    media = media_manifest()
    for name, expected in sorted(manifest["media"].items()):
        got = media.get(name)
        if got is None:
            result.differences.append(f"文件 {name}：恢复后缺失")
        elif got != expected:
            result.differences.append(f"文件 {name}：内容校验和不符")
    for name in sorted(set(media) - set(manifest["media"])):
        result.differences.append(f"文件 {name}：备份中没有")
    return result
