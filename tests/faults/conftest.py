import pytest

from config.celery import app as celery_app

from .processes import Processes


@pytest.fixture
def processes():
    """Real processes for the experiment, every one ended (by its process group) afterwards."""
    procs = Processes()
    yield procs
    procs.stop_all()


@pytest.fixture
def publish_to():
    """Point the app's Celery producer at a broker URL (none listening: a broker away), not eager."""
    conf = celery_app.conf
    saved = {k: conf[k] for k in ("broker_url", "task_always_eager")}

    def point(url):
        conf.update(broker_url=url, task_always_eager=False)
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    yield point
    conf.update(saved)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
