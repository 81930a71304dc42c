"""CryptoShop "Webhooks": the endpoints, and deliveries to a real local receiver."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
from datetime import timedelta
from itertools import pairwise

import pytest
from django.contrib.admin.sites import site
from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone

from notifications import realtime
from notifications.models import WebhookDelivery, WebhookEndpoint
from notifications.outbox import publish
from notifications.services import outbox_relay_run, webhook_delivery_attempt
from notifications.tasks import webhook_deliver, webhook_deliveries_sweep
from tests.conftest import CRYPTOSHOP
from tests.factories.accounts import CryptoShopUserFactory
from tests.helpers.events import Account

pytestmark = pytest.mark.django_db

URL = f"{CRYPTOSHOP}/webhooks"


@pytest.fixture(autouse=True)
def _no_sockets(monkeypatch):
    monkeypatch.setattr(realtime, "push_to_user", lambda *a: None)


def _auth(api, account: Account):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {account.token}")
    return api


def _body(url="https://hooks.example.com/in", events=None, secret="your-webhook-secret"):
    return {
        "url": url,
        "events": events or ["order.created", "escrow.released", "support.message"],
        "secret": secret,
    }


# --- endpoints -----------------------------------------------------------------


def test_create_webhook_as_documented(api, cs_account, allow_private):
    response = _auth(api, cs_account).post(URL, _body())
    assert response.status_code == 201
    data = response.json()["data"]
    endpoint = WebhookEndpoint.objects.get()
    assert data == {
        "id": f"webhook_{endpoint.uid}",
        "url": "https://hooks.example.com/in",
        # the document's example name `support.message` is stored as its real name
        "events": ["order.created", "escrow.released", "support.message_created"],
        "active": True,
        "createdAt": endpoint.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    assert "secret" not in data
    assert endpoint.secret == "your-webhook-secret"


def test_body_wrapped_with_access_token_is_accepted(api, cs_account, allow_private):
    response = api.post(URL, {"access_token": cs_account.token, "data": _body()}, format="json")
    assert response.status_code == 201


@pytest.mark.parametrize(
    "body,field",
    [
        ({**_body(), "events": ["order.deleted"]}, "events"),
        ({**_body(), "events": []}, "events"),
        ({**_body(), "url": "not a url"}, "url"),
        ({**_body(), "url": "ftp://example.com/x"}, "url"),
        ({k: v for k, v in _body().items() if k != "secret"}, "secret"),
    ],
)
def test_bad_input_is_a_validation_error_and_creates_nothing(
    api, cs_account, allow_private, body, field
):
    response = _auth(api, cs_account).post(URL, body)
    assert response.status_code == 400
    payload = response.json()
    assert payload["success"] is False and payload["code"] == "VALIDATION_ERROR"
    assert any(key.split(".")[0] == field for key in payload["details"])
    assert WebhookEndpoint.objects.count() == 0


def test_events_are_counted_before_they_are_read(api, cs_account, allow_private):
    response = _auth(api, cs_account).post(URL, _body(events=["no.such.event"] * 10_000))
    assert response.status_code == 400
    assert response.json()["details"] == {
        "events": ["Ensure this field has no more than 12 elements."]
    }


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
        # IPv6 forms carrying a private IPv4 (Python counts them global): NAT64, its
        # local-use prefix, 6to4, Teredo, IPv4-compatible (a security review)
        "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",
        "http://[64:ff9b::a00:5]:8080/hook",
        "http://[64:ff9b:1::5]/hook",
        "http://[2002:a00:5::1]/hook",
        "http://[2001:0:4136:e378:8000:63bf:f5ff:fffa]/hook",
        "http://[::a00:5]/hook",
    ],
)
def test_private_addresses_are_refused_when_the_setting_is_off(api, cs_account, url):
    response = _auth(api, cs_account).post(URL, _body(url=url))
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert "url" in response.json()["details"]
    assert WebhookEndpoint.objects.count() == 0


@pytest.mark.parametrize("address", ["93.184.215.14", "64:ff9b::5db8:d70e", "2002:5db8:d70e::1"])
def test_public_addresses_are_accepted_also_through_nat64_and_6to4(api, cs_account, address):
    url = f"http://[{address}]/hook" if ":" in address else f"http://{address}/hook"
    assert _auth(api, cs_account).post(URL, _body(url=url)).status_code == 201


def test_public_address_is_accepted(api, cs_account, monkeypatch):
    public = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: public)
    response = _auth(api, cs_account).post(URL, _body())
    assert response.status_code == 201


def test_no_token_is_401_in_cryptoshop_format(api):
    for method in ("get", "post"):
        response = getattr(api, method)(URL)
        assert response.status_code == 401
        assert set(response.json()) == {"success", "error", "code", "details"}
    assert api.delete(f"{URL}/webhook_x").status_code == 401


def test_list_shows_only_ones_own(api, cs_account, allow_private):
    mine = WebhookEndpoint.objects.create(
        user=cs_account.user, url="https://a.example/x", events=["order.created"], secret="s"
    )
    WebhookEndpoint.objects.create(
        user=CryptoShopUserFactory(),
        url="https://b.example/x",
        events=["order.created"],
        secret="s",
    )
    body = _auth(api, cs_account).get(URL).json()
    assert [w["id"] for w in body["data"]] == [f"webhook_{mine.uid}"]
    assert body["pagination"] == {"page": 1, "limit": 12, "total": 1, "pages": 1}


@pytest.mark.parametrize("count", [1, 15])
def test_list_query_count_does_not_grow(api, cs_account, count, django_assert_max_num_queries):
    for _ in range(count):
        WebhookEndpoint.objects.create(
            user=cs_account.user, url="https://a.example/x", events=["order.created"], secret="s"
        )
    client = _auth(api, cs_account)
    with django_assert_max_num_queries(8):
        response = client.get(URL, {"limit": 50})
    assert len(response.json()["data"]) == count


def test_delete_own_webhook_and_not_someone_elses(api, cs_account):
    mine = WebhookEndpoint.objects.create(
        user=cs_account.user, url="https://a.example/x", events=["order.created"], secret="s"
    )
    theirs = WebhookEndpoint.objects.create(
        user=CryptoShopUserFactory(),
        url="https://b.example/x",
        events=["order.created"],
        secret="s",
    )
    client = _auth(api, cs_account)
    response = client.delete(f"{URL}/webhook_{theirs.uid}")
    assert response.status_code == 404
    assert response.json()["code"] == "RESOURCE_NOT_FOUND"
    assert client.delete(f"{URL}/nonsense").status_code == 404
    response = client.delete(f"{URL}/webhook_{mine.uid}")
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Webhook deleted"}
    assert list(WebhookEndpoint.objects.all()) == [theirs]


def test_webhooks_per_account_are_limited(api, cs_account, allow_private, settings):
    settings.WEBHOOKS_PER_USER = 2
    client = _auth(api, cs_account)
    assert client.post(URL, _body()).status_code == 201
    assert client.post(URL, _body()).status_code == 201
    response = client.post(URL, _body())
    assert response.status_code == 422
    assert response.json()["code"] == "TOO_MANY_WEBHOOKS"


def test_two_factor_account_needs_its_session_token(api, cs_account, allow_private):
    from accounts.services.sessions import cryptoshop_session_start

    cs_account.user.two_factor_enabled = True
    cs_account.user.save()
    response = _auth(api, cs_account).post(URL, _body())
    assert response.status_code == 401
    assert response.json()["code"] == "TWO_FACTOR_REQUIRED"
    session_token = cryptoshop_session_start(user=cs_account.user, remember=False)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {session_token}")
    assert api.post(URL, _body()).status_code == 201


# --- deliveries ------------------------------------------------------------------


def _endpoint(user, url, events=("order.created",), secret="your-webhook-secret"):
    return WebhookEndpoint.objects.create(user=user, url=url, events=list(events), secret=secret)


def _order_created(user) -> None:
    with transaction.atomic():
        publish(
            "order.created",
            storefront="cryptoshop",
            user_id=user.pk,
            data={
                "id": "order_789",
                "buyerId": "user_123",
                "status": "PENDING",
                "totalBtc": 0.0025,
            },
        )
    outbox_relay_run()


def node_verify(payload: bytes, signature: str, secret: str) -> bool:
    """The document's Node.js `verifyWebhook`, line by line in Python."""
    expected = hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()
    return signature == f"sha256={expected}"


def test_delivery_is_signed_as_the_document_verifies_it(cs_account, receiver, allow_private):
    _endpoint(cs_account.user, f"{receiver.url}/hook")
    _endpoint(cs_account.user, f"{receiver.url}/not-subscribed", events=["escrow.released"])
    _order_created(cs_account.user)
    delivery = WebhookDelivery.objects.get()
    webhook_deliver.run(delivery.pk)

    (request,) = receiver.requests
    assert request.path == "/hook"
    assert request.headers["Content-Type"] == "application/json"
    signature = request.headers["X-Webhook-Signature"]
    assert node_verify(request.body, signature, "your-webhook-secret")
    assert not node_verify(request.body, signature, "another-secret")
    payload = json.loads(request.body)
    assert set(payload) == {"event", "timestamp", "data"}
    assert payload["event"] == "order.created"
    assert payload["data"] == {
        "id": "order_789",
        "buyerId": "user_123",
        "status": "PENDING",
        "totalBtc": 0.0025,
    }
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.response_code == 200
    assert delivery.attempts == 1


def test_failing_receiver_is_retried_with_growing_delays_then_given_up(
    cs_account, receiver, allow_private, monkeypatch, django_capture_on_commit_callbacks
):
    receiver.statuses = [500]
    _endpoint(cs_account.user, f"{receiver.url}/hook")
    _order_created(cs_account.user)
    delivery = WebhookDelivery.objects.get()
    countdowns: list[int] = []
    monkeypatch.setattr(
        webhook_deliver, "apply_async", lambda args, countdown: countdowns.append(countdown)
    )

    attempts = 0
    while True:
        with django_capture_on_commit_callbacks(execute=True):
            webhook_deliver.run(delivery.pk)
        attempts += 1
        delivery.refresh_from_db()
        assert delivery.response_code == 500 and "HTTP 500" in delivery.last_error
        if delivery.status != "pending":
            break
        # not due yet: a second task run (or the beat sweep) does nothing
        assert webhook_delivery_attempt(delivery_id=delivery.pk) is None
        # time passes until the retry is due
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())

    assert delivery.status == "failed"
    assert len(receiver.requests) == attempts == 14
    assert countdowns == sorted(countdowns) and countdowns[0] == 30
    # doubling from 30 s until the 6 h cap, then 6 h apart
    assert all(b > a for a, b in pairwise(countdowns[:11]))
    assert countdowns[-1] == 6 * 3600
    assert timedelta(hours=20) < timedelta(seconds=sum(countdowns)) < timedelta(hours=48)


def test_receiver_recovering_gets_it_on_the_retry(cs_account, receiver, allow_private):
    receiver.statuses = [503, 200]
    _endpoint(cs_account.user, f"{receiver.url}/hook")
    _order_created(cs_account.user)
    delivery = WebhookDelivery.objects.get()
    webhook_deliver.run(delivery.pk)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert webhook_deliveries_sweep.run() == 1  # beat picks up what is due
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 2
    assert receiver.requests[0].body == receiver.requests[1].body


def test_broker_down_at_fan_out_leaves_the_delivery_for_the_sweep(
    cs_account, receiver, allow_private, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*a, **k):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(webhook_deliver, "delay", broker_down)
    _endpoint(cs_account.user, f"{receiver.url}/hook")
    with django_capture_on_commit_callbacks(execute=True):
        _order_created(cs_account.user)
    assert receiver.requests == []
    assert webhook_deliveries_sweep.run() == 1
    assert len(receiver.requests) == 1


def test_private_address_is_refused_at_delivery_time(cs_account, receiver, settings):
    """DNS rebinding: the name was public when registered, points inside when sent."""
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    _endpoint(cs_account.user, f"{receiver.url}/hook")  # 127.0.0.1 (as if rebound)
    _order_created(cs_account.user)
    delivery = WebhookDelivery.objects.get()
    webhook_deliver.run(delivery.pk)
    delivery.refresh_from_db()
    assert receiver.requests == []
    assert delivery.status == "pending" and delivery.response_code is None
    assert "private or local address" in delivery.last_error


def test_delivery_goes_to_the_address_that_was_checked(cs_account, receiver, monkeypatch):
    """The request is sent to the vetted IP with the original Host header."""
    port = int(receiver.url.rsplit(":", 1)[1])
    answers = [("93.184.215.14",), ("127.0.0.1",)]
    seen: list[str] = []

    def fake_getaddrinfo(host, *args, **kwargs):
        seen.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[0][0], port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    from notifications import webhooks

    captured: dict = {}

    class Recorder:
        def __init__(self, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def build_request(self, method, url, **kwargs):
            captured.update(url=url, **kwargs)
            return None

        def send(self, request):
            class R:
                status_code = 204
                text = ""

            return R()

    monkeypatch.setattr(webhooks.httpx, "Client", Recorder)
    outcome = webhooks.post("https://hooks.example.com:8443/in?x=1", "{}", "s")
    assert outcome.ok
    assert captured["url"] == "https://93.184.215.14:8443/in?x=1"
    assert captured["headers"]["Host"] == "hooks.example.com:8443"
    assert captured["extensions"] == {"sni_hostname": "hooks.example.com"}
    assert seen == ["hooks.example.com"]


def test_admin_redeliver_action_sends_it_again(cs_account, receiver, allow_private):
    from notifications.admin import WebhookDeliveryAdmin
    from tests.factories.accounts import StaffUserFactory

    _endpoint(cs_account.user, f"{receiver.url}/hook")
    _order_created(cs_account.user)
    delivery = WebhookDelivery.objects.get()
    webhook_deliver.run(delivery.pk)
    assert len(receiver.requests) == 1

    admin = WebhookDeliveryAdmin(WebhookDelivery, site)
    request = RequestFactory().post("/admin/")
    request.user = StaffUserFactory(is_superuser=True)
    request._messages = type("M", (), {"add": lambda *a, **k: None})()
    admin.redeliver(request, WebhookDelivery.objects.filter(pk=delivery.pk))
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.attempts == 0
    webhook_deliver.run(delivery.pk)
    assert len(receiver.requests) == 2
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 1


def test_admin_delivery_log_page_renders(client, cs_account, receiver, allow_private):
    from tests.factories.accounts import StaffUserFactory

    _endpoint(cs_account.user, f"{receiver.url}/hook")
    _order_created(cs_account.user)
    client.force_login(StaffUserFactory(is_superuser=True))
    response = client.get("/admin/notifications/webhookdelivery/")
    assert response.status_code == 200
    assert b"Redeliver" in response.content
    assert b"order.created" in response.content


def test_a_redirect_is_not_followed_and_counts_as_a_failure(cs_account, receiver, allow_private):
    receiver.statuses = [302]
    _endpoint(cs_account.user, f"{receiver.url}/hook")
    _order_created(cs_account.user)
    delivery = WebhookDelivery.objects.get()
    webhook_deliver.run(delivery.pk)
    delivery.refresh_from_db()
    assert len(receiver.requests) == 1
    assert delivery.status == "pending" and delivery.response_code == 302


def test_the_delivery_log_is_pruned_after_its_retention_but_pending_ones_stay(settings):
    from notifications.tasks import webhook_log_prune

    endpoint = WebhookEndpoint.objects.create(
        user=CryptoShopUserFactory(), url="https://hooks.example.com/in", secret="s"
    )
    old = timezone.now() - timedelta(days=31)
    status = WebhookDelivery.Status

    def delivery(state, created_at):
        return WebhookDelivery.objects.create(
            endpoint=endpoint, event_name="order.updated", body="{}", status=state,
            created_at=created_at,
        )  # fmt: skip

    delivery(status.DELIVERED, old)
    delivery(status.FAILED, old)
    kept = {
        delivery(status.PENDING, old).pk,
        delivery(status.DELIVERED, timezone.now() - timedelta(days=29)).pk,
    }
    assert webhook_log_prune.delay().get() == 2
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == kept
    settings.WEBHOOK_LOG_RETENTION_DAYS = 1
    assert webhook_log_prune.delay().get() == 1
    assert "notifications.tasks.webhook_log_prune" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
