"""The floor of the stack: a bare Django app beside Duka in the bench (issue 14).

No middleware, no DRF, no cache: `/json` answers a small JSON object (what Duka's
`/healthz` answers) and `/rows?page=N` reads 20 product rows from the bench database with
one query. bench/run.py serves it like Duka is served (uvicorn ASGI, 2 workers) and with
gunicorn WSGI (2 workers × 4 threads), and measures it in the same run as Duka. By hand:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/duka_bench \\
    DJANGO_SETTINGS_MODULE=bench.floor.settings \\
    .venv/bin/gunicorn bench.floor.wsgi:application -k gthread -w 2 --threads 4 -b 127.0.0.1:8303
"""
