"""ASGI entry point: HTTP (Django) and WebSocket (Channels) in one `application`.

The real-time layer adds its WebSocket routes in `notifications.routing` and the
Socket.IO server (mounted at `/socket.io/`) in `notifications.socketio`; both are
optional imports so that the HTTP stack stands on its own.
"""

import importlib.util
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from core.origins import WebSocketOriginGate  # noqa: E402
from storefronts.asgi import RequestBodyLimit  # noqa: E402


def _websocket_routes() -> list:
    if importlib.util.find_spec("notifications.routing") is None:
        return []
    from notifications.routing import websocket_urlpatterns

    return websocket_urlpatterns


# the body limit holds for the bytes received, before Django reads them (storefronts/asgi.py);
# a WebSocket from a browser page on another origin opens only from CORS_ALLOWED_ORIGINS
# (core/origins.py, the rule Socket.IO follows too)
application = ProtocolTypeRouter(
    {
        "http": RequestBodyLimit(django_asgi),
        "websocket": WebSocketOriginGate(URLRouter(_websocket_routes())),
    }
)

if importlib.util.find_spec("notifications.socketio") is not None:
    from notifications.socketio import mount

    application = mount(application)
