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
