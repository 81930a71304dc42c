"""Idempotency-Key: replay, 422 on a different body, 409 while running, 5xx frees the key,
24 h lifetime, scoped to the caller."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.services.cryptoshop_auth import cryptoshop_user_register
from storefronts.models import IdempotencyRecord
from tests.cryptoshop.conftest import client_with

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.foundation.urls")]

URL = "/cryptoshop/api/test/counter"


def post(client, body, key="key-1"):
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retry_replays_the_first_response_and_runs_nothing(api, calls):
    first = post(api, {"item": 1})
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    again = post(api, {"item": 1})
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert len(calls) == 1


def test_without_the_header_every_request_runs(api, calls):
    api.post(URL, {"item": 1}, format="json")
    api.post(URL, {"item": 1}, format="json")
    assert len(calls) == 2


def test_the_same_key_with_another_body_answers_422(api, calls):
    post(api, {"item": 1})
    other = post(api, {"item": 2})
    assert other.status_code == 422
    assert other.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert set(other.json()) == {"success", "error", "code", "details"}
    assert len(calls) == 1


def test_a_retry_while_the_first_still_runs_answers_409(api, calls):
    post(api, {"item": 1})
    IdempotencyRecord.objects.update(status_code=None, body=None)  # as if still running
    running = post(api, {"item": 1})
    assert running.status_code == 409
    assert running.json()["code"] == "IDEMPOTENCY_IN_PROGRESS"
    assert len(calls) == 1


def test_a_5xx_frees_the_key(api, calls):
    failed = post(api, {"fail": True})
    assert failed.status_code == 500
    assert not IdempotencyRecord.objects.exists()
    retried = post(api, {"fail": True})
    assert retried.status_code == 500 and "Idempotent-Replayed" not in retried
    assert len(calls) == 2


def test_a_record_older_than_24_hours_is_ignored(api, calls):
    post(api, {"item": 1})
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=24, minutes=1))
    fresh = post(api, {"item": 1})
    assert fresh.status_code == 201 and "Idempotent-Replayed" not in fresh
    assert len(calls) == 2


def test_a_record_younger_than_24_hours_still_replays(api, calls):
    post(api, {"item": 1})
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=23))
    assert post(api, {"item": 1})["Idempotent-Replayed"] == "true"
    assert len(calls) == 1


def test_keys_are_scoped_to_the_caller(api, calls):
    alice = cryptoshop_user_register()
    bob = cryptoshop_user_register()
    assert post(client_with(alice.access_token), {"item": 1}).status_code == 201
    bobs = post(client_with(bob.access_token), {"item": 1})
    assert bobs.status_code == 201 and "Idempotent-Replayed" not in bobs
    anonymous = post(api, {"item": 1})
    assert "Idempotent-Replayed" not in anonymous
    assert [c["user"] for c in calls] == [alice.user.pk, bob.user.pk, None]
    assert post(client_with(alice.access_token), {"item": 1})["Idempotent-Replayed"] == "true"


def test_an_overlong_key_is_a_validation_error(api, calls):
    response = post(api, {"item": 1}, key="k" * 256)
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert not calls
