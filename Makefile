# The verbs a newcomer types. Everything installs itself into .venv on first use.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
# `make serve`: the sockets (Socket.IO, /ws/) on a port of their own beside the HTTP API's
SOCKET_PORT ?= 8001
# The proxies whose X-Forwarded-For uvicorn believes (comma separated). None by default:
# each client is then known by its own address, which rate limits count by.
FORWARDED_ALLOW_IPS ?=
UVICORN_PROXY = $(if $(strip $(FORWARDED_ALLOW_IPS)),--proxy-headers --forwarded-allow-ips "$(FORWARDED_ALLOW_IPS)",--no-proxy-headers)

.PHONY: install install-prod run serve test lint format seed bench bench-catalog bench-data worker beat probe

## Development and CI (`make install`): what runs Duka plus the tests and tooling,
## requirements-dev.txt (which starts with `-r requirements.txt`). It also counts as the
## production install, which it contains.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed-prod

## Production (`make install-prod`): requirements.txt only. `serve`, `worker` and `beat`
## need no more, so on a server they install nothing for tests.
$(VENV)/.installed-prod: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

install-prod: $(VENV)/.installed-prod

## Run Duka with demo data on the embedded default (SQLite, no services needed): one
## uvicorn process serves everything, the HTTP API and the sockets, on PORT.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py collectstatic --noinput -v0
	$(VENV)/bin/uvicorn config.asgi:application --host $(HOST) --port $(PORT) $(UVICORN_PROXY)

## Production: the HTTP API on gunicorn's threaded WSGI workers (config/gunicorn.py: PORT,
## WEB_WORKERS, WEB_THREADS) and the sockets (Socket.IO, /ws/) on uvicorn at SOCKET_PORT;
## the proxy in front sends /socket.io/ and /ws/ to SOCKET_PORT (docs/deploy.md). Both stop
## together: Ctrl-C, or either one ending, ends the other.
serve: install-prod
	$(PY) manage.py collectstatic --noinput -v0  # the admin's CSS and JS when DEBUG=false
	trap 'kill $$(jobs -p) 2>/dev/null' EXIT; \
	HOST=$(HOST) PORT=$(PORT) FORWARDED_ALLOW_IPS="$(FORWARDED_ALLOW_IPS)" $(VENV)/bin/gunicorn config.wsgi:application --config config/gunicorn.py & \
	$(VENV)/bin/uvicorn config.asgi:application --host $(HOST) --port $(SOCKET_PORT) $(UVICORN_PROXY) & \
	wait -n

seed: install-prod
	$(PY) manage.py seed_demo

## Run the test suite (SQLite by default; PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set).
test: install
	$(VENV)/bin/pytest -n 2 --dist loadfile -q

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: install-prod
	$(VENV)/bin/celery -A config worker -l info

beat: install-prod
	$(VENV)/bin/celery -A config beat -l info

## Issue 14's bench (README "Speed", docs/bench.md): Duka beside a bare Django app (the
## floor of the stack), driven by wrk, signed-in reads and checkout included; prints the
## table and a verdict per goal. Needs wrk (Debian: apt-get install wrk), DATABASE_URL
## (PostgreSQL) and REDIS_URL, and a catalog: run `make bench-data` first, once, on a
## database of its own (it empties the catalog tables). BENCH_ARGS passes options,
## e.g. BENCH_ARGS="--only list,floor --rounds 1" or BENCH_ARGS=--no-page-cache.
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

## The earlier catalog load test with httpx (cached pages, suggestions, deep pages against
## page 1); the same DATABASE_URL, REDIS_URL and catalog. BENCH_ARGS as for it.
bench-catalog: install
	$(PY) bench/catalog_httpx.py $(BENCH_ARGS)

## Fill DATABASE_URL with the benchmark catalog (100,000 products, 1,000 shops, 60
## categories, 300,000 reviews; about a minute and a half). Migrate that database first.
bench-data: install
	$(PY) manage.py migrate --noinput
	$(PY) bench/generate.py

## Attack a running server again for each of issue 12's 15 security findings (README,
## "Security probe"): one line per finding, closed or OPEN. PROBE_URL is the server;
## PROBE_ARGS passes options, e.g. PROBE_ARGS="--mail-dir DIR --setup --server-checks".
PROBE_URL ?= http://$(HOST):$(PORT)
probe: install
	$(PY) scripts/security_probe.py --base-url $(PROBE_URL) $(PROBE_ARGS)
