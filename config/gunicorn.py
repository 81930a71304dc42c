"""gunicorn's settings for `make serve` (the HTTP API, `config.wsgi`), from the environment.

Threaded workers (`gthread`): `WEB_WORKERS` processes (default: one per core) of
`WEB_THREADS` threads (default 8: a thread waiting on a payment provider, PostgreSQL or
Redis holds no core), each with its own persistent database connection (`CONN_MAX_AGE`) or
one lent by the pool (`DATABASE_POOL`).
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS") or os.cpu_count() or 2)
threads = int(os.environ.get("WEB_THREADS") or 8)
# The callers' addresses and scheme come from config.wsgi's ProxyHeaders, which believes
# FORWARDED_ALLOW_IPS alone; gunicorn's own default would believe X-Forwarded-Proto from
# any local address.
forwarded_allow_ips = ""
# the access log (WEB_ACCESS_LOG, on by default) writes the path without its query string,
# which may hold a credential (`?access_token=`, docs/decisions.md, "Transport, headers and logs")
accesslog = (
    "-" if os.environ.get("WEB_ACCESS_LOG", "true").lower() in ("1", "true", "yes", "on") else None
)
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# a worker whose main loop has not reported in this long is restarted; with gthread that loop
# runs beside the request threads, so a slow request does not trip it: requests are bounded
# by their own timeouts (providers' HTTP clients, BTC_HTTP_TIMEOUT_SECONDS), not by this
timeout = int(os.environ.get("WEB_TIMEOUT") or 60)
graceful_timeout = 20
keepalive = 5
# no control socket ($HOME/.gunicorn/gunicorn.ctl): two Dukas on one machine would share it
control_socket_disable = True
# the admin and the sellers' uploads are the largest bodies; the body limit is Django's
limit_request_line = 8190
