"""Techaven section 10: payment methods with `available_providers`; numbers checked per network."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import PaymentMethod
from tests.factories.accounts import PaymentMethodFactory, TechavenUserFactory
from tests.helpers.techaven import assert_error

pytestmark = pytest.mark.django_db

AIRTEL = {
    "type": "mobile_money",
    "provider": "Airtel Money",
    "phone_number": "+265991234567",
    "is_default": True,
}
PROVIDERS = [
    {"type": "mobile_money", "provider": "Airtel Money", "icon": "airtel_money"},
    {"type": "mobile_money", "provider": "TNM Mpamba", "icon": "tnm_mpamba"},
    {"type": "bank_transfer", "provider": "National Bank", "icon": "national_bank"},
    # the wallet issue: the Techaven wallet pays orders too (`payment_method_id: "wallet"`)
    {"type": "wallet", "provider": "Techaven Wallet", "icon": "wallet"},
]


def _defaults(user) -> list[str]:
    return list(
        PaymentMethod.objects.filter(user=user, is_default=True).values_list("uid", flat=True)
    )


def test_list_answers_the_documented_shape(signed_in, user):
    airtel = PaymentMethodFactory(user=user, is_default=True)
    tnm = PaymentMethodFactory(user=user, provider="TNM Mpamba", phone_number="+265881234567")
    PaymentMethod.objects.filter(pk=tnm.pk).update(created_at=timezone.now() + timedelta(1))
    response = signed_in.get("payment-methods")
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Payment methods retrieved"
    methods = body["data"]["payment_methods"]
    assert [m["id"] for m in methods] == [f"pm_{airtel.uid}", f"pm_{tnm.uid}"]
    assert methods[0] == {
        "id": f"pm_{airtel.uid}",
        "type": "mobile_money",
        "provider": "Airtel Money",
        "phone_number": "+265991234567",
        "is_default": True,
        "created_at": methods[0]["created_at"],
    }
    assert methods[1]["provider"] == "TNM Mpamba" and methods[1]["is_default"] is False
    assert body["data"]["available_providers"] == PROVIDERS


def test_an_empty_list_still_lists_the_providers(signed_in):
    data = signed_in.get("payment-methods").json()["data"]
    assert data == {"payment_methods": [], "available_providers": PROVIDERS}


def test_a_bank_account_is_shown_masked(signed_in, user):
    signed_in.post(
        "payment-methods",
        {"type": "bank_transfer", "provider": "National Bank", "account_number": "1001234567"},
    )
    item = signed_in.get("payment-methods").json()["data"]["payment_methods"][0]
    assert item["phone_number"] is None
    assert item["account_number"] == "******4567"
    assert PaymentMethod.objects.get(user=user).account_number == "1001234567"


@pytest.mark.parametrize("count", [1, 25])
def test_list_query_count_does_not_grow(signed_in, user, count, django_assert_max_num_queries):
    for i in range(count):
        PaymentMethodFactory(user=user, phone_number=f"+2659912{i:05d}")
    with django_assert_max_num_queries(8):
        response = signed_in.get("payment-methods")
    assert len(response.json()["data"]["payment_methods"]) == count


def test_add_answers_201_with_the_id(signed_in, user):
    response = signed_in.post("payment-methods", AIRTEL)
    assert response.status_code == 201
    method = PaymentMethod.objects.get(user=user)
    assert response.json() == {
        "success": True,
        "message": "Payment method added",
        "data": {"id": f"pm_{method.uid}"},
    }
    assert (method.type, method.provider, method.phone_number, method.is_default) == (
        "mobile_money",
        "Airtel Money",
        "+265991234567",
        True,
    )


@pytest.mark.parametrize(
    ("provider", "number", "stored"),
    [
        ("Airtel Money", "0991234567", "+265991234567"),
        ("Airtel Money", "+265981234567", "+265981234567"),
        ("TNM Mpamba", "0881234567", "+265881234567"),
        ("TNM Mpamba", "+265 89 123 4567", "+265891234567"),
        ("TNM Mpamba", "0311234567", "+265311234567"),
        ("TNM Mpamba", "00265 (31) 123-4567", "+265311234567"),
    ],
)
def test_each_network_accepts_its_own_numbers(signed_in, user, provider, number, stored):
    payload = {"type": "mobile_money", "provider": provider, "phone_number": number}
    assert signed_in.post("payment-methods", payload).status_code == 201
    assert PaymentMethod.objects.get(user=user).phone_number == stored


@pytest.mark.parametrize(
    ("provider", "number"),
    [
        ("Airtel Money", "+265881234567"),  # a TNM number
        ("Airtel Money", "+265971234567"),  # 97 is not allocated to Airtel
        ("TNM Mpamba", "+265991234567"),  # an Airtel number
        ("TNM Mpamba", "+265871234567"),  # 87 is not allocated to TNM
        ("Airtel Money", "+26599123456"),  # too short
        ("Airtel Money", "+255991234567"),  # not Malawi
        ("Airtel Money", "+265111234567"),  # a valid mobile number, but of no money network
        ("Airtel Money", ""),
    ],
)
def test_a_number_of_the_wrong_network_is_400(signed_in, user, provider, number):
    payload = {"type": "mobile_money", "provider": provider, "phone_number": number}
    assert_error(signed_in.post("payment-methods", payload), 400, "phone_number")
    assert not PaymentMethod.objects.filter(user=user).exists()


def test_bank_transfer_needs_an_account_number(signed_in, user):
    payload = {"type": "bank_transfer", "provider": "National Bank"}
    assert_error(signed_in.post("payment-methods", payload), 400, "account_number")
    payload["account_number"] = "12ab"
    assert_error(signed_in.post("payment-methods", payload), 400, "account_number")
    payload["account_number"] = "1001 2345 67"
    assert signed_in.post("payment-methods", payload).status_code == 201
    assert PaymentMethod.objects.get(user=user).account_number == "1001234567"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**AIRTEL, "provider": "M-Pesa"}, "provider"),
        ({**AIRTEL, "type": "bank_transfer"}, "provider"),
        ({**AIRTEL, "type": "card"}, "type"),
        ({"provider": "Airtel Money", "phone_number": "+265991234567"}, "type"),
    ],
)
def test_unknown_types_and_providers_are_400(signed_in, user, payload, field):
    assert_error(signed_in.post("payment-methods", payload), 400, field)
    assert not PaymentMethod.objects.filter(user=user).exists()


def test_the_same_method_twice_is_409(signed_in, user):
    signed_in.post("payment-methods", AIRTEL)
    again = {**AIRTEL, "phone_number": "0991234567"}
    body = assert_error(signed_in.post("payment-methods", again), 409)
    assert body["message"] == "Payment method already added"
    assert PaymentMethod.objects.filter(user=user).count() == 1


def test_the_first_method_is_the_default_and_a_new_default_moves_it(signed_in, user):
    first = signed_in.post("payment-methods", {**AIRTEL, "is_default": False})
    first_uid = first.json()["data"]["id"].removeprefix("pm_")
    assert _defaults(user) == [first_uid]
    tnm = {"type": "mobile_money", "provider": "TNM Mpamba", "phone_number": "0881234567"}
    signed_in.post("payment-methods", tnm)
    assert _defaults(user) == [first_uid]
    second = signed_in.post(
        "payment-methods", {**tnm, "phone_number": "0891234567", "is_default": True}
    )
    assert _defaults(user) == [second.json()["data"]["id"].removeprefix("pm_")]


def test_delete(signed_in, user):
    method = PaymentMethodFactory(user=user, is_default=True)
    response = signed_in.delete(f"payment-methods/pm_{method.uid}")
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Payment method deleted",
        "data": None,
    }
    assert not PaymentMethod.objects.filter(pk=method.pk).exists()


def test_deleting_the_default_promotes_the_oldest_remaining(signed_in, user):
    default = PaymentMethodFactory(user=user, is_default=True)
    older = PaymentMethodFactory(user=user, phone_number="+265981234567")
    newer = PaymentMethodFactory(user=user, phone_number="+265981234568")
    now = timezone.now()
    PaymentMethod.objects.filter(pk=older.pk).update(created_at=now - timedelta(minutes=20))
    PaymentMethod.objects.filter(pk=newer.pk).update(created_at=now - timedelta(minutes=10))
    signed_in.delete(f"payment-methods/pm_{default.uid}")
    assert _defaults(user) == [older.uid]


def test_another_users_payment_method_is_404_and_kept(signed_in):
    theirs = PaymentMethodFactory(user=TechavenUserFactory(), is_default=True)
    body = assert_error(signed_in.delete(f"payment-methods/pm_{theirs.uid}"), 404)
    assert body["message"] == "Payment method not found"
    assert PaymentMethod.objects.filter(pk=theirs.pk).exists()


def test_another_users_methods_are_not_listed(signed_in):
    PaymentMethodFactory(user=TechavenUserFactory())
    assert signed_in.get("payment-methods").json()["data"]["payment_methods"] == []


def test_payment_methods_need_a_token(th):
    assert_error(th.get("payment-methods"), 401)
    assert_error(th.post("payment-methods", AIRTEL), 401)
    assert_error(th.delete("payment-methods/pm_abc"), 401)
