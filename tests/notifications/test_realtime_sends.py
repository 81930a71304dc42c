"""Sends to Channels groups from synchronous code (the relay in a Celery worker, a logout's
revocation in a WSGI request) reach the group's listeners, in order, over one Redis
connection per process."""

from __future__ import annotations

import asyncio
import threading

import pytest
from channels.layers import get_channel_layer
from django.conf import settings

from core.cache import shared_redis
from notifications import realtime
from tests.helpers.parallel import at_once

pytestmark = pytest.mark.skipif(
    not settings.REDIS_URL, reason="the kept loop serves the Redis channel layer"
)


class Listener:
    """A user's Channels group, listened to on an event loop of its own (as a socket's)."""

    def __init__(self, user_id: int, count: int) -> None:
        self.received: list[tuple[str, dict]] = []
        subscribed = threading.Event()

        async def listen() -> None:
            layer = get_channel_layer()
            channel = await layer.new_channel()
            await layer.group_add(realtime.channels_group(user_id), channel)
            subscribed.set()
            for _ in range(count):
                message = await asyncio.wait_for(layer.receive(channel), timeout=10)
                self.received.append((message["event"], message["data"]))

        self.thread = threading.Thread(target=asyncio.run, args=(listen(),))
        self.thread.start()
        assert subscribed.wait(10)

    def join(self) -> list[tuple[str, dict]]:
        self.thread.join(timeout=20)
        return self.received


def test_pushes_from_many_threads_arrive_in_order_over_one_connection():
    user_id = 987_654
    listener = Listener(user_id, 3 * 2 * 5)

    def pushes() -> None:
        name = threading.current_thread().name
        for n in range(5):
            realtime.push_to_user(user_id, [("first", {"n": n, "t": name}), ("second", {"n": n})])

    at_once(3, pushes)
    received = listener.join()
    assert len(received) == 30
    for sender in {data["t"] for event, data in received if event == "first"}:
        assert [d["n"] for e, d in received if e == "first" and d["t"] == sender] == [0, 1, 2, 3, 4]
    # one event loop, hence one Redis connection, for every send of this process
    assert len(get_channel_layer()._layers) == 1


def test_a_closed_connection_or_a_stopped_loop_loses_no_push():
    user_id = 987_655
    listener = Listener(user_id, 3)
    realtime.push_to_user(user_id, [("one", {})])
    redis = shared_redis()
    for client in redis.client_list():  # Redis restarted, or an idle timeout closed it
        if client["cmd"] == "publish":
            redis.client_kill_filter(_id=client["id"])
    realtime.push_to_user(user_id, [("two", {})])
    loop = realtime._sends_loop()  # the loop's thread ended
    loop.call_soon_threadsafe(loop.stop)
    realtime._loop_thread.join(timeout=5)
    realtime.push_to_user(user_id, [("three", {})])
    assert [event for event, _ in listener.join()] == ["one", "two", "three"]
