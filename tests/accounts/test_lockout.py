"""Security finding 3: the admin's and the seller back office's password forms had no limit
(30 wrong passwords, then the right one: signed in). Failed sign-ins now lock a username
from an address after 5, an address after 20 and a username after 25 within the cool-off
(15 minutes); the lock answers 429 with a page that says so, every attempt is kept for
staff, and the storefronts' own sign-ins (Techaven JWT, CryptoShop token) are untouched."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.core.management import call_command
from django.db.models import F
from django.test import AsyncClient, Client

from tests.conftest import CRYPTOSHOP, TECHAVEN
from tests.factories.accounts import DEFAULT_PASSWORD, StaffUserFactory, TechavenUserFactory
from tests.factories.catalog import ShopFactory

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/"
SELLER_LOGIN = "/seller/api/auth/login/"
ATTACKER, OWNER, OTHER = "203.0.113.7", "198.51.100.20", "192.0.2.33"
NEXT = {ADMIN_LOGIN: "/admin/", SELLER_LOGIN: "/seller/api/"}


def sign_in(url: str, username: str, password: str, ip: str, client: Client | None = None):
    client = client or Client()
    response = client.post(
        url, {"username": username, "password": password, "next": NEXT[url]}, REMOTE_ADDR=ip
    )
    response.signed_in = "_auth_user_id" in client.session
    return response


def fail(url: str, username: str, ip: str, times: int) -> list[int]:
    """Wrong passwords; the answers' statuses (the form again, or the lock from the try
    that reached a limit)."""
    statuses = []
    for _ in range(times):
        response = sign_in(url, username, "wrong-password", ip)
        assert not response.signed_in
        statuses.append(response.status_code)
    return statuses


@pytest.fixture(params=[ADMIN_LOGIN, SELLER_LOGIN], ids=["admin", "seller"])
def login(request):
    """Each test runs against both forms: the admin's (staff) and the back office's
    (a seller)."""
    url = request.param

    def account():
        if url == ADMIN_LOGIN:
            return StaffUserFactory()
        return ShopFactory(owner=TechavenUserFactory()).owner

    return url, account


def assert_locked(response) -> None:
    assert response.status_code == 429 and not response.signed_in
    assert response["Content-Type"].startswith("text/html")
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert int(response["Retry-After"]) == 15 * 60


def test_five_wrong_passwords_then_the_right_one_is_refused(login):
    url, account = login
    user = account()
    assert fail(url, user.username, ATTACKER, 5) == [200] * 4 + [429]
    assert_locked(sign_in(url, user.username, DEFAULT_PASSWORD, ATTACKER))


def test_four_wrong_passwords_then_the_right_one_signs_in(login):
    url, account = login
    user = account()
    assert fail(url, user.username, ATTACKER, 4) == [200] * 4
    response = sign_in(url, user.username, DEFAULT_PASSWORD, ATTACKER)
    assert response.status_code == 302 and response.signed_in
    assert response["Location"] == NEXT[url]


def test_the_lock_leaves_other_accounts_and_the_owner_elsewhere_alone(login):
    url, account = login
    victim, other = account(), account()
    fail(url, victim.username, ATTACKER, 5)
    assert sign_in(url, other.username, DEFAULT_PASSWORD, OTHER).signed_in
    # someone guessing from one address does not lock the account's owner out elsewhere
    assert sign_in(url, victim.username, DEFAULT_PASSWORD, OWNER).signed_in


def test_an_address_spraying_many_accounts_is_locked_after_twenty(login):
    url, account = login
    statuses = []
    for _ in range(5):  # four tries at each of five accounts: no (account, address) lock
        statuses += fail(url, account().username, ATTACKER, 4)
    assert statuses == [200] * 19 + [429]
    user = account()
    assert_locked(sign_in(url, user.username, DEFAULT_PASSWORD, ATTACKER))
    assert sign_in(url, user.username, DEFAULT_PASSWORD, OWNER).signed_in


def test_an_account_guessed_from_many_addresses_is_locked_after_twenty_five(login):
    url, account = login
    user = account()
    statuses = []
    for i in range(25):
        statuses += fail(url, user.username, f"10.9.0.{i + 1}", 1)
    assert statuses == [200] * 24 + [429]
    assert_locked(sign_in(url, user.username, DEFAULT_PASSWORD, OWNER))
    assert sign_in(url, account().username, DEFAULT_PASSWORD, OWNER).signed_in


def test_every_attempt_is_recorded_for_staff(login):
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    url, account = login
    user = account()
    fail(url, user.username, ATTACKER, 5)
    sign_in(url, user.username, DEFAULT_PASSWORD, ATTACKER)
    attempt = AccessAttempt.objects.get(username=user.username, ip_address=ATTACKER)
    assert attempt.failures_since_start == 6 and attempt.path_info == url
    assert "wrong-password" not in attempt.post_data and DEFAULT_PASSWORD not in attempt.post_data
    failures = AccessFailureLog.objects.filter(username=user.username).order_by("attempt_time")
    assert [f.locked_out for f in failures] == [False] * 4 + [True, True]
    assert sign_in(url, user.username, DEFAULT_PASSWORD, OWNER).signed_in
    assert AccessLog.objects.filter(username=user.username, ip_address=OWNER).count() == 1


def test_beat_forgets_sign_in_records_older_than_the_retention(settings):
    from axes.models import AccessFailureLog, AccessLog

    from accounts.tasks import sign_in_logs_prune

    assert settings.CELERY_BEAT_SCHEDULE["prune-sign-in-logs"]["task"] == (
        "accounts.tasks.sign_in_logs_prune"
    )
    user = StaffUserFactory()
    fail(ADMIN_LOGIN, user.username, ATTACKER, 2)
    sign_in(ADMIN_LOGIN, user.username, DEFAULT_PASSWORD, OWNER)
    sign_in(ADMIN_LOGIN, user.username, DEFAULT_PASSWORD, OTHER)
    aged = timedelta(days=settings.LOGIN_LOG_RETENTION_DAYS, minutes=1)
    AccessFailureLog.objects.filter(pk=AccessFailureLog.objects.first().pk).update(
        attempt_time=F("attempt_time") - aged
    )
    AccessLog.objects.filter(ip_address=OWNER).update(attempt_time=F("attempt_time") - aged)

    assert sign_in_logs_prune.delay().get() == 2
    assert AccessFailureLog.objects.count() == 1
    assert list(AccessLog.objects.values_list("ip_address", flat=True)) == [OTHER]


def test_the_lock_ends_after_the_cool_off(login):
    from axes.models import AccessAttempt

    url, account = login
    user = account()
    fail(url, user.username, ATTACKER, 5)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=14))
    assert_locked(sign_in(url, user.username, DEFAULT_PASSWORD, ATTACKER))
    # a try during the lock starts the cool-off again; 15 minutes of quiet end it
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=15, seconds=1))
    assert sign_in(url, user.username, DEFAULT_PASSWORD, ATTACKER).signed_in


def test_staff_see_the_attempts_and_lift_a_lock_in_the_admin(login):
    from axes.models import AccessAttempt

    url, account = login
    user = account()
    fail(url, user.username, ATTACKER, 5)
    staff = Client()
    staff.force_login(StaffUserFactory(is_superuser=True))
    page = staff.get("/admin/axes/accessattempt/")
    assert page.status_code == 200 and user.username in page.content.decode()
    attempt = AccessAttempt.objects.get(username=user.username)
    response = staff.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert sign_in(url, user.username, DEFAULT_PASSWORD, ATTACKER).signed_in


def test_staff_lift_a_lock_from_the_command_line():
    user = StaffUserFactory()
    fail(ADMIN_LOGIN, user.username, ATTACKER, 5)
    call_command("axes_reset_username", user.username)
    assert sign_in(ADMIN_LOGIN, user.username, DEFAULT_PASSWORD, ATTACKER).signed_in


def test_the_lock_holds_under_asgi():
    """uvicorn runs the middleware chain asynchronously (AxesMiddleware.__acall__)."""
    user = StaffUserFactory()
    client = AsyncClient(REMOTE_ADDR=ATTACKER)

    def post(password: str):
        data = {"username": user.username, "password": password, "next": "/admin/"}
        return async_to_sync(client.post)(ADMIN_LOGIN, data)

    assert [post("wrong-password").status_code for _ in range(5)] == [200] * 4 + [429]
    response = post(DEFAULT_PASSWORD)
    assert response.status_code == 429 and int(response["Retry-After"]) == 15 * 60
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_the_storefront_sign_ins_keep_their_own_limits_and_formats(api):
    """Neither the Techaven JWT login nor the CryptoShop token login goes through Django's
    authenticate(): no attempt is counted against them and their errors stay documented."""
    from axes.models import AccessAttempt

    user = TechavenUserFactory(email="buyer@example.mw")
    for _ in range(6):
        response = api.post(
            f"{TECHAVEN}/auth/login", {"email": "buyer@example.mw", "password": "wrong-pw"}
        )
        assert response.status_code == 401
        assert response.json() == {
            "success": False,
            "message": "Invalid email or password",
            "errors": {},
        }
    response = api.post(f"{CRYPTOSHOP}/auth/login", {"accessToken": "not-a-token"})
    assert response.status_code == 401 and response.json()["code"] == "INVALID_TOKEN"
    assert not AccessAttempt.objects.exists()
    # nor do their failures count against the address at the admin's form
    staff = StaffUserFactory()
    assert sign_in(ADMIN_LOGIN, staff.username, DEFAULT_PASSWORD, "127.0.0.1").signed_in
    response = api.post(
        f"{TECHAVEN}/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200
