"""Duka settings, read from the environment.

With nothing set, Duka runs on the embedded default: SQLite, the local-memory
cache, the in-memory channel layer, Celery in eager mode and console e-mail.
`DATABASE_URL`, `REDIS_URL` and `EMAIL_URL` switch each to the real service.
"""

import importlib
from datetime import timedelta
from pathlib import Path

import environ
from corsheaders.defaults import default_headers as default_cors_headers
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from core.timefmt import API_DATETIME_FORMAT

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEVELOPMENT_SECRET_KEY = "duka-development-only-secret-key-do-not-use-in-production"
DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("DEBUG is off: set SECRET_KEY to a real secret.")

TECHAVEN_HOSTS = env.list("TECHAVEN_HOSTS", default=[])
CRYPTOSHOP_HOSTS = env.list("CRYPTOSHOP_HOSTS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
ALLOWED_HOSTS += [h for h in TECHAVEN_HOSTS + CRYPTOSHOP_HOSTS if h not in ALLOWED_HOSTS]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Browser pages on these origins (`scheme://host[:port]`, comma separated) may call the
# storefront APIs and open Socket.IO and /ws/ (core/origins.py); none by default. Under DEBUG,
# local front-end development servers (Next/CRA on 3000, Vite on 5173).
DEVELOPMENT_CORS_ORIGINS = [
    f"http://{host}:{port}" for port in (3000, 5173) for host in ("localhost", "127.0.0.1")
]
CORS_ALLOWED_ORIGINS = [
    origin.strip().rstrip("/")
    for origin in env.list(
        "CORS_ALLOWED_ORIGINS", default=DEVELOPMENT_CORS_ORIGINS if DEBUG else []
    )
    if origin.strip()
]
# Public base URL used in links the API hands out (payment pages, media) when
# there is no request to build them from (Celery tasks, e-mails).
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Duka's own apps (their timed jobs are gathered below)
DUKA_APPS = (
    "core",
    "storefronts",
    "accounts",
    "catalog",
    "orders",
    "escrow",
    "wallet",
    "support",
    "notifications",
)
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "corsheaders",
    "csp",
    "axes",
    *DUKA_APPS,
    # last, as its docs ask: a file replaced or whose row is deleted is removed from storage
    # once the transaction commits (product images, shop logos, review images, avatars)
    "django_cleanup.apps.CleanupConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # before anything that answers on its own (a NUL refused, static files, CommonMiddleware):
    # a storefront's error must reach the page that asked, and preflights stop here
    "storefronts.middleware.StorefrontCorsMiddleware",
    "csp.middleware.CSPMiddleware",  # on every answer, static files and redirects included
    # before anything reads the database: PostgreSQL stores no NUL in text
    "storefronts.middleware.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "storefronts.middleware.StorefrontHostMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # last, as its docs ask: turns a sign-in refused for a lockout into the lockout page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
APPEND_SLASH = False
WSGI_APPLICATION = None
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Under ASGI each request runs in a thread of its own, so a persistent connection is
    # not reused by the next request: serve with a pool (psycopg_pool; connections are
    # borrowed per request and given back at its end) or with CONN_MAX_AGE=0.
    if env.bool("DATABASE_POOL", default=False):
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        }
else:
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USES_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

# --- Redis: cache, channel layer, Celery broker, rate limits ------------------
REDIS_URL = env.str("REDIS_URL", default="")
# each pytest-xdist worker gets its own keys in a shared Redis
CACHE_KEY_PREFIX = env.str("CACHE_KEY_PREFIX", default="duka") + env.str(
    "PYTEST_XDIST_WORKER", default=""
)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.SharedRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            # a Redis that hangs must not hang every request that counts a rate limit
            # or reads a cached page: give up after a second or two, then go without
            "OPTIONS": {
                "socket_connect_timeout": env.float("REDIS_CONNECT_TIMEOUT", default=1.0),
                "socket_timeout": env.float("REDIS_TIMEOUT", default=2.0),
            },
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"{CACHE_KEY_PREFIX}:asgi"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Celery -------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://localhost/")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The worker's tasks mostly wait on other servers (payment providers, webhook receivers,
# FCM): threads, so that a slow provider holds one thread, not one of a few processes.
CELERY_WORKER_POOL = env.str("CELERY_WORKER_POOL", default="threads")
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=16)
# Opening orders' payments has a queue of its own, which every worker consumes unless told
# otherwise (`-Q`): a deployment may give it workers of its own, and the bench measures it
# apart from the events' relay.
CELERY_TASK_QUEUES = (Queue("celery"), Queue("payments"))
CELERY_TASK_ROUTES = {"orders.tasks.order_payment_open_task": {"queue": "payments"}}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "socket_connect_timeout": 2}
CELERY_TIMEZONE = "UTC"
# Timed jobs: each app lists its own in `<app>/schedule.py` as `BEAT = {...}`.
CELERY_BEAT_SCHEDULE = {}
for _app in DUKA_APPS:
    try:
        CELERY_BEAT_SCHEDULE.update(importlib.import_module(f"{_app}.schedule").BEAT)
    except ModuleNotFoundError as _exc:
        if _exc.name != f"{_app}.schedule":
            raise

# --- Payments -----------------------------------------------------------------
# Provider keys served by a real adapter instead of the sandbox, as a JSON object, e.g.
# {"airtel_money": "wallet.paychangu.PayChanguProvider", "tnm_mpamba": "..."}; the adapters'
# own settings (PAYCHANGU_*) are read when used (wallet/conf.py).
PAYMENT_PROVIDERS = env.json("PAYMENT_PROVIDERS", default={})

# --- Money: payment providers and the BTC chain (BRIEF decision 8) ----------------------
# Sandboxes approve whatever a visitor clicks: they are the default only in development.
# With DEBUG off they run only when switched on explicitly; otherwise every mobile-money
# provider needs a real adapter and the chain a real backend, or Duka refuses to start.
PAYMENTS_SANDBOX = env.bool("PAYMENTS_SANDBOX", default=DEBUG)
BTC_BACKEND = env.str("BTC_BACKEND", default="sandbox").strip().lower()
BTC_NETWORK = env.str("BTC_NETWORK", default="mainnet").strip().lower()
# the operator's account-level extended public key (BIP84); deposit addresses derive from it.
# The default is BIP84's published test vector: development only.
BTC_XPUB = env.str("BTC_XPUB", default="")
if not DEBUG:
    from wallet.bitcoin import InvalidExtendedKey, check_extended_key

    _refusals = []
    if not PAYMENTS_SANDBOX:
        _unserved = [
            key
            for key in ("airtel_money", "tnm_mpamba")
            if PAYMENT_PROVIDERS.get(key, "wallet.providers.SandboxProvider").endswith(
                ".SandboxProvider"
            )
        ]
        if _unserved:
            _refusals.append(
                f"no real payment provider serves {', '.join(_unserved)} (set PAYMENT_PROVIDERS,"
                ' e.g. {"airtel_money": "wallet.paychangu.PayChanguProvider", "tnm_mpamba":'
                ' "wallet.paychangu.PayChanguProvider"})'
            )
        if BTC_BACKEND == "sandbox":
            _refusals.append("the BTC chain is the sandbox (set BTC_BACKEND=esplora)")
    if not BTC_XPUB:
        _refusals.append("BTC_XPUB is not set (the operator's BIP84 extended public key)")
    else:
        try:
            check_extended_key(BTC_XPUB, BTC_NETWORK)
        except (InvalidExtendedKey, ValueError) as _exc:
            _refusals.append(f"BTC_XPUB is not usable: {_exc}")
    if _refusals:
        raise ImproperlyConfigured(
            "DEBUG is off and Duka refuses to start: "
            + "; ".join(_refusals)
            + ". Set PAYMENTS_SANDBOX=true only for a demo where the sandboxes (which approve"
            " any payment on their public page) are wanted."
        )


# --- E-mail -------------------------------------------------------------------
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Techaven <no-reply@techaven.mw>")

# --- Auth ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = env.list(
    "PASSWORD_HASHERS",
    default=[
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    ],
)
AUTH_PASSWORD_VALIDATORS: list[dict] = []  # the storefront contracts set the rules (min 6 chars)
LOGIN_URL = "/admin/login/"

# Failed sign-ins at the password forms (admin, seller back office) lock out (security
# finding 3; accounts/lockout.py). The storefront APIs do not sign in through
# authenticate() and keep their own rate limits.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked caller before any check
    "accounts.backends.AccountBackend",  # Django's, refusing suspended accounts too
]
AXES_HANDLER = "accounts.lockout.LoginLockoutHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]
# failures within the cool-off that lock each group (a username from one address, one
# address, one username); axes counts on the first's scale
LOGIN_FAILURE_LIMITS = {
    "username+ip_address": env.int("LOGIN_FAILURE_LIMIT", default=5),
    "ip_address": env.int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", default=20),
    "username": env.int("LOGIN_FAILURE_LIMIT_PER_ACCOUNT", default=25),
}
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMITS["username+ip_address"]
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# a success does not wipe the failures: one known password would reset an address's count
AXES_RESET_ON_SUCCESS = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# how long the sign-in records (successes, failures) are kept; beat prunes older ones daily
LOGIN_LOG_RETENTION_DAYS = env.int("LOGIN_LOG_RETENTION_DAYS", default=90)
# what the attempt records never show staff (the password is always masked)
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken", "access_token"]

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(hours=1),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=30),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}

# Techaven e-mail OTP (BRIEF decision 3).
OTP_LENGTH = 6
OTP_TTL = timedelta(minutes=10)
OTP_MAX_ATTEMPTS = 5
# wrong codes an account may try per purpose within an hour, over all its codes
OTP_MAX_WRONG_PER_HOUR = env.int("OTP_MAX_WRONG_PER_HOUR", default=10)
OTP_RESEND_INTERVAL = timedelta(minutes=1)
PASSWORD_RESET_TOKEN_TTL = timedelta(minutes=15)

# CryptoShop sessions after 2FA (BRIEF decision 4).
CRYPTOSHOP_SESSION_TTL = timedelta(hours=12)
CRYPTOSHOP_REMEMBERED_SESSION_TTL = timedelta(days=30)
OTP_TOTP_ISSUER = "CryptoShop"

# --- REST framework -----------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's, refusing NUL characters and JSON nested too deep (storefronts/parsers.py)
    "DEFAULT_PARSER_CLASSES": [
        "storefronts.parsers.JSONParser",
        "storefronts.parsers.MultiPartParser",
        "storefronts.parsers.FormParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": False,
    "DATETIME_FORMAT": API_DATETIME_FORMAT,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Duka",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "DISABLE_ERRORS_AND_WARNINGS": False,
    # Swagger UI assets served by Duka itself, not fetched from a CDN
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # the same field name means different things in different domains: name each enum
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "support.models.TicketStatus.values",
        "CryptoShopOrderStatusEnum": "orders.status_names.CRYPTOSHOP_STATUS_NAMES",
        "WalletMoneyStatusEnum": "wallet.api.cryptoshop.MONEY_STATUS",
        "EscrowStatusEnum": "escrow.api.cryptoshop.STATUSES",
    },
}

# Rate limits, exactly as the contracts say (BRIEF decision 10).
RATELIMIT_ENABLED = env.bool("RATELIMIT_ENABLED", default=True)
# Requests whose body is larger than this answer 413 in the storefront's format.
MAX_REQUEST_BODY_BYTES = env.int("MAX_REQUEST_BODY_BYTES", default=12 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
AVATAR_MAX_BYTES = 5 * 1024 * 1024
IDEMPOTENCY_TTL = timedelta(hours=24)
# A request still marked as running after this long is taken to have died.
IDEMPOTENCY_LOCK_TIMEOUT = timedelta(seconds=60)

# CORS (django-cors-headers) on the storefront APIs only: their two prefixes here, and `/api/`
# on a storefront's own host (storefronts.middleware.StorefrontCorsMiddleware). Tokens travel
# in headers, never cookies, so no credentials; what the clients read and send beyond the
# defaults: the rate-limit headers, Retry-After, Idempotent-Replayed and Idempotency-Key.
CORS_URLS_REGEX = r"^/(?:techaven|cryptoshop)/api/"
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = (*default_cors_headers, "idempotency-key")
CORS_EXPOSE_HEADERS = [
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "Retry-After",
    "Idempotent-Replayed",
]
CORS_PREFLIGHT_MAX_AGE = env.int("CORS_PREFLIGHT_MAX_AGE", default=86400)

# --- Static and media ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

# uvicorn configures its own loggers before it imports the application, so this, applied
# when Django starts, comes after it and owns them: uvicorn's handlers and formats, plus
# the filter that keeps `?access_token=` values out of every line (security finding 12).
# Their levels are left to uvicorn (`--log-level`).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_credentials": {"()": "config.logfilters.RedactCredentials"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "uvicorn": {"()": "uvicorn.logging.DefaultFormatter", "fmt": "%(levelprefix)s %(message)s"},
        "uvicorn_access": {
            "()": "uvicorn.logging.AccessFormatter",
            "fmt": '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s',
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_credentials"],
        },
        "uvicorn": {
            "class": "logging.StreamHandler",
            "formatter": "uvicorn",
            "stream": "ext://sys.stderr",
            "filters": ["redact_credentials"],
        },
        "uvicorn_access": {
            "class": "logging.StreamHandler",
            "formatter": "uvicorn_access",
            "stream": "ext://sys.stdout",
            "filters": ["redact_credentials"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "axes.apps": {"level": "WARNING"},  # not its version on every manage.py command
        "uvicorn": {"handlers": ["uvicorn"], "propagate": False},
        "uvicorn.access": {"handlers": ["uvicorn_access"], "propagate": False},
    },
}

if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)

# --- Transport and headers (security finding 12) --------------------------------------
# Behind a proxy that ends TLS, Django learns that a request came over HTTPS only from the
# header the proxy sets. Believed only when switched on: any client can send it, so the
# proxy must overwrite it and nothing may reach Duka around the proxy. (`make serve` with
# FORWARDED_ALLOW_IPS has uvicorn take the scheme from the named proxies only instead.)
TLS_PROXY = env.bool("TLS_PROXY", default=False)
if TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Never in development: a browser that once saw HSTS for localhost keeps refusing plain
# http there for a year, and a redirect to https has nothing to answer it.
SECURE_SSL_REDIRECT = not DEBUG and env.bool("SECURE_SSL_REDIRECT", default=TLS_PROXY)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # probes speak plain http inside
SECURE_HSTS_SECONDS = 0 if DEBUG else env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)

# One Content-Security-Policy on every answer (django-csp; Django 5.2 has none of its own):
# scripts, styles, fonts and requests from Duka itself and nothing inline, so injected
# markup cannot run. The admin, the sandbox payment pages and Swagger UI
# (SpectacularSwaggerSplitView: its start-up script is a file too) need nothing more;
# `data:` images are Swagger UI's icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
