"""Settings for the test suite (pyproject.toml points pytest-django here).

The suite runs as production does, with DEBUG off, so it needs a key that is not the repository's
development key. Set in the environment, the key also reaches the processes that tests start.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-suite-only-not-a-secret-4f8d2c9b7e1a6053d7c2b8e4f1a9")
os.environ.setdefault("ZOUFANG_DATA_KEYS", "dGVzdC1zdWl0ZS1vbmx5LWRhdGEta2V5LTMyYnl0ZXM=")
os.environ.setdefault("ZOUFANG_HMAC_KEY", "test-suite-only-hmac-key")

from .settings import *  # noqa: E402, F403

# SQLite: a test database in a file rather than in shared-cache memory. The browser tests' live
# server answers several requests at once (the page, its service worker, queued uploads); shared
# cache locks whole tables and fails at once ("database table is locked") where a file database
# waits for the lock within the connection's timeout. /dev/shm keeps it in memory where it exists.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    _shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
    import hashlib
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        # One name per checkout, so two checkouts' runs never share a file (xdist adds _gwN).
        "NAME": os.path.join(
            _shm or tempfile.gettempdir(),
            f"zoufang-test-{hashlib.sha1(str(BASE_DIR).encode()).hexdigest()[:10]}.sqlite3",  # noqa: F405
        )
    }

# PostgreSQL: one test database name per checkout as well, so that two checkouts' runs on one
# server never create, use or drop each other's databases (xdist adds _gwN).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    import hashlib

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": f"test_{DATABASES['default']['NAME']}_{hashlib.sha1(str(BASE_DIR).encode()).hexdigest()[:8]}"  # noqa: F405
    }

# Hashing is not what the suite tests: the fastest hasher, here and in the manage.py processes that
# tests start under these settings (they inherit DJANGO_SETTINGS_MODULE: the restore drill's
# seed_demo sets the password of a hundred demo accounts). `_test_settings` sets it for every test.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
