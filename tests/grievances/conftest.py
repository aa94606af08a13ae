import pytest


@pytest.fixture(autouse=True)
def _taxonomy(request):
    """The category taxonomy comes from a data migration; transactional tests (the browser's live
    server) flush it, so make sure it is there (idempotent, two queries when present)."""
    request.getfixturevalue("transactional_db" if "live_server" in request.fixturenames else "db")
    from grievances.services import seed_categories

    seed_categories()
