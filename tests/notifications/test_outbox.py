"""The outbox: never lost, never twice per subscriber, in order per user."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone

from notifications import realtime
from notifications.models import EventDelivery, Notification, OutboxEvent, WebhookDelivery
from notifications.outbox import publish
from notifications.services import outbox_prune, outbox_relay_run
from notifications.tasks import outbox_relay, webhook_deliver
from tests.helpers.events import Account
from tests.helpers.parallel import at_once

pytestmark = pytest.mark.django_db

NOTE = {"type": "order_update", "title": "Order Shipped", "body": "Shipped!", "data": {"x": 1}}


@pytest.fixture
def pushes(monkeypatch) -> list[tuple[int, list]]:
    """What the relay pushed to sockets (the real-time transport itself is tested elsewhere)."""
    sent: list[tuple[int, list]] = []
    monkeypatch.setattr(realtime, "push_to_user", lambda uid, msgs: sent.append((uid, msgs)))
    return sent


def _publish(user, name="order.updated", status="CONFIRMED", notification=NOTE) -> OutboxEvent:
    with transaction.atomic():
        return publish(
            name,
            storefront="cryptoshop",
            user_id=user.pk,
            data={"id": "order_1", "status": status},
            notification=notification,
        )


def test_event_published_in_a_rolled_back_transaction_is_never_delivered(
    cs_account: Account, pushes, django_capture_on_commit_callbacks
):
    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Boom), transaction.atomic():
            publish("order.created", storefront="cryptoshop", user_id=cs_account.user.pk, data={})
            raise Boom
    assert callbacks == []
    assert OutboxEvent.objects.count() == 0
    assert outbox_relay_run() == 0
    assert pushes == []


def test_committed_event_is_relayed_after_commit(
    cs_account: Account, pushes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event = _publish(cs_account.user)
    event.refresh_from_db()
    assert event.delivered_at is not None
    notification = Notification.objects.get(event=event)
    assert notification.user == cs_account.user
    (user_id, messages), *_ = pushes
    assert user_id == cs_account.user.pk
    assert messages[0] == (
        "order:updated",
        {"orderId": "order_1", "status": "CONFIRMED", "message": "Shipped!"},
    )
    name, payload = messages[1]
    assert name == "notification"
    assert payload == {
        "id": f"notif_{notification.uid}",
        "type": "order_update",
        "title": "Order Shipped",
        "message": "Shipped!",
        "data": {"x": 1},
        "createdAt": notification.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def test_broker_down_only_delays_the_event(
    cs_account: Account, pushes, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(outbox_relay, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        event = _publish(cs_account.user)  # the on-commit scheduling fails, quietly
    event.refresh_from_db()
    assert event.delivered_at is None and pushes == []

    outbox_relay.run()  # what beat runs every few seconds
    event.refresh_from_db()
    assert event.delivered_at is not None
    assert len(pushes) == 1


def test_subscriber_raising_is_retried_by_the_next_run_and_nothing_repeats(
    cs_account: Account, monkeypatch
):
    calls: list[int] = []

    def flaky(user_id, messages):
        calls.append(user_id)
        if len(calls) == 1:
            raise RuntimeError("socket layer down")

    monkeypatch.setattr(realtime, "push_to_user", flaky)
    event = _publish(cs_account.user)
    assert outbox_relay_run() == 0
    event.refresh_from_db()
    assert event.delivered_at is None
    assert event.attempts == 1 and "socket layer down" in event.last_error
    # the notification was made before the failure and is kept, not made again
    assert Notification.objects.filter(event=event).count() == 1

    OutboxEvent.objects.filter(pk=event.pk).update(next_attempt_at=timezone.now())
    assert outbox_relay_run() == 1
    assert len(calls) == 2
    assert Notification.objects.filter(event=event).count() == 1
    event.refresh_from_db()
    assert event.delivered_at is not None


def test_each_subscriber_gets_the_event_once_when_the_relay_runs_twice(
    cs_account: Account, pushes, receiver, allow_private, api
):
    from notifications.models import WebhookEndpoint

    WebhookEndpoint.objects.create(
        user=cs_account.user, url=receiver.url, events=["order.updated"], secret="s"
    )
    event = _publish(cs_account.user)
    # a relay that died after its work but before marking the event delivered
    assert outbox_relay_run() == 1
    OutboxEvent.objects.filter(pk=event.pk).update(delivered_at=None)
    assert outbox_relay_run() == 1

    assert len(pushes) == 1
    assert Notification.objects.count() == 1
    assert WebhookDelivery.objects.count() == 1
    # eager Celery: the delivery ran once, on commit (captured here by hand)
    webhook_deliver.run(WebhookDelivery.objects.get().pk)
    webhook_deliver.run(WebhookDelivery.objects.get().pk)
    assert len(receiver.requests) == 1
    assert set(EventDelivery.objects.values_list("subscriber", flat=True)) == {
        "realtime",
        "webhooks",
    }


def test_a_users_events_stay_in_order_when_one_fails(cs_account: Account, monkeypatch):
    order: list[str] = []

    def push(user_id, messages):
        status = messages[0][1]["status"]
        if status == "FIRST" and "FIRST" not in order:
            order.append("FIRST")
            raise RuntimeError("try again")
        order.append(status)

    monkeypatch.setattr(realtime, "push_to_user", push)
    first = _publish(cs_account.user, status="FIRST", notification=None)
    second = _publish(cs_account.user, status="SECOND", notification=None)
    assert outbox_relay_run() == 0  # the second waits behind the first
    second.refresh_from_db()
    assert second.delivered_at is None and second.attempts == 0

    OutboxEvent.objects.filter(pk=first.pk).update(next_attempt_at=None)
    assert outbox_relay_run() == 2
    assert order == ["FIRST", "FIRST", "SECOND"]


def test_another_users_events_are_not_held_up(cs_account: Account, monkeypatch):
    from tests.factories.accounts import CryptoShopUserFactory

    other = CryptoShopUserFactory()
    delivered: list[int] = []

    def push(user_id, messages):
        if user_id == cs_account.user.pk:
            raise RuntimeError("down for this one")
        delivered.append(user_id)

    monkeypatch.setattr(realtime, "push_to_user", push)
    _publish(cs_account.user, notification=None)
    _publish(other, notification=None)
    assert outbox_relay_run() == 1
    assert delivered == [other.pk]


def test_an_event_failing_too_often_is_set_aside_for_staff(
    cs_account: Account, monkeypatch, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    monkeypatch.setattr(
        realtime, "push_to_user", lambda *a: (_ for _ in ()).throw(RuntimeError("x"))
    )
    event = _publish(cs_account.user, notification=None)
    outbox_relay_run()
    OutboxEvent.objects.filter(pk=event.pk).update(next_attempt_at=None)
    outbox_relay_run()
    event.refresh_from_db()
    assert event.failed_at is not None and event.delivered_at is None
    # a later event of the same user is no longer held up by it
    later = _publish(cs_account.user, notification=None)
    monkeypatch.setattr(realtime, "push_to_user", lambda *a: None)
    assert outbox_relay_run() == 1
    later.refresh_from_db()
    assert later.delivered_at is not None

    from notifications.services import event_retry

    assert event_retry(event_ids=[event.pk]) == 1
    assert outbox_relay_run() == 1


def test_staff_retrying_a_set_aside_event_repeats_none_of_its_done_steps(
    cs_account: Account, monkeypatch, settings, receiver, allow_private, api
):
    """Staff's retry resets the attempts, not what the failed attempts did: the retried
    event keeps its notification and its webhook, and only the failed step runs again."""
    from notifications.models import WebhookEndpoint
    from notifications.services import event_retry

    settings.OUTBOX_MAX_ATTEMPTS = 1
    WebhookEndpoint.objects.create(
        user=cs_account.user, url=receiver.url, events=["order.updated"], secret="s"
    )
    monkeypatch.setattr(
        realtime, "push_to_user", lambda *a: (_ for _ in ()).throw(RuntimeError("down"))
    )
    event = _publish(cs_account.user)
    assert outbox_relay_run() == 0
    event.refresh_from_db()
    assert event.failed_at is not None
    pushed: list[int] = []
    monkeypatch.setattr(realtime, "push_to_user", lambda user_id, messages: pushed.append(1))
    assert event_retry(event_ids=[event.pk]) == 1
    assert outbox_relay_run() == 1
    assert pushed == [1]
    assert Notification.objects.filter(event=event).count() == 1
    assert WebhookDelivery.objects.filter(event=event).count() == 1


def test_a_first_attempt_makes_its_notification_and_records_each_step_once(
    cs_account: Account, pushes, django_assert_max_num_queries
):
    event = _publish(cs_account.user)
    # 22 when every step first looked for an earlier attempt's record and the notification
    # was made with get_or_create (a first attempt has none to find), 15 while a user
    # without webhooks had a webhooks step (its savepoint, its record)
    with django_assert_max_num_queries(12):
        assert outbox_relay_run() == 1
    assert Notification.objects.filter(event=event).count() == 1
    assert len(pushes) == 1
    assert list(EventDelivery.objects.values_list("subscriber", flat=True)) == ["realtime"]


def test_delivered_events_are_pruned_after_the_retention_period(cs_account: Account, pushes):
    old = _publish(cs_account.user, notification=None)
    recent = _publish(cs_account.user, notification=None)
    pending = _publish(cs_account.user, notification=None)
    outbox_relay_run()
    OutboxEvent.objects.filter(pk=pending.pk).update(delivered_at=None)
    OutboxEvent.objects.filter(pk=old.pk).update(delivered_at=timezone.now() - timedelta(days=8))
    assert outbox_prune() == 1
    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {recent.pk, pending.pk}


def test_beat_schedule_runs_the_relay_the_sweep_and_the_pruning():
    tasks = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "notifications.tasks.outbox_relay",
        "notifications.tasks.webhook_deliveries_sweep",
        "notifications.tasks.outbox_prune",
    } <= tasks


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not django_settings.USES_POSTGRES, reason="SKIP LOCKED needs PostgreSQL")
def test_relays_running_side_by_side_deliver_each_event_once(monkeypatch):
    from tests.factories.accounts import CryptoShopUserFactory

    monkeypatch.setattr(outbox_relay, "delay", lambda: None)  # leave them to the relays below
    users = [CryptoShopUserFactory() for _ in range(4)]
    for user in users:
        for n in range(5):
            _publish(user, status=f"S{n}", notification=None)
    seen: list[tuple[int, str]] = []
    lock = threading.Lock()

    def push(user_id, messages):
        with lock:
            seen.append((user_id, messages[0][1]["status"]))

    monkeypatch.setattr(realtime, "push_to_user", push)

    def relay() -> None:
        for _ in range(5):
            outbox_relay_run()

    at_once(4, relay)
    assert len(seen) == 20 and len(set(seen)) == 20
    for user in users:
        assert [s for u, s in seen if u == user.pk] == ["S0", "S1", "S2", "S3", "S4"]
    assert not OutboxEvent.objects.filter(delivered_at__isnull=True).exists()


# --- relays take turns (with Redis) ----------------------------------------------------
needs_redis = pytest.mark.skipif(
    not django_settings.REDIS_URL, reason="relays take turns through Redis"
)


@pytest.fixture
def queued(monkeypatch) -> list[float]:
    """The relays queued (not run: the broker holds them): in how many seconds each starts."""
    calls: list[float] = []
    monkeypatch.setattr(outbox_relay, "delay", lambda: calls.append(0))
    monkeypatch.setattr(outbox_relay, "apply_async", lambda countdown: calls.append(countdown))
    return calls


@pytest.fixture
def tasks_on_a_broker():
    """Tasks go to the broker (here, `queued`) as with a real worker, not run inline."""
    conf = outbox_relay.app.conf
    inline, conf.task_always_eager = conf.task_always_eager, False
    yield
    conf.task_always_eager = inline


@needs_redis
def test_commits_queue_one_relay_until_it_starts(
    cs_account: Account, pushes, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _publish(cs_account.user, status="S0")
    with django_capture_on_commit_callbacks(execute=True):
        _publish(cs_account.user, status="S1")
    assert len(queued) == 1  # the queued relay will see both

    outbox_relay.run()  # the worker runs it: both are delivered
    assert [messages[0][1]["status"] for _, messages in pushes] == ["S0", "S1"]
    with django_capture_on_commit_callbacks(execute=True):
        _publish(cs_account.user, status="S2")
    assert len(queued) == 2  # it started, so the next commit queues the next one


@needs_redis
def test_a_relay_the_broker_refused_does_not_hold_back_the_next(
    cs_account: Account, pushes, monkeypatch, django_capture_on_commit_callbacks
):
    calls: list[None] = []

    def broker_down() -> None:
        calls.append(None)
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(outbox_relay, "delay", broker_down)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            _publish(cs_account.user)
    assert len(calls) == 2


@needs_redis
@pytest.mark.django_db(transaction=True)
def test_a_relay_waits_for_its_turn_and_then_sees_what_was_committed_meanwhile(
    cs_account: Account, pushes, queued
):
    from notifications.outbox import relay_turn

    done = threading.Event()

    def waiting_relay() -> None:
        try:
            outbox_relay.run()
        finally:
            from django.db import connection

            connection.close()
            done.set()

    with relay_turn():  # a relay runs
        _publish(cs_account.user, status="S0")  # queues the next one
        assert len(queued) == 1
        thread = threading.Thread(target=waiting_relay)  # the worker starts it
        thread.start()
        assert not done.wait(0.5)  # it waits for the turn
        _publish(cs_account.user, status="S1")  # a relay is waiting: nothing more is queued
        assert len(queued) == 1 and pushes == []
    thread.join(timeout=10)
    assert done.is_set()
    assert [messages[0][1]["status"] for _, messages in pushes] == ["S0", "S1"]


def test_a_backlog_drains_in_one_run_a_batch_at_a_time(cs_account: Account, pushes, queued):
    from tests.factories.accounts import CryptoShopUserFactory

    users = [cs_account.user, *(CryptoShopUserFactory() for _ in range(4))]
    for user in users:
        _publish(user, notification=None)
    assert outbox_relay_run(batch_size=2) == 5
    assert len(pushes) == 5
    assert outbox_relay_run(batch_size=2, max_batches=1) == 0


def test_a_user_held_back_does_not_hold_back_the_users_after(cs_account: Account, pushes):
    from tests.factories.accounts import CryptoShopUserFactory

    waiting = _publish(cs_account.user, status="S0")  # failed once, retried in a minute
    OutboxEvent.objects.filter(pk=waiting.pk).update(
        attempts=1, next_attempt_at=timezone.now() + timedelta(minutes=1)
    )
    _publish(cs_account.user, status="S1")  # these wait for S0
    _publish(cs_account.user, status="S2")
    other = CryptoShopUserFactory()
    _publish(other, status="T0")

    assert outbox_relay_run(batch_size=2) == 1  # the first batch is all held back
    assert [(user_id, messages[0][1]["status"]) for user_id, messages in pushes] == [
        (other.pk, "T0")
    ]


@needs_redis
def test_relays_go_without_turns_while_redis_does_not_answer(
    cs_account: Account, pushes, queued, monkeypatch, django_capture_on_commit_callbacks
):
    from redis.exceptions import ConnectionError as RedisConnectionError

    from notifications import outbox

    class Unanswering:
        def __getattr__(self, name):
            def fails(*args, **kwargs):
                raise RedisConnectionError("Redis is down")

            return fails

    monkeypatch.setattr(outbox, "shared_redis", Unanswering)  # the turn's lock
    monkeypatch.setattr("core.cache.cache", Unanswering())  # the mark
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            _publish(cs_account.user)
    assert len(queued) == 2  # no mark to hold the second back: queued anyway
    assert outbox_relay.run() == 2  # and it runs, without its turn
    assert len(pushes) == 2


@needs_redis
@pytest.mark.skipif(not django_settings.USES_POSTGRES, reason="SKIP LOCKED needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_events_another_relay_held_are_looked_at_again_a_second_later(
    cs_account: Account, pushes, queued, tasks_on_a_broker
):
    from notifications import locks

    first = _publish(cs_account.user, status="S0")
    _publish(cs_account.user, status="S1")  # after it: waits for it
    del queued[:]
    holding, release = threading.Event(), threading.Event()

    def another_relay() -> None:  # holds S0 a while, then lets it go undelivered
        from django.db import connection

        try:
            with transaction.atomic():
                assert locks.outbox_event_claim(first.pk) is not None
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=another_relay)
    thread.start()
    assert holding.wait(10)
    assert outbox_relay.run() == 0  # the queued relay: S0 held, so S1 waits too
    assert queued == [1.0]  # and a relay comes back for them in a second
    release.set()
    thread.join(10)

    assert outbox_relay.run() == 2  # that relay
    assert [messages[0][1]["status"] for _, messages in pushes] == ["S0", "S1"]
    assert queued == [1.0]  # nothing held this time: none more


def test_an_event_waiting_for_an_earlier_ones_retry_queues_no_relay(
    cs_account: Account, pushes, queued, tasks_on_a_broker
):
    waiting = _publish(cs_account.user, status="S0")
    OutboxEvent.objects.filter(pk=waiting.pk).update(
        attempts=1, next_attempt_at=timezone.now() + timedelta(minutes=1)
    )
    _publish(cs_account.user, status="S1")
    del queued[:]
    assert outbox_relay.run() == 0
    assert queued == []  # its retry is beat's, in a minute: no relay spins meanwhile
