"""Real processes for the fault experiments: gunicorn, Celery workers and a Redis server of the
test's own, against the suite's PostgreSQL test database, plus an HTTP client that tells a 503
from a 500 and a refused connection."""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import suppress
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS = os.environ.get("REDIS_URL", "")
PASSWORD = "Zoufang-Test-1"

needs_postgres_and_redis = pytest.mark.skipif(
    connection.vendor != "postgresql" or not REDIS,
    reason="needs PostgreSQL and Redis (DATABASE_URL and REDIS_URL), which CI's second pass sets",
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_url(db: int) -> str:
    base = REDIS.rsplit("/", 1)[0] if REDIS.count("/") > 2 else REDIS.rstrip("/")
    return f"{base}/{db}"


def env_for(media: Path, broker: str, **extra) -> dict:
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        DATABASE_URL="postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**db),
        REDIS_URL=broker,
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="false",
        DJANGO_HTTPS="false",
        DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(40),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_MEDIA_ROOT=str(media),
        ZOUFANG_DATA_DIR=str(media.parent),
        CELERY_TASK_ALWAYS_EAGER="false",
        DJANGO_CONN_MAX_AGE="0",
    )
    env.pop("CACHE_URL", None)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    env.pop("PORT", None)
    env.update(extra)
    return env


class Processes:
    """Starts processes in their own sessions and ends every one of them (by its group) at the end."""

    def __init__(self):
        self.procs = []

    def start(self, args, env, **kwargs):
        proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=kwargs.pop("stderr", subprocess.DEVNULL),
            start_new_session=True,
            **kwargs,
        )
        self.procs.append(proc)
        return proc

    def web(self, env, workers=1):
        port = free_port()
        proc = self.start(
            [str(BIN / "gunicorn"), "config.wsgi", "-c", "config/gunicorn.py", "-w", str(workers), "--threads", "4"],
            {**env, "PORT": str(port)},
        )
        wait_port(port, proc)
        return f"http://127.0.0.1:{port}"

    def worker(self, env, name="w"):
        return self.start(
            [str(BIN / "celery"), "-A", "config", "worker", "-c", "1", "-n", f"{name}-{uuid.uuid4().hex[:6]}@%h"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning"],
            env,
        )

    def redis_server(self, port):
        proc = self.start(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], os.environ
        )
        wait_port(port, proc)
        return proc

    def kill(self, proc, sig=signal.SIGKILL):
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=20)

    def stop_all(self):
        for proc in self.procs:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)


def wait_port(port, proc, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f"{proc.args[0]} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


def call(base, path, token=None, data=None, files=None, method=None, timeout=30):
    """(status, body, headers); a JSON body decoded, else the first bytes."""
    headers = {"Host": "127.0.0.1"}
    if token:
        headers["Authorization"] = f"Token {token}"
    body = None
    if files:
        boundary = uuid.uuid4().hex
        parts = []
        for key, value in (data or {}).items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
        for field, (name, content, ctype) in files.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
                f"Content-Type: {ctype}\r\n\r\n".encode()
                + content
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    elif data is not None:
        body = json.dumps(data).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(
        base + path, data=body, headers=headers, method=method or ("POST" if body is not None else "GET")
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            return response.status, json.loads(raw or b"null"), dict(response.headers)
    except urllib.error.HTTPError as err:
        raw = err.read()
        try:
            decoded = json.loads(raw)
        except ValueError:
            decoded = raw[:300]
        return err.code, decoded, dict(err.headers)


def poll(fn, done, timeout=40, every=0.2):
    end = time.monotonic() + timeout
    value = None
    while time.monotonic() < end:
        value = fn()
        if done(value):
            return value
        time.sleep(every)
    raise AssertionError(f"still {value!r} after {timeout}s")


def api_user(user):
    """Give a test user a password the real processes can check (the suite hashes with MD5) and a token."""
    from knox.models import AuthToken

    user.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt(), iterations=1000)
    user.save()
    # The test's clock is frozen in the past; the processes run on the real one: a token that
    # outlives both.
    return AuthToken.objects.create(user=user, expiry=timedelta(days=3650))[1]
