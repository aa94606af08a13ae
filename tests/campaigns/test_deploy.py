"""Production settings: `check --deploy` is clean; production refuses to run on the repo's key."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "DJANGO_SECRET_KEY": "x7$k-2vq!mz9@p4r#t6w8y0u1i3o5a7s9d2f4g6h8j0k2l4z6x8c0v",
    "DJANGO_HTTPS": "true",
    "DJANGO_ALLOWED_HOSTS": "zoufang.example.gov.cn",
}


def _manage(*args, env):
    base = {k: v for k, v in os.environ.items() if k not in {"DJANGO_HTTPS", "DJANGO_SECRET_KEY"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_under_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_the_development_secret_key():
    env = {k: v for k, v in PROD_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
