"""gunicorn settings shared by every way the app is served: Procfile.dev and the Docker image.

It listens on loopback unless HOST names another address. gunicorn's own default would not do:
it switches to 0.0.0.0 as soon as PORT is set, and honcho always sets PORT. A container sets
HOST=0.0.0.0, because its loopback cannot be reached through a published port.
"""

import os

_host = os.environ.get("HOST", "").strip() or "127.0.0.1"
if ":" in _host and not _host.startswith("["):
    _host = f"[{_host}]"  # an IPv6 address, e.g. ::1
bind = [f"{_host}:{os.environ.get('PORT', '').strip() or '8000'}"]


def post_worker_init(worker):
    """The app is loaded: its import-time objects (Django, the URLconf, the models) go to the
    collector's permanent generation (`gc.freeze`), so that a full collection during a request
    walks that request's objects rather than the whole app's: 50-70 ms of CPU taken from about
    one request in fifteen of the ledger, measured at city scale."""
    import gc

    gc.freeze()
