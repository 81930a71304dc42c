"""`/healthz`: the process is up. `/readyz`: the database (and Redis, when configured) answer."""

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from core.cache import shared_redis
from wallet.providers import providers_live

logger = logging.getLogger(__name__)


def healthz(request):
    return JsonResponse({"status": "ok"})


def readyz(request):
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        logger.warning("readyz: database not reachable: %s", exc)
        checks["database"] = "unreachable"
    client = shared_redis() if settings.REDIS_URL else None
    if client is not None:
        try:
            client.ping()  # through the shared pool (and its timeouts), not a new client
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            logger.warning("readyz: redis not reachable: %s", exc)
            checks["redis"] = "unreachable"
    ready = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {
            "status": "ok" if ready else "unavailable",
            "checks": checks,
            # what really moves money here: "sandbox", "off", or the real adapter
            "payments": providers_live(),
        },
        status=200 if ready else 503,
    )
