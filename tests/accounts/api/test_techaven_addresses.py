"""Techaven section 9: shipping addresses; exactly one default per user."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import Address
from accounts.services import addresses as address_services
from tests.factories.accounts import AddressFactory, TechavenUserFactory
from tests.helpers.parallel import at_once
from tests.helpers.techaven import assert_error

pytestmark = pytest.mark.django_db

OFFICE = {
    "label": "Office",
    "full_name": "John Doe",
    "phone": "+265991234567",
    "address_line_1": "456 Business Park",
    "address_line_2": "City Center",
    "city": "Blantyre",
    "state": "Southern Region",
    "postal_code": "",
    "country": "Malawi",
    "is_default": False,
}


def _defaults(user) -> list[str]:
    return list(Address.objects.filter(user=user, is_default=True).values_list("uid", flat=True))


def _aged(address: Address, minutes: int) -> Address:
    Address.objects.filter(pk=address.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )
    return address


def test_list_answers_the_documented_fields(signed_in, user):
    address = AddressFactory(user=user, is_default=True)
    response = signed_in.get("addresses")
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Addresses retrieved"
    assert body["data"]["addresses"] == [
        {
            "id": f"addr_{address.uid}",
            "label": "Home",
            "full_name": address.full_name,
            "phone": "+265991234567",
            "address_line_1": "123 Main Street",
            "address_line_2": "Area 47",
            "city": "Lilongwe",
            "state": "Central Region",
            "postal_code": "",
            "country": "Malawi",
            "is_default": True,
            "created_at": body["data"]["addresses"][0]["created_at"],
        }
    ]


def test_list_shows_only_my_addresses_default_first(signed_in, user):
    AddressFactory(user=TechavenUserFactory())
    first = _aged(AddressFactory(user=user, label="A"), 10)
    default = AddressFactory(user=user, label="B", is_default=True)
    ids = [a["id"] for a in signed_in.get("addresses").json()["data"]["addresses"]]
    assert ids == [f"addr_{default.uid}", f"addr_{first.uid}"]


def test_an_empty_list(signed_in):
    assert signed_in.get("addresses").json()["data"] == {"addresses": []}


@pytest.mark.parametrize("count", [1, 25])
def test_list_query_count_does_not_grow_with_the_addresses(
    signed_in, user, count, django_assert_max_num_queries
):
    AddressFactory.create_batch(count, user=user)
    with django_assert_max_num_queries(8):
        response = signed_in.get("addresses")
    assert len(response.json()["data"]["addresses"]) == count


def test_the_first_address_becomes_the_default(signed_in, user):
    response = signed_in.post("addresses", OFFICE)
    assert response.status_code == 201
    body = response.json()
    address = Address.objects.get(user=user)
    assert body == {
        "success": True,
        "message": "Address added successfully",
        "data": {
            "id": f"addr_{address.uid}",
            "label": "Office",
            "full_name": "John Doe",
            "is_default": True,
        },
    }


def test_adding_a_default_moves_the_default(signed_in, user):
    home = AddressFactory(user=user, is_default=True)
    response = signed_in.post("addresses", {**OFFICE, "is_default": True})
    assert response.json()["data"]["is_default"] is True
    new_uid = response.json()["data"]["id"].removeprefix("addr_")
    assert _defaults(user) == [new_uid]
    home.refresh_from_db()
    assert home.is_default is False


def test_adding_a_non_default_keeps_the_default(signed_in, user):
    home = AddressFactory(user=user, is_default=True)
    response = signed_in.post("addresses", OFFICE)
    assert response.json()["data"]["is_default"] is False
    assert _defaults(user) == [home.uid]


def test_only_the_required_fields_are_needed_and_phones_are_normalised(signed_in, user):
    payload = {
        "full_name": "John Doe",
        "phone": "0881234567",
        "address_line_1": "Plot 12",
        "city": "Zomba",
    }
    assert signed_in.post("addresses", payload).status_code == 201
    address = Address.objects.get(user=user)
    assert address.phone == "+265881234567" and address.country == "Malawi"


@pytest.mark.parametrize(
    ("field", "value"),
    [("full_name", ""), ("address_line_1", ""), ("city", ""), ("phone", "12345")],
)
def test_bad_address_input_is_400_and_nothing_is_saved(signed_in, user, field, value):
    assert_error(signed_in.post("addresses", {**OFFICE, field: value}), 400, field)
    assert not Address.objects.filter(user=user).exists()


def test_update_replaces_the_fields(signed_in, user):
    address = AddressFactory(user=user, is_default=True)
    response = signed_in.put(f"addresses/addr_{address.uid}", OFFICE)
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Address updated successfully",
        "data": {"id": f"addr_{address.uid}"},
    }
    address.refresh_from_db()
    assert (address.label, address.city, address.address_line_1) == (
        "Office",
        "Blantyre",
        "456 Business Park",
    )
    # is_default false on the default keeps it: a user always has one
    assert address.is_default is True


def test_update_with_is_default_makes_it_the_default(signed_in, user):
    AddressFactory(user=user, is_default=True)
    other = AddressFactory(user=user)
    signed_in.put(f"addresses/addr_{other.uid}", {**OFFICE, "is_default": True})
    assert _defaults(user) == [other.uid]


def test_update_with_bad_input_is_400_and_changes_nothing(signed_in, user):
    address = AddressFactory(user=user, is_default=True)
    assert_error(signed_in.put(f"addresses/addr_{address.uid}", {**OFFICE, "city": ""}), 400)
    address.refresh_from_db()
    assert address.city == "Lilongwe"


def test_set_default(signed_in, user):
    AddressFactory(user=user, is_default=True)
    other = AddressFactory(user=user)
    response = signed_in.post(f"addresses/addr_{other.uid}/default")
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Default address updated",
        "data": {"id": f"addr_{other.uid}"},
    }
    assert _defaults(user) == [other.uid]


def test_delete(signed_in, user):
    address = AddressFactory(user=user, is_default=True)
    response = signed_in.delete(f"addresses/addr_{address.uid}")
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Address deleted successfully",
        "data": None,
    }
    assert not Address.objects.filter(pk=address.pk).exists()


def test_deleting_the_default_promotes_the_oldest_remaining(signed_in, user):
    default = _aged(AddressFactory(user=user, is_default=True), 30)
    oldest = _aged(AddressFactory(user=user, label="Oldest"), 20)
    _aged(AddressFactory(user=user, label="Newer"), 10)
    signed_in.delete(f"addresses/addr_{default.uid}")
    assert _defaults(user) == [oldest.uid]


def test_deleting_a_non_default_keeps_the_default(signed_in, user):
    default = AddressFactory(user=user, is_default=True)
    other = AddressFactory(user=user)
    signed_in.delete(f"addresses/addr_{other.uid}")
    assert _defaults(user) == [default.uid]


@pytest.mark.parametrize(("method", "suffix"), [("put", ""), ("delete", ""), ("post", "/default")])
def test_another_users_address_is_404_and_untouched(signed_in, user, method, suffix):
    theirs = AddressFactory(user=TechavenUserFactory(), is_default=True)
    path = f"addresses/addr_{theirs.uid}{suffix}"
    response = signed_in.request(method, path, OFFICE if method == "put" else None)
    body = assert_error(response, 404)
    assert body["message"] == "Address not found"
    theirs.refresh_from_db()
    assert theirs.is_default is True and theirs.city == "Lilongwe"


@pytest.mark.parametrize("address_id", ["addr_nosuchthing", "123", "pm_abc", "addr_"])
def test_unknown_address_ids_are_404(signed_in, address_id):
    assert_error(signed_in.post(f"addresses/{address_id}/default"), 404)


def test_addresses_need_a_token(th):
    assert_error(th.get("addresses"), 401)
    assert_error(th.post("addresses", OFFICE), 401)


@pytest.mark.skipif(not settings.USES_POSTGRES, reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_default_changes_leave_exactly_one_default():
    user = TechavenUserFactory()
    created = [AddressFactory(user=user, is_default=(i == 0)) for i in range(6)]
    barrier = threading.Barrier(len(created))
    errors: list[BaseException] = []

    def make_default(address: Address) -> None:
        try:
            barrier.wait()
            address_services.address_set_default(user=user, uid=address.uid)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=make_default, args=(a,)) for a in created]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(_defaults(user)) == 1


@pytest.mark.skipif(not settings.USES_POSTGRES, reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_addresses_make_exactly_one_default():
    user = TechavenUserFactory()
    data = address_services.AddressInput(
        full_name="John Doe", phone="+265991234567", address_line_1="Plot 1", city="Lilongwe"
    )
    at_once(5, lambda: address_services.address_create(user=user, data=data))  # none raises
    assert Address.objects.filter(user=user).count() == 5
    assert len(_defaults(user)) == 1
