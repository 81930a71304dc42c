"""Push devices: the sender interface, FCM HTTP v1 against a local fake server."""

from __future__ import annotations

import json
import logging

import pytest
from django.db import transaction

from notifications import realtime
from notifications.models import EventDelivery, OutboxEvent, PushDevice
from notifications.outbox import publish
from notifications.services import outbox_relay_run
from tests.helpers.events import UNREGISTERED_TOKEN

pytestmark = pytest.mark.django_db

NOTE = {"type": "order_update", "title": "Order Shipped", "body": "On its way", "data": {"n": 7}}


@pytest.fixture(autouse=True)
def _no_sockets(monkeypatch):
    monkeypatch.setattr(realtime, "push_to_user", lambda *a: None)


def _publish(user, notification=NOTE) -> OutboxEvent:
    with transaction.atomic():
        return publish(
            "order.updated",
            storefront="techaven",
            user_id=user.pk,
            data={"id": "ord_1", "status": "shipped"},
            notification=notification,
        )


def test_logging_sender_is_the_default(th_account, caplog):
    PushDevice.objects.create(user=th_account.user, token="tok-123456789012345", platform="ios")
    with caplog.at_level(logging.INFO, logger="notifications.push"):
        _publish(th_account.user)
        assert outbox_relay_run() == 1
    assert "Order Shipped" in caplog.text


def test_fcm_sender_sends_each_device_once_and_drops_unregistered_tokens(th_account, fake_fcm):
    live = PushDevice.objects.create(user=th_account.user, token="live-token", platform="android")
    PushDevice.objects.create(user=th_account.user, token=UNREGISTERED_TOKEN, platform="ios")
    event = _publish(th_account.user)
    assert outbox_relay_run() == 1
    OutboxEvent.objects.filter(pk=event.pk).update(delivered_at=None)
    outbox_relay_run()  # a second run sends nothing again

    assert len(fake_fcm.requests) == 2
    sent = json.loads(fake_fcm.requests[0].body)
    request = fake_fcm.requests[0]
    assert request.path == "/v1/projects/duka-test/messages:send"
    assert request.headers["Authorization"] == "Bearer test-bearer"
    message = sent["message"]
    assert message["token"] == "live-token"
    assert message["notification"] == {"title": "Order Shipped", "body": "On its way"}
    assert message["data"]["n"] == "7"  # FCM data values are strings
    assert message["data"]["notification_id"].startswith("notif_")
    assert list(PushDevice.objects.all()) == [live]


def test_fcm_unavailable_is_retried_by_the_next_relay_run(th_account, fake_fcm):
    PushDevice.objects.create(user=th_account.user, token="busy-token", platform="android")
    PushDevice.objects.create(user=th_account.user, token="live-token", platform="android")
    event = _publish(th_account.user)
    assert outbox_relay_run() == 0
    event.refresh_from_db()
    assert "503" in event.last_error
    assert PushDevice.objects.count() == 2
    # the device that failed is retried; nothing is sent twice to the other ones
    PushDevice.objects.filter(token="busy-token").update(token="now-fine")
    OutboxEvent.objects.filter(pk=event.pk).update(next_attempt_at=None)
    assert outbox_relay_run() == 1
    tokens = [json.loads(r.body)["message"]["token"] for r in fake_fcm.requests]
    assert tokens.count("live-token") == 1
    assert EventDelivery.objects.filter(event=event, subscriber__startswith="push:").count() == 2


def test_no_push_without_a_notification(th_account, fake_fcm):
    PushDevice.objects.create(user=th_account.user, token="live-token", platform="android")
    _publish(th_account.user, notification=None)
    assert outbox_relay_run() == 1
    assert fake_fcm.requests == []
