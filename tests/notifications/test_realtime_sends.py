"""Sends to Channels groups from synchronous code (the relay in a Celery worker, a logout's
revocation in a WSGI request) reach the group's listeners, in order, over one Redis
connection per process."""

from __future__ import annotations

import asyncio
import threading

import pytest
from channels.layers import get_channel_layer
from django.conf import settings

from notifications import realtime
from tests.helpers.parallel import at_once

pytestmark = pytest.mark.skipif(
    not settings.REDIS_URL, reason="the kept loop serves the Redis channel layer"
)


def test_pushes_from_many_threads_arrive_in_order_over_one_connection():
    user_id = 987_654
    layer = get_channel_layer()
    subscribed, received = threading.Event(), []

    async def listen(count: int) -> None:
        listener = get_channel_layer()
        channel = await listener.new_channel()
        await listener.group_add(realtime.channels_group(user_id), channel)
        subscribed.set()
        for _ in range(count):
            message = await asyncio.wait_for(listener.receive(channel), timeout=10)
            received.append((message["event"], message["data"]))

    listening = threading.Thread(target=asyncio.run, args=(listen(3 * 2 * 5),))
    listening.start()
    assert subscribed.wait(10)

    def pushes() -> None:
        name = threading.current_thread().name
        for n in range(5):
            realtime.push_to_user(user_id, [("first", {"n": n, "t": name}), ("second", {"n": n})])

    at_once(3, pushes)
    listening.join(timeout=20)
    assert len(received) == 30
    for sender in {data["t"] for event, data in received if event == "first"}:
        assert [d["n"] for e, d in received if e == "first" and d["t"] == sender] == [0, 1, 2, 3, 4]
    # one event loop, hence one Redis connection, for every send of this process
    assert len(layer._layers) == 1
