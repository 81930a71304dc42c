"""BRIEF decision 11: every error in the storefront's format, a 500 without a stack trace."""

import pytest
from django.test import override_settings

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.helpers.urls")]


def assert_no_internals(response):
    text = response.content.decode()
    for leak in ("Traceback", "RuntimeError", "hunter2", "secret internals", ".py"):
        assert leak not in text


def test_a_crash_is_a_cryptoshop_500_without_a_stack_trace(api):
    response = api.get("/cryptoshop/api/test/boom")
    assert response.status_code == 500
    assert response.json() == {
        "success": False,
        "error": "Internal server error",
        "code": "INTERNAL_ERROR",
        "details": {},
    }
    assert_no_internals(response)


def test_a_crash_is_a_techaven_500_without_a_stack_trace(api):
    response = api.get("/techaven/api/test/boom")
    assert response.status_code == 500
    assert response.json() == {"success": False, "message": "Internal server error", "errors": {}}
    assert_no_internals(response)


def test_text_plain_answers_415_in_each_format(api):
    cs = api.post("/cryptoshop/api/auth/login", "accessToken=x", content_type="text/plain")
    assert cs.status_code == 415
    assert cs.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert set(cs.json()) == {"success", "error", "code", "details"}
    th = api.post("/techaven/api/test/echo", "x", content_type="text/plain")
    assert th.status_code == 415
    assert set(th.json()) == {"success", "message", "errors"}


@override_settings(MAX_REQUEST_BODY_BYTES=100)
def test_an_oversize_body_answers_413_in_each_format(api):
    body = {"accessToken": "x" * 500}
    cs = api.post("/cryptoshop/api/auth/login", body, format="json")
    assert cs.status_code == 413
    assert cs.json()["code"] == "PAYLOAD_TOO_LARGE"
    assert set(cs.json()) == {"success", "error", "code", "details"}
    th = api.post("/techaven/api/test/echo", body, format="json")
    assert th.status_code == 413
    assert th.json()["success"] is False and "errors" in th.json()


def test_a_wrong_method_answers_405_in_cryptoshop_format(api):
    response = api.get("/cryptoshop/api/auth/login")
    assert response.status_code == 405
    body = response.json()
    assert set(body) == {"success", "error", "code", "details"}
    assert body["code"] == "METHOD_NOT_ALLOWED"


def test_malformed_json_is_a_validation_error(api):
    response = api.post("/cryptoshop/api/auth/login", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
