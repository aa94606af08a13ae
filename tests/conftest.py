"""The fixed cast (STYLE.md): a small tree and one person per role, inside and outside each subtree.

District 测试区
├── 东城街道 (street_a) ── 幸福社区 (community_a) ── 一网格 (grid_a1), 二网格 (grid_a2)
│                      └── 和谐社区 (community_b) ── 一网格 (grid_b1)
├── 西城街道 (street_b) ── 长安社区 (community_c) ── 一网格 (grid_c1)
└── 区教育局 (department)
"""

import fcntl
import io
import os
import pickle
import shutil
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import factory.random
import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connections, transaction
from django.test import override_settings
from pytest_django.fixtures import validate_django_db
from rest_framework.test import APIClient

from campaigns import demo
from campaigns.models import Level, Role

from .factories import OrgUnitFactory, UserFactory, make_campaign, member


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, request):
    """With --reuse-db, the embedded SQLite test database lives in a file beside the app's own
    (data/test_db_gw0.sqlite3, one per xdist worker): an in-memory one cannot outlive the run."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if request.config.getvalue("reuse_db") and db["ENGINE"].endswith("sqlite3") and not db["TEST"].get("NAME"):
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        path = Path(db["NAME"]).with_name(f"test_db_{worker}.sqlite3" if worker else "test_db.sqlite3")
        path.parent.mkdir(parents=True, exist_ok=True)
        db["TEST"]["NAME"] = str(path)


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # LocMemCache instances with the same LOCATION share one store per process: without this, a
    # cached ledger count (keyed by SQL text; ids repeat between tests) leaks into the next test.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fixed_fake_data():
    """The same names from the factories' Faker in every run, whichever tests ran before."""
    factory.random.reseed_random("zoufang")


# Every test runs on the same day, whatever the wall clock says: campaigns, visits and ledger
# entries are dated relative to "today", and a month boundary or a holiday must not change what a
# test sees. A Wednesday in the middle of a month of the visiting season, clear of holidays.
FROZEN_NOW = datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _frozen_clock(request):
    """Freeze the clock (ticking) for every test but the browser ones: Chromium keeps the real
    clock, and session cookies dated by a travelled server would already have expired there."""
    if "browser_page" in request.fixturenames or "live_server" in request.fixturenames:
        yield None
        return
    with time_machine.travel(FROZEN_NOW, tick=True) as traveller:
        yield traveller


# seed_demo's own default: the demo district as `./scripts/run.sh` shows it.
DEMO_HOUSEHOLDS = 600


def _tables():
    """Every table as the ORM writes it: concrete models, many-to-many tables included. Not the
    rollup's list of changed units: database triggers write it as the other rows are restored."""
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and m._meta.label_lower != "reports.staleunit"
    ]


def _rows(model):
    names = [f.attname for f in model._meta.concrete_fields]
    return {row[names.index(model._meta.pk.attname)]: row for row in model._base_manager.values_list(*names)}


def _insert(cursor, model, rows):
    """The rows as they were read (`_rows`), in plain INSERTs: save() and bulk_create() would run
    the fields' pre_save and stamp auto_now(_add) fields with the current time."""
    connection = cursor.db
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    cursor.executemany(
        sql, [[f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)] for row in rows]
    )


class DemoRows:
    """What seed_demo wrote to each table (new rows, changed rows) on top of the rows before it."""

    # Tables are named by their model's label: the rows travel between xdist workers as a pickle,
    # and the models of many-to-many tables cannot be pickled.
    def __init__(self, before, after, media, context):
        self.media = media
        # The DemoContext that `demo.build` returns on these rows (it only reads once they are
        # there), pickled: each test gets its own copy without querying for it again.
        self.context = pickle.dumps(context)
        touched = [m for m in before if before[m] or after[m]]
        self.keys = {m._meta.label_lower: set(before[m]) for m in touched}
        self.new = {m._meta.label_lower: [after[m][pk] for pk in after[m].keys() - before[m].keys()] for m in touched}
        self.changed = {
            m._meta.label_lower: [
                after[m][pk] for pk in after[m].keys() & before[m].keys() if after[m][pk] != before[m][pk]
            ]
            for m in touched
        }

    def fits(self):
        """Whether this database holds exactly the rows the demo was written on top of, by id, in
        every table it wrote to or refers to. Every worker's database is migrated alike; after a
        flush by a transactional test it may not be, and `demo_district` seeds here instead."""
        return all(
            set(apps.get_model(label)._base_manager.values_list("pk", flat=True)) == keys
            for label, keys in self.keys.items()
        )

    def restore(self):
        connection = connections["default"]
        with connection.cursor() as cursor:
            written = [apps.get_model(label) for label, rows in self.new.items() if rows]
            for model in written:
                _insert(cursor, model, self.new[model._meta.label_lower])
            if connection.vendor == "postgresql":
                # Another worker may have seeded the demo: move this database's identity
                # sequences past the ids just written (setval stays after the rollback: gaps only).
                for sql in connection.ops.sequence_reset_sql(no_style(), written):
                    cursor.execute(sql)
        for label, rows in self.changed.items():
            model = apps.get_model(label)
            names = [f.attname for f in model._meta.concrete_fields]
            for row in rows:
                values = dict(zip(names, row, strict=True))
                model._base_manager.filter(pk=values.pop(model._meta.pk.attname)).update(**values)


def _seeding(media):
    """The settings and the clock seed_demo runs with outside a test: those of `_test_settings`."""
    return (
        time_machine.travel(FROZEN_NOW, tick=True),
        override_settings(
            CELERY_TASK_ALWAYS_EAGER=True,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            MEDIA_ROOT=media,
            STORAGES={
                "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            },
            CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "demo"}},
        ),
    )


def _seed_demo_rows(django_db_blocker, media):
    clock, test_settings = _seeding(media)
    with django_db_blocker.unblock(), clock, test_settings, transaction.atomic():
        before = {m: _rows(m) for m in _tables()}
        call_command("seed_demo", "--force", households=DEMO_HOUSEHOLDS, stdout=io.StringIO())
        context = demo.build(households=DEMO_HOUSEHOLDS)
        after = {m: _rows(m) for m in _tables()}
        transaction.set_rollback(True)
    return DemoRows(before, after, media, context)


@pytest.fixture(scope="session")
def _demo_rows(django_db_setup, django_db_blocker, tmp_path_factory, worker_id):
    """seed_demo, run once per test run, and the rows it wrote.

    It runs in a transaction that is rolled back: tests that do not ask for the demo never see it,
    whichever worker and order they run in. `demo_district` writes the rows back inside a test's
    own transaction, which rolls back with the test, so a test may change demo data freely. The
    first xdist worker to need the rows seeds and shares them (the workers' databases are
    migrated alike); the others wait for them rather than seed again.
    """
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        shared = shared.parent
    snapshot = shared / "demo_rows.pickle"
    with open(shared / "demo_rows.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if snapshot.exists():
            return pickle.loads(snapshot.read_bytes())
        rows = _seed_demo_rows(django_db_blocker, shared / "demo_media")
        snapshot.write_bytes(pickle.dumps(rows))
    return rows


def _write_demo(rows):
    """Write the demo district into the current transaction; True when it is the snapshot's rows
    (ids and all), False when seed_demo had to run here instead."""
    if rows.fits():
        rows.restore()
        return True
    call_command("seed_demo", "--force", households=DEMO_HOUSEHOLDS, stdout=io.StringIO())
    return False


@pytest.fixture(scope="module")
def demo_module(django_db_setup, django_db_blocker, _demo_rows, tmp_path_factory):
    """The demo district written once for a whole module, in a transaction around all its tests.

    For modules whose every test reads the demo district (`pytestmark =
    pytest.mark.usefixtures("demo_module")`): each test's own transaction is then a savepoint
    inside this one and rolls back to the demo as it was written, so tests stay as independent as
    with `demo_district` alone, without the rows being written again for each. Not for modules
    with transactional tests (they cannot run inside an open transaction) or tests that must not
    see the demo."""
    clock, test_settings = _seeding(tmp_path_factory.mktemp("demo_module_media"))
    with django_db_blocker.unblock(), transaction.atomic():
        with clock, test_settings:
            snapshot = _write_demo(_demo_rows)
        yield snapshot
        transaction.set_rollback(True)


@pytest.fixture
def demo_district(request, db, _demo_rows, settings):
    """The demo district of `seed_demo` in this test's database; returns its DemoContext."""
    if "demo_module" in request.fixturenames:
        snapshot = request.getfixturevalue("demo_module")
    else:
        snapshot = _write_demo(_demo_rows)
    shutil.copytree(_demo_rows.media, settings.MEDIA_ROOT, dirs_exist_ok=True)
    if snapshot:
        return pickle.loads(_demo_rows.context)
    return demo.build(households=DEMO_HOUSEHOLDS)


# A transactional test (real commits: the browser's live server, other processes, on_commit work)
# ends with a flush of every table, which also takes what the migrations wrote: the taxonomy, the
# calendar, content types and permissions (post_migrate writes those two back, under new ids).
# Later tests on the worker would then see another database than a freshly migrated one, and
# `demo_district` could no longer write its snapshot back (its rows refer to those ids) and would
# run seed_demo again for every test. So the rows as migrated are read once per worker, before its
# first transactional test, and written back after each one's flush.
_MIGRATED_ROWS = pytest.StashKey()


class MigratedRows:
    """Every row of the test database as the migrations left it, by model."""

    def __init__(self):
        self.models = [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]
        self.rows = {m: list(_rows(m).values()) for m in self.models}

    def restore(self):
        """Empty the tables that hold rows and write the migrated rows back, ids and all, as the
        flush empties them (TRUNCATE on PostgreSQL: the audit trail refuses DELETE). The rollup's
        list of changed units goes last: its database triggers write to it as the rows come back."""
        connection = connections["default"]
        stale = [m for m in self.models if m._meta.label_lower == "reports.staleunit"]

        def empty(models):
            tables = [m._meta.db_table for m in models if m._base_manager.exists()]
            with connection.cursor() as cursor:
                for sql in connection.ops.sql_flush(no_style(), tables, allow_cascade=True) if tables else []:
                    cursor.execute(sql)

        with transaction.atomic():
            empty(self.models)
            with connection.cursor() as cursor:
                for model in self.models:
                    if self.rows[model] and model not in stale:
                        _insert(cursor, model, self.rows[model])
            empty(stale)
            with connection.cursor() as cursor:
                for model in stale:
                    _insert(cursor, model, self.rows[model])


@pytest.fixture(scope="session")
def _migrated_rows(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return MigratedRows()


@pytest.fixture(autouse=True)
def _migrated_rows_after_flush(request):
    """Before a transactional test, the migrated rows (read on the worker's first), for the flush
    that ends it (`pytest_runtest_teardown`)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and any(validate_django_db(marker)[:2])) or bool(
        {"transactional_db", "live_server", "django_db_reset_sequences"} & set(request.fixturenames)
    )
    if transactional:
        request.node.stash[_MIGRATED_ROWS] = (
            request.getfixturevalue("_migrated_rows"),
            request.getfixturevalue("django_db_blocker"),
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield  # the test's fixtures are torn down: a transactional test's tables are flushed
    # After the last test the session's fixtures are gone too, the test database with them.
    if _MIGRATED_ROWS in item.stash and nextitem is not None:
        rows, blocker = item.stash[_MIGRATED_ROWS]
        with blocker.unblock():
            rows.restore()


@pytest.fixture
def tree(db):
    t = SimpleNamespace()
    t.district = OrgUnitFactory(code="T01", name="测试区", level=Level.DISTRICT)
    t.street_a = OrgUnitFactory(code="T01-S01", name="东城街道", level=Level.STREET, parent=t.district)
    t.street_b = OrgUnitFactory(code="T01-S02", name="西城街道", level=Level.STREET, parent=t.district)
    t.community_a = OrgUnitFactory(code="T01-S01-C01", name="幸福社区", level=Level.COMMUNITY, parent=t.street_a)
    t.community_b = OrgUnitFactory(code="T01-S01-C02", name="和谐社区", level=Level.COMMUNITY, parent=t.street_a)
    t.community_c = OrgUnitFactory(code="T01-S02-C01", name="长安社区", level=Level.COMMUNITY, parent=t.street_b)
    t.grid_a1 = OrgUnitFactory(code="T01-S01-C01-G01", name="幸福社区一网格", level=Level.GRID, parent=t.community_a)
    t.grid_a2 = OrgUnitFactory(code="T01-S01-C01-G02", name="幸福社区二网格", level=Level.GRID, parent=t.community_a)
    t.grid_b1 = OrgUnitFactory(code="T01-S01-C02-G01", name="和谐社区一网格", level=Level.GRID, parent=t.community_b)
    t.grid_c1 = OrgUnitFactory(code="T01-S02-C01-G01", name="长安社区一网格", level=Level.GRID, parent=t.community_c)
    t.department = OrgUnitFactory(code="T01-EDU", name="区教育局", level=Level.DEPARTMENT, parent=t.district)
    return t


@pytest.fixture
def cast(tree):
    c = SimpleNamespace()
    c.admin = UserFactory(username="t_admin", full_name="管理员", is_superuser=True, is_staff=True)
    c.leader = member(UserFactory(username="t_leader", full_name="赵书记"), tree.district, Role.LEADER)
    c.office = member(UserFactory(username="t_office", full_name="钱主任"), tree.street_a, Role.OFFICE)
    c.office_b = member(UserFactory(username="t_office_b", full_name="孙主任"), tree.street_b, Role.OFFICE)
    c.cadre = member(UserFactory(username="t_cadre", full_name="李网格"), tree.community_a, Role.CADRE)
    c.cadre_c = member(UserFactory(username="t_cadre_c", full_name="周网格"), tree.community_c, Role.CADRE)
    c.handler = member(UserFactory(username="t_handler", full_name="吴科员"), tree.department, Role.HANDLER)
    c.inspector = member(UserFactory(username="t_inspector", full_name="郑督导"), tree.district, Role.INSPECTOR)
    c.outsider = UserFactory(username="t_outsider", full_name="王路人")
    return c


@pytest.fixture
def campaign(tree):
    return make_campaign(tree.district)


@pytest.fixture
def api():
    """An API client logged in as the given user: api(user)."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def browser_page(live_server, monkeypatch):
    """A Playwright page in Debian's Chromium at a 390×844 phone viewport (never downloads a browser).

    Yields (page, base_url). Playwright's sync API runs an event loop; Django must allow its
    synchronous ORM calls from the live server thread meanwhile. Code running inside
    `sync_playwright()` (later fixtures and the test body) has its own context, so Django's
    per-context connection handler opens a second database connection there; it is closed on
    the way out, or PostgreSQL refuses to drop the test database ("being accessed by other users").
    """
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        # bypass_csp: the tests' own wait_for_function predicates are evaluated strings, which the
        # app's script-src 'self' forbids. That no template needs an inline script is checked apart
        # (tests/campaigns/test_tokens_and_headers.py).
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", bypass_csp=True)
        page = context.new_page()
        page.set_default_timeout(15000)
        try:
            yield page, live_server.url
        finally:
            context.close()
            browser.close()
            connections.close_all()


def login(page, base_url, username, password="Zoufang-Test-1"):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")
