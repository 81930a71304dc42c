"""Settings of the uvicorn servers the events tests start: Duka's, plus a test-only
endpoint that publishes an event (see `server_urls.py`). Never used outside tests."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "tests.events.server_urls"
WEBHOOKS_ALLOW_PRIVATE = True  # the tests' webhook receivers listen on 127.0.0.1
RATELIMIT_ENABLED = False
REALTIME_AUTH_GRACE_SECONDS = 2  # so the test of an anonymous socket being closed is short
