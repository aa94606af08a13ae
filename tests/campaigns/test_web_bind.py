"""The web server listens on loopback unless HOST says otherwise; only containers open up."""

import http.client
import os
import re
import runpy
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _gunicorn_bind(monkeypatch, **env):
    for name in ("HOST", "PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "config" / "gunicorn.py"))["bind"]


@pytest.mark.parametrize(
    ("env", "bind"),
    [
        ({}, ["127.0.0.1:8000"]),
        ({"PORT": "8765"}, ["127.0.0.1:8765"]),  # gunicorn alone would take 0.0.0.0 here
        ({"HOST": "", "PORT": ""}, ["127.0.0.1:8000"]),
        ({"HOST": "0.0.0.0", "PORT": "8000"}, ["0.0.0.0:8000"]),
        ({"HOST": "::1"}, ["[::1]:8000"]),
        ({"HOST": "[::]", "PORT": "9000"}, ["[::]:9000"]),
    ],
)
def test_gunicorn_binds_loopback_unless_host_is_set(monkeypatch, env, bind):
    assert _gunicorn_bind(monkeypatch, **env) == bind


def _listening(port):
    """Local addresses with a listening TCP socket on `port`, read from the kernel's tables."""
    found = set()
    for table, ipv6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        if not os.path.exists(table):
            continue
        with open(table) as f:
            next(f)
            for line in f:
                local, state = line.split()[1], line.split()[3]
                addr, hexport = local.split(":")
                if state != "0A" or int(hexport, 16) != port:
                    continue
                raw = bytes.fromhex(addr)
                if ipv6:
                    raw = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                    found.add(socket.inet_ntop(socket.AF_INET6, raw))
                else:
                    found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
    return found


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Reads Linux's socket tables (/proc/net/tcp*): the project runs on Debian, so it always applies.
def test_embedded_web_process_listens_on_loopback_only(tmp_path):
    procfile = (ROOT / "Procfile.dev").read_text()
    web = re.search(r"^web: (.+)$", procfile, re.MULTILINE).group(1)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"HOST", "DATABASE_URL", "REDIS_URL"}}
    env.update(PORT=str(port), ZOUFANG_DATA_DIR=str(tmp_path))
    # As honcho runs it: through a shell, from the checkout, with the venv on PATH and PORT set.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    proc = subprocess.Popen(
        ["sh", "-c", f"exec {web}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not _listening(port) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _listening(port) == {"127.0.0.1"}, proc.stderr.read1().decode() if proc.poll() is not None else ""
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/accounts/login/")
        assert conn.getresponse().status == 200
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_compose_listens_inside_the_container_but_publishes_on_loopback():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    web = compose["services"]["web"]
    assert web["environment"]["HOST"] == "0.0.0.0"
    assert web["ports"] == ["${ZOUFANG_BIND:-127.0.0.1}:${ZOUFANG_PORT:-8000}:8000"]
    command = " ".join(web["command"])
    assert "gunicorn -c config/gunicorn.py " in command and "--bind" not in command


def test_docker_image_listens_inside_the_container():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^\s+HOST=0\.0\.0\.0$", dockerfile, re.MULTILINE)
    cmd = re.search(r"^CMD (.+)$", dockerfile, re.MULTILINE).group(1)
    assert '"-c", "config/gunicorn.py"' in cmd and "--bind" not in cmd
