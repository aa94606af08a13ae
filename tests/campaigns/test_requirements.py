"""What each way of installing gets: the image the app alone, the embedded runner honcho too."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _packages(name, seen=None):
    """Package names a requirements file installs, following -r includes."""
    seen = set() if seen is None else seen
    names = set()
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r "):
            include = line[3:].strip()
            if include not in seen:
                seen.add(include)
                names |= _packages(include, seen)
            continue
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+(\[[a-z,]+\])?==[0-9][0-9A-Za-z.]*", line), f"{name}: unpinned {line!r}"
        names.add(re.split(r"[\[=]", line, maxsplit=1)[0].lower())
    return names


def test_docker_image_installs_only_the_app_requirements():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.findall(r"pip install -r (\S+)", dockerfile) == ["requirements.txt"]
    app = _packages("requirements.txt")
    assert "honcho" not in app
    assert "psycopg" in app and "psycopg2-binary" not in app


def test_embedded_runner_and_dev_install_honcho_on_top_of_the_app():
    app = _packages("requirements.txt")
    embedded = _packages("requirements-embedded.txt")
    assert embedded - app == {"honcho"}
    assert embedded <= _packages("requirements-dev.txt")
    bootstrap = (ROOT / "scripts" / "bootstrap.sh").read_text()
    assert 'runtime) req="$root/requirements-embedded.txt"' in bootstrap
