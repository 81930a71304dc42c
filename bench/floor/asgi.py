"""ASGI entry point of the floor app (uvicorn), as Duka is served."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.floor.settings")
application = get_asgi_application()
