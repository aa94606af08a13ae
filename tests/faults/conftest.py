import pytest

from .processes import Processes


@pytest.fixture
def processes():
    """Real processes for the experiment, every one ended (by its process group) afterwards."""
    procs = Processes()
    yield procs
    procs.stop_all()
