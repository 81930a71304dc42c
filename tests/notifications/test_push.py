"""Push devices: the sender interface, FCM HTTP v1 against a local fake server, with access
tokens minted by google-auth from a service-account key at a local fake token endpoint."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction

from notifications import push, realtime
from notifications.models import EventDelivery, OutboxEvent, PushDevice
from notifications.outbox import publish
from notifications.services import outbox_relay_run
from tests.conftest import TECHAVEN, techaven_client
from tests.helpers.events import UNREGISTERED_TOKEN, service_account_info

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
    assert request.path == "/v1/projects/duka-test/messages:send"  # the key's project
    assert request.headers["Authorization"] == "Bearer ya29.test-token-1"
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


def _bearers(fake_fcm) -> list[str]:
    return [r.headers["Authorization"] for r in fake_fcm.requests]


def test_the_access_token_is_minted_from_the_service_account_key_and_kept(
    th_account, fake_fcm, fake_oauth
):
    """A device registered over HTTP; its pushes carry the token the token endpoint gave for
    the key's signed JWT (scope firebase.messaging), minted once for many sends."""
    response = techaven_client(th_account.user).post(
        f"{TECHAVEN}/notifications/register-device",
        {"device_token": "live-token", "platform": "android"},
        format="json",
    )
    assert response.status_code == 200
    for _ in range(3):
        _publish(th_account.user)
        assert outbox_relay_run() == 1
    assert fake_oauth.refusals == []
    assert fake_oauth.minted == ["ya29.test-token-1"]
    [claims] = fake_oauth.claims
    assert claims["scope"] == "https://www.googleapis.com/auth/firebase.messaging"
    assert _bearers(fake_fcm) == ["Bearer ya29.test-token-1"] * 3


def test_a_token_about_to_expire_is_minted_again_before_the_next_run(
    th_account, fake_fcm, fake_oauth
):
    PushDevice.objects.create(user=th_account.user, token="live-token", platform="android")
    # google-auth renews a token in its last minutes: one that lives two minutes is due at once
    fake_oauth.expires_in = 120
    _publish(th_account.user)
    assert outbox_relay_run() == 1
    fake_oauth.expires_in = 3600
    _publish(th_account.user)
    assert outbox_relay_run() == 1
    _publish(th_account.user)
    assert outbox_relay_run() == 1
    assert fake_oauth.minted == ["ya29.test-token-1", "ya29.test-token-2"]
    assert _bearers(fake_fcm) == [
        "Bearer ya29.test-token-1",
        "Bearer ya29.test-token-2",
        "Bearer ya29.test-token-2",
    ]


def test_the_key_may_be_a_file_and_the_project_another(
    th_account, fake_fcm, fake_oauth, service_account_key, settings, tmp_path
):
    key_file = tmp_path / "firebase-service-account.json"
    key_file.write_text(json.dumps(service_account_info(service_account_key, fake_oauth.token_uri)))
    del settings.FCM_SERVICE_ACCOUNT_JSON
    settings.FCM_SERVICE_ACCOUNT_FILE = str(key_file)
    settings.FCM_PROJECT_ID = "duka-firebase"
    PushDevice.objects.create(user=th_account.user, token="live-token", platform="android")
    _publish(th_account.user)
    assert outbox_relay_run() == 1
    [request] = fake_fcm.requests
    assert request.path == "/v1/projects/duka-firebase/messages:send"
    assert request.headers["Authorization"] == "Bearer ya29.test-token-1"


def test_a_key_the_token_endpoint_refuses_sends_nothing_and_the_event_is_retried(
    th_account, fake_fcm, fake_oauth, settings
):
    from cryptography.hazmat.primitives.asymmetric import rsa

    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings.FCM_SERVICE_ACCOUNT_JSON = json.dumps(
        service_account_info(stranger, fake_oauth.token_uri)
    )
    PushDevice.objects.create(user=th_account.user, token="live-token", platform="android")
    event = _publish(th_account.user)
    assert outbox_relay_run() == 0
    event.refresh_from_db()
    assert "FCM access token" in event.last_error
    assert event.delivered_at is None and event.next_attempt_at is not None
    assert fake_oauth.refusals == ["bad signature"] * len(fake_oauth.requests)
    assert fake_fcm.requests == []


@pytest.mark.django_db(transaction=True)
def test_tokens_are_minted_outside_transactions_only(th_account, fake_fcm, fake_oauth, monkeypatch):
    """Minting calls Google: the relay does it before it locks an event, and a send inside the
    event's transaction never does; a token that ran out there fails the push for a retry.
    (Committed here, so each publish runs the relay after its commit, as in production.)"""
    in_transaction: list[bool] = []
    call = push._HttpxRequest.__call__

    def recording(self, *args, **kwargs):
        in_transaction.append(connection.in_atomic_block)
        return call(self, *args, **kwargs)

    monkeypatch.setattr(push._HttpxRequest, "__call__", recording)
    PushDevice.objects.create(user=th_account.user, token="live-token", platform="android")
    first = _publish(th_account.user)
    first.refresh_from_db()
    assert first.delivered_at is not None
    assert in_transaction == [False]

    with monkeypatch.context() as patched:
        # the token runs out between the relay's preparation and the send
        patched.setattr(push, "prepare", lambda: None)
        holder = push.fcm_access_token()
        holder.credentials.expiry = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1)
        event = _publish(th_account.user)
    event.refresh_from_db()
    assert event.delivered_at is None
    assert "no usable FCM access token (expired)" in event.last_error
    assert fake_oauth.minted == ["ya29.test-token-1"]

    # the relay prepares again: a token minted before the event is locked
    OutboxEvent.objects.filter(pk=event.pk).update(next_attempt_at=None)
    assert outbox_relay_run() == 1
    assert fake_oauth.minted == ["ya29.test-token-1", "ya29.test-token-2"]
    assert in_transaction == [False, False]
    assert _bearers(fake_fcm) == ["Bearer ya29.test-token-1", "Bearer ya29.test-token-2"]
