"""The users admin: storefront column, filters, search, no secrets shown, suspend/unsuspend."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from accounts.models import LoginSession
from accounts.services.cryptoshop_auth import cryptoshop_user_register
from accounts.services.moderation import user_suspend, user_unsuspend
from accounts.services.sessions import cryptoshop_session_start, techaven_session_start
from tests.conftest import CRYPTOSHOP
from tests.factories.accounts import (
    DEFAULT_PASSWORD,
    AddressFactory,
    PaymentMethodFactory,
    StaffUserFactory,
    TechavenUserFactory,
)
from tests.helpers.cryptoshop import client_with

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:accounts_user_changelist"


@pytest.fixture
def staff():
    return StaffUserFactory(is_superuser=True)


@pytest.fixture
def staff_client(staff):
    client = Client()
    client.force_login(staff)
    return client


def test_staff_sign_in_to_the_admin_and_storefront_users_cannot():
    staff = StaffUserFactory()
    shopper = TechavenUserFactory()
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": shopper.username, "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 200  # the form again, with an error
    assert "_auth_user_id" not in client.session
    response = client.post(
        "/admin/login/?next=/admin/", {"username": staff.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?storefront=cryptoshop",
        "?storefront=techaven",
        "?storefront=staff",
        "?is_staff__exact=1",
        "?is_active__exact=0",
        "?suspended=yes",
        "?suspended=no",
        "?two_factor_enabled__exact=1",
        "?created_at__gte=2020-01-01+00%3A00%3A00%2B00%3A00",
        "?q=user_",
    ],
)
def test_the_user_changelist_opens_with_every_filter(staff_client, query):
    cryptoshop_user_register()
    TechavenUserFactory()
    response = staff_client.get(reverse(CHANGELIST) + query)
    assert response.status_code == 200


def test_the_user_changelist_sorts_by_its_storefront_column(staff_client):
    cs = cryptoshop_user_register().user
    th = TechavenUserFactory()
    page = staff_client.get(reverse(CHANGELIST))
    headers = [h["text"] for h in page.context["result_headers"]]
    assert "storefront" in headers
    column = page.context["cl"].list_display.index("storefront_column")
    ordered = staff_client.get(reverse(CHANGELIST), {"o": str(column)}).context["cl"]
    users = [u for u in ordered.queryset if u.pk in (cs.pk, th.pk)]
    assert [u.storefront for u in users] == sorted(u.storefront for u in users)


def test_the_storefront_filter_and_search_find_the_right_users(staff_client):
    cs = cryptoshop_user_register().user
    th = TechavenUserFactory(email="chikondi@example.mw", full_name="Chikondi Banda")
    listed = staff_client.get(reverse(CHANGELIST) + "?storefront=cryptoshop").context["cl"]
    assert list(listed.queryset) == [cs]
    for term in ("chikondi@example", "Chikondi Banda", th.uid, th.username):
        found = staff_client.get(reverse(CHANGELIST), {"q": term}).context["cl"]
        assert list(found.queryset) == [th], term
    page = staff_client.get(reverse(CHANGELIST)).content.decode()
    assert "CryptoShop" in page and "Techaven" in page


def test_the_change_page_never_shows_a_secret(staff_client):
    account = cryptoshop_user_register()
    th = TechavenUserFactory()
    for user in (account.user, th):
        page = staff_client.get(reverse("admin:accounts_user_change", args=[user.pk]))
        assert page.status_code == 200
        html = page.content.decode()
        user.refresh_from_db()
        assert user.password[:20] not in html or not user.password
        assert "pbkdf2" not in html
        if user.access_token_hash:
            assert user.access_token_hash not in html
        assert 'name="access_token_hash"' not in html
    assert account.access_token not in html


def test_the_suspend_action_suspends_and_signs_out(staff_client, staff):
    account = cryptoshop_user_register()
    shopper = TechavenUserFactory()
    techaven_session_start(user=shopper)
    cryptoshop_session_start(user=account.user, remember=False)
    response = staff_client.post(
        reverse(CHANGELIST),
        {"action": "suspend_selected", ACTION_CHECKBOX_NAME: [account.user.pk, shopper.pk]},
    )
    assert response.status_code == 302
    for user in (account.user, shopper):
        user.refresh_from_db()
        assert user.is_suspended
        assert staff.username in user.suspension_reason
    assert not LoginSession.objects.filter(revoked_at__isnull=True).exists()
    # CryptoShop: the access token now answers 403, and so does a new login
    refused = client_with(account.access_token).post(f"{CRYPTOSHOP}/auth/logout")
    assert refused.status_code == 403
    assert refused.json()["code"] == "ACCOUNT_SUSPENDED"
    login = client_with("").post(
        f"{CRYPTOSHOP}/auth/login", {"accessToken": account.access_token}, format="json"
    )
    assert login.status_code == 403


def test_the_unsuspend_action_lets_the_user_back_in(staff_client, staff):
    account = cryptoshop_user_register()
    user_suspend(user=account.user, reason="checking", by=staff)
    response = staff_client.post(
        reverse(CHANGELIST),
        {"action": "unsuspend_selected", ACTION_CHECKBOX_NAME: [account.user.pk]},
    )
    assert response.status_code == 302
    account.user.refresh_from_db()
    assert not account.user.is_suspended and account.user.suspension_reason == ""
    assert client_with(account.access_token).post(f"{CRYPTOSHOP}/auth/logout").status_code == 200


def test_staff_cannot_suspend_themselves_with_the_action(staff_client, staff):
    staff_client.post(
        reverse(CHANGELIST), {"action": "suspend_selected", ACTION_CHECKBOX_NAME: [staff.pk]}
    )
    staff.refresh_from_db()
    assert not staff.is_suspended


def test_suspending_twice_keeps_the_first_time_and_reason():
    account = cryptoshop_user_register()
    first = user_suspend(user=account.user, reason="first", by=None)
    again = user_suspend(user=account.user, reason="second", by=None)
    assert again.suspended_at == first.suspended_at and again.suspension_reason == "first"
    user_unsuspend(user=account.user, by=None)
    account.user.refresh_from_db()
    assert account.user.suspended_at is None


def test_the_other_account_screens_open(staff_client):
    address = AddressFactory()
    method = PaymentMethodFactory()
    techaven_session_start(user=address.user)
    for name, obj in (
        ("address", address),
        ("paymentmethod", method),
        ("loginsession", LoginSession.objects.first()),
    ):
        assert staff_client.get(reverse(f"admin:accounts_{name}_changelist")).status_code == 200
        change = staff_client.get(reverse(f"admin:accounts_{name}_change", args=[obj.pk]))
        assert change.status_code == 200


def test_login_sessions_are_read_only_and_show_no_token_hash(staff_client):
    account = cryptoshop_user_register()
    cryptoshop_session_start(user=account.user, remember=False)
    session = LoginSession.objects.get()
    page = staff_client.get(reverse("admin:accounts_loginsession_change", args=[session.pk]))
    assert session.token_hash not in page.content.decode()
    assert staff_client.get(reverse("admin:accounts_loginsession_add")).status_code == 403
    staff_client.post(reverse("admin:accounts_loginsession_change", args=[session.pk]), {})
    session.refresh_from_db()
    assert session.revoked_at is None


def test_otp_device_screens_that_would_show_secrets_are_not_registered():
    from django.contrib import admin
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert not admin.site.is_registered(TOTPDevice)
    assert not admin.site.is_registered(StaticDevice)


def test_staff_can_create_a_staff_account_from_the_admin(staff_client):
    assert staff_client.get(reverse("admin:accounts_user_add")).status_code == 200
    response = staff_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "support2",
            "usable_password": "true",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    assert response.status_code == 302, response.content
    from accounts.models import User

    created = User.objects.get(username="support2")
    assert created.storefront is None and created.check_password("a-long-pass-phrase")


def test_saving_the_change_form_keeps_the_credentials(staff_client):
    account = cryptoshop_user_register()
    user = account.user
    url = reverse("admin:accounts_user_change", args=[user.pk])
    response = staff_client.post(
        url,
        {
            "username": user.username,
            "full_name": "Renamed",
            "email": "",
            "phone": "",
            "date_of_birth": "",
            "gender": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content
    user.refresh_from_db()
    assert user.full_name == "Renamed"
    assert client_with(account.access_token).post(f"{CRYPTOSHOP}/auth/logout").status_code == 200


def test_the_password_change_page_opens_for_a_techaven_user(staff_client):
    shopper = TechavenUserFactory()
    change = staff_client.get(reverse("admin:accounts_user_change", args=[shopper.pk]))
    password_url = reverse("admin:auth_user_password_change", args=[shopper.pk])
    assert password_url in change.content.decode()
    assert staff_client.get(password_url).status_code == 200


@pytest.mark.parametrize("extra_users", [1, 30])
def test_the_user_changelist_query_count_does_not_grow_with_users(
    staff_client, django_assert_max_num_queries, extra_users
):
    for _ in range(extra_users):
        cryptoshop_user_register()
    with django_assert_max_num_queries(12):
        assert staff_client.get(reverse(CHANGELIST)).status_code == 200


@pytest.mark.parametrize("sessions", [1, 30])
def test_the_session_changelist_query_count_does_not_grow(
    staff_client, django_assert_max_num_queries, sessions
):
    account = cryptoshop_user_register()
    for _ in range(sessions):
        cryptoshop_session_start(user=account.user, remember=False)
    with django_assert_max_num_queries(12):
        assert (
            staff_client.get(reverse("admin:accounts_loginsession_changelist")).status_code == 200
        )


@pytest.mark.parametrize("count", [1, 20])
def test_address_and_payment_method_lists_do_not_grow_queries(
    staff_client, django_assert_max_num_queries, count
):
    AddressFactory.create_batch(count)
    PaymentMethodFactory.create_batch(count)
    for name in ("address", "paymentmethod"):
        with django_assert_max_num_queries(12):
            assert staff_client.get(reverse(f"admin:accounts_{name}_changelist")).status_code == 200
