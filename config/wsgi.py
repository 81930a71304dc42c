"""WSGI entry point: the HTTP API, served by gunicorn's threaded workers (`make serve`).

Everything but the sockets: Socket.IO (`/socket.io/`) and the WebSocket routes (`/ws/`)
are served by the ASGI process (`config.asgi`), which `make serve` starts beside it. Under
ASGI every synchronous view runs in one thread per process with a hop each way; a WSGI
worker thread runs it directly, several times faster on small requests (docs/bench.md).
In front of Django, as under ASGI: the body limit (`storefronts.wsgi`) and the callers'
addresses behind `FORWARDED_ALLOW_IPS` (`core.proxies`).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_wsgi = get_wsgi_application()

from core.proxies import ProxyHeaders  # noqa: E402
from storefronts.wsgi import RequestBodyLimit  # noqa: E402

application = ProxyHeaders(
    RequestBodyLimit(django_wsgi), trusted=os.environ.get("FORWARDED_ALLOW_IPS", "")
)
