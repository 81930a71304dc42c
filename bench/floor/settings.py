"""Settings of the floor app (bench/floor/__init__.py): the least Django needs to answer.

`DATABASE_URL` is the bench database (Duka's catalog_product table is read). Connections:
`FLOOR_DATABASE_POOL=true` lends each request one from a psycopg pool per process, as
Duka's bench server does under ASGI (where each request runs in a thread of its own);
otherwise each thread keeps its connection (`CONN_MAX_AGE`, 600 s), the best case for
gunicorn's long-lived threads.
"""

from __future__ import annotations

import os

import environ

env = environ.Env()

SECRET_KEY = os.environ.get("FLOOR_SECRET_KEY", "floor-of-the-bench-not-a-secret")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["bench.floor"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.floor.urls"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGGING_CONFIG = None

DATABASES = {"default": env.db("DATABASE_URL")}
if env.bool("FLOOR_DATABASE_POOL", default=False):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"pool": {"min_size": 2, "max_size": 10, "timeout": 10}}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = 600
