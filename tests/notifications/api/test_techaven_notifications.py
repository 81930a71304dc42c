"""Techaven section 11: notifications and push devices, through HTTP."""

from __future__ import annotations

import pytest

from notifications.models import Notification, PushDevice
from tests.conftest import TECHAVEN
from tests.factories.accounts import TechavenUserFactory
from tests.helpers.events import Account

pytestmark = pytest.mark.django_db

URL = f"{TECHAVEN}/notifications"


def _auth(api, account: Account):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {account.token}")
    return api


def _notify(user, n: int, *, read: bool = False) -> list[Notification]:
    from django.utils import timezone

    return [
        Notification.objects.create(
            user=user,
            type="order_update",
            title=f"Order {i}",
            body=f"Your order {i} has been shipped!",
            data={"order_id": f"ord_{i}"},
            read_at=timezone.now() if read else None,
        )
        for i in range(n)
    ]


def test_list_shows_the_documented_shape_newest_first(api, th_account):
    _notify(th_account.user, 2, read=True)
    newest = _notify(th_account.user, 1)[0]
    _notify(TechavenUserFactory(), 2)  # someone else's
    response = _auth(api, th_account).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and body["message"] == "Notifications retrieved"
    data = body["data"]
    assert data["unread_count"] == 1
    assert len(data["notifications"]) == 3
    assert data["notifications"][0] == {
        "id": f"notif_{newest.uid}",
        "type": "order_update",
        "title": "Order 0",
        "body": "Your order 0 has been shipped!",
        "data": {"order_id": "ord_0"},
        "is_read": False,
        "created_at": newest.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    assert data["pagination"]["total_items"] == 3
    assert data["pagination"]["current_page"] == 1


def test_unread_only_and_pagination(api, th_account):
    _notify(th_account.user, 3, read=True)
    _notify(th_account.user, 5)
    client = _auth(api, th_account)
    data = client.get(URL, {"unread_only": "true", "limit": 2, "page": 2}).json()["data"]
    assert [n["is_read"] for n in data["notifications"]] == [False, False]
    assert data["pagination"]["total_items"] == 5
    assert data["pagination"]["total_pages"] == 3
    assert data["unread_count"] == 5
    everything = client.get(URL, {"unread_only": "false"}).json()["data"]
    assert everything["pagination"]["total_items"] == 8


def test_bad_query_is_a_validation_error(api, th_account):
    response = _auth(api, th_account).get(URL, {"unread_only": "perhaps"})
    assert response.status_code == 400
    assert response.json()["success"] is False
    assert "unread_only" in response.json()["errors"]


def test_no_token_is_401_in_techaven_format(api):
    for method, url in [
        ("get", URL),
        ("post", f"{URL}/read-all"),
        ("post", f"{URL}/notif_x/read"),
        ("post", f"{URL}/register-device"),
    ]:
        response = getattr(api, method)(url)
        assert response.status_code == 401
        assert response.json()["success"] is False
        assert set(response.json()) == {"success", "message", "errors"}


def test_cryptoshop_token_is_refused(api, cs_account):
    response = _auth(api, cs_account).get(URL)
    assert response.status_code == 401


def test_mark_one_read_returns_the_unread_count(api, th_account):
    first, _second, _ = _notify(th_account.user, 3)
    client = _auth(api, th_account)
    response = client.post(f"{URL}/notif_{first.uid}/read")
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Notification marked as read",
        "data": {"unread_count": 2},
    }
    again = client.post(f"{URL}/notif_{first.uid}/read")
    assert again.json()["data"] == {"unread_count": 2}
    first.refresh_from_db()
    assert first.is_read


def test_another_users_notification_is_404(api, th_account):
    theirs = _notify(TechavenUserFactory(), 1)[0]
    client = _auth(api, th_account)
    for nid in (f"notif_{theirs.uid}", "notif_nope", "garbage"):
        response = client.post(f"{URL}/{nid}/read")
        assert response.status_code == 404
        assert response.json()["success"] is False
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_mark_all_read(api, th_account):
    _notify(th_account.user, 3)
    other = _notify(TechavenUserFactory(), 1)[0]
    response = _auth(api, th_account).post(f"{URL}/read-all")
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "All notifications marked as read",
        "data": {"unread_count": 0},
    }
    assert not Notification.objects.filter(user=th_account.user, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert not other.is_read


def test_register_device(api, th_account):
    response = _auth(api, th_account).post(
        f"{URL}/register-device", {"device_token": "fcm_token_abc123", "platform": "android"}
    )
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Device registered for notifications",
        "data": None,
    }
    device = PushDevice.objects.get()
    assert (device.user, device.platform, device.token) == (
        th_account.user,
        "android",
        "fcm_token_abc123",
    )


def test_reregistering_a_token_moves_it_to_the_current_user(api, th_account):
    from tests.helpers.events import techaven_token

    before = TechavenUserFactory()
    PushDevice.objects.create(user=before, token="shared-token", platform="ios")
    response = _auth(api, th_account).post(
        f"{URL}/register-device", {"device_token": "shared-token", "platform": "web"}
    )
    assert response.status_code == 200
    device = PushDevice.objects.get()
    assert device.user == th_account.user and device.platform == "web"
    # the first user signing in again on that device takes it back
    token = techaven_token(before)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    api.post(f"{URL}/register-device", {"device_token": "shared-token", "platform": "ios"})
    assert PushDevice.objects.get().user == before


@pytest.mark.parametrize(
    "body,field",
    [
        ({"platform": "android"}, "device_token"),
        ({"device_token": "t", "platform": "windows"}, "platform"),
        ({"device_token": "", "platform": "ios"}, "device_token"),
    ],
)
def test_register_device_bad_input_changes_nothing(api, th_account, body, field):
    response = _auth(api, th_account).post(f"{URL}/register-device", body)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert PushDevice.objects.count() == 0


@pytest.mark.parametrize("count", [1, 30])
def test_list_query_count_does_not_grow(api, th_account, count, django_assert_max_num_queries):
    _notify(th_account.user, count)
    client = _auth(api, th_account)
    with django_assert_max_num_queries(8):
        response = client.get(URL, {"limit": 50})
    assert len(response.json()["data"]["notifications"]) == count
