"""Settings for the test suite (pyproject.toml points pytest-django here).

The suite runs as production does, with DEBUG off, so it needs a key that is not the repository's
development key. Set in the environment, the key also reaches the processes that tests start.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-suite-only-not-a-secret-4f8d2c9b7e1a6053d7c2b8e4f1a9")

from .settings import *  # noqa: E402, F403
