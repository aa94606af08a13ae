"""Production settings: `check --deploy` is clean; production (DEBUG off) refuses to run on the
repo's key; a boolean variable with a value that is not a boolean stops the start."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool

ROOT = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "DJANGO_SECRET_KEY": "x7$k-2vq!mz9@p4r#t6w8y0u1i3o5a7s9d2f4g6h8j0k2l4z6x8c0v",
    "DJANGO_HTTPS": "true",
    "DJANGO_ALLOWED_HOSTS": "zoufang.example.gov.cn",
}
BOOLEAN_VARS = ["DJANGO_DEBUG", "DJANGO_HTTPS", "DJANGO_SSL_REDIRECT", "CELERY_TASK_ALWAYS_EAGER"]
# What the test run itself sets (config/settings_test.py, pytest-django) must not leak into the
# settings under test.
_UNSET = {"DJANGO_SETTINGS_MODULE", "DJANGO_SECRET_KEY", *BOOLEAN_VARS}


def _manage(*args, env):
    base = {k: v for k, v in os.environ.items() if k not in _UNSET}
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
    assert "DJANGO_SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_debug_off_refuses_the_development_secret_key_without_https_too():
    result = _manage("check", env={"DJANGO_HTTPS": "false"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_debug_on_runs_on_the_development_secret_key():
    result = _manage("check", env={"DJANGO_DEBUG": "True"})
    assert result.returncode == 0, result.stdout + result.stderr


def test_misspelt_https_stops_the_start_instead_of_meaning_false():
    result = _manage("check", env={**PROD_ENV, "DJANGO_HTTPS": "ture"})
    assert result.returncode != 0
    assert "DJANGO_HTTPS='ture' is not a boolean; use one of true, yes, on, 1, false, no, off, 0" in result.stderr


@pytest.mark.parametrize("name", [v for v in BOOLEAN_VARS if v != "DJANGO_HTTPS"])
def test_every_boolean_variable_rejects_an_unknown_value(name):
    # With a real key, so only the boolean can be what stops the start.
    result = _manage("check", env={**PROD_ENV, name: "enabled"})
    assert result.returncode != 0
    assert f"{name}='enabled' is not a boolean" in result.stderr


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("TRUE", True), (" yes ", True), ("On", True), ("1", True)]
    + [("false", False), ("False", False), ("no", False), ("OFF", False), ("0", False)],
)
def test_boolean_spellings_that_are_accepted(monkeypatch, raw, expected):
    monkeypatch.setenv("ZOUFANG_TEST_FLAG", raw)
    assert env_bool("ZOUFANG_TEST_FLAG", default=not expected) is expected


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_unset_or_empty_boolean_takes_the_default(monkeypatch, raw):
    monkeypatch.delenv("ZOUFANG_TEST_FLAG", raising=False)
    if raw is not None:
        monkeypatch.setenv("ZOUFANG_TEST_FLAG", raw)
    assert env_bool("ZOUFANG_TEST_FLAG", default=True) is True
    assert env_bool("ZOUFANG_TEST_FLAG", default=False) is False


@pytest.mark.parametrize("raw", ["ture", "y", "2", "enable", "truee"])
def test_unknown_boolean_names_the_variable_and_the_accepted_values(monkeypatch, raw):
    monkeypatch.setenv("ZOUFANG_TEST_FLAG", raw)
    with pytest.raises(ImproperlyConfigured) as excinfo:
        env_bool("ZOUFANG_TEST_FLAG", default=False)
    assert str(excinfo.value) == (
        f"ZOUFANG_TEST_FLAG={raw!r} is not a boolean; use one of true, yes, on, 1, false, no, off, 0 (any case)"
    )
