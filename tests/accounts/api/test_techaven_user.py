"""Techaven section 2: profile, avatar, change password, delete account."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from accounts.models import LoginSession, User
from accounts.services.sessions import techaven_session_start
from tests.factories.accounts import AddressFactory, PaymentMethodFactory, TechavenUserFactory
from tests.helpers.techaven import PASSWORD, assert_error, last_code

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def image_bytes(fmt: str = "PNG", size=(32, 32)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


# --- profile -----------------------------------------------------------------
def test_get_profile_answers_the_documented_fields(signed_in, user):
    User.objects.filter(pk=user.pk).update(
        phone="+265991234567", date_of_birth=date(1990, 5, 15), gender="male"
    )
    response = signed_in.get("user/profile")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and body["message"] == "Profile retrieved"
    data = body["data"]
    assert set(data) == {
        "id",
        "full_name",
        "email",
        "phone",
        "avatar_url",
        "date_of_birth",
        "gender",
        "created_at",
        "updated_at",
    }
    assert data["id"] == f"usr_{user.uid}"
    assert data["email"] == "chikondi@example.mw"
    assert data["phone"] == "+265991234567"
    assert data["avatar_url"] is None
    assert data["date_of_birth"] == "1990-05-15"
    assert data["gender"] == "male"


def test_empty_profile_fields_are_null(signed_in):
    data = signed_in.get("user/profile").json()["data"]
    assert data["phone"] is None and data["date_of_birth"] is None and data["gender"] is None


def test_profile_needs_a_token(th):
    body = assert_error(th.get("user/profile"), 401)
    assert body["errors"] == {}


def test_a_garbage_token_is_401(make_client):
    assert_error(make_client("not-a-jwt").get("user/profile"), 401)


def test_a_suspended_user_token_is_403(signed_in, user):
    User.objects.filter(pk=user.pk).update(suspended_at=timezone.now())
    assert_error(signed_in.get("user/profile"), 403)


def test_update_profile_answers_the_documented_fields(signed_in, user):
    payload = {
        "full_name": "John Smith",
        "phone": "+265991234567",
        "date_of_birth": "1990-05-15",
        "gender": "male",
    }
    response = signed_in.put("user/profile", payload)
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Profile updated successfully"
    assert set(body["data"]) == {
        "id",
        "full_name",
        "email",
        "phone",
        "avatar_url",
        "date_of_birth",
        "gender",
        "updated_at",
    }
    assert body["data"]["full_name"] == "John Smith"
    user.refresh_from_db()
    assert (user.full_name, user.phone, user.gender) == ("John Smith", "+265991234567", "male")
    assert user.date_of_birth == date(1990, 5, 15)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("0991234567", "+265991234567"),
        ("+265 88 123 4567", "+265881234567"),
        ("265981234567", "+265981234567"),
        ("0891234567", "+265891234567"),
    ],
)
def test_local_phone_spellings_are_normalised(signed_in, user, given, stored):
    assert signed_in.put("user/profile", {"phone": given}).status_code == 200
    user.refresh_from_db()
    assert user.phone == stored


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("991234567", "+265991234567"),  # the national number without its 0
        ("+265 (99) 123.4567", "+265991234567"),
        ("00265 88 123 4567", "+265881234567"),
        # fullwidth digits, as some phone keyboards type them
        ("\uff10\uff19\uff19\uff11\uff12\uff13\uff14\uff15\uff16\uff17", "+265991234567"),
    ],
)
def test_phonenumbers_reads_other_spellings_of_a_malawian_mobile(signed_in, user, given, stored):
    assert signed_in.put("user/profile", {"phone": given}).status_code == 200
    user.refresh_from_db()
    assert user.phone == stored


@pytest.mark.parametrize(
    "value",
    [
        "+265111234567",  # valid mobile for libphonenumber (MTL), no network Duka knows
        "+265211234567",  # likewise (Zero2)
        "+447911123456",  # a valid mobile, but British
        "+2651234567",  # a Malawian fixed line
        "0991234567 ext. 5",  # an extension
        "0991234567#5",
        "099-123-ABCD",  # letters are not read as a vanity number
    ],
)
def test_a_phone_that_is_no_malawian_mobile_keeps_its_error(signed_in, user, value):
    body = assert_error(signed_in.put("user/profile", {"phone": value}), 400, "phone")
    assert body["errors"]["phone"] == ["Enter a Malawian mobile number such as +265991234567."]
    user.refresh_from_db()
    assert user.phone == ""


def test_absent_fields_are_left_alone_and_null_clears(signed_in, user):
    User.objects.filter(pk=user.pk).update(phone="+265991234567", gender="female")
    signed_in.put("user/profile", {"full_name": "Chikondi Phiri"})
    user.refresh_from_db()
    assert (user.full_name, user.phone, user.gender) == (
        "Chikondi Phiri",
        "+265991234567",
        "female",
    )
    signed_in.put("user/profile", {"phone": None, "gender": None})
    user.refresh_from_db()
    assert (user.phone, user.gender) == ("", "")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "+26599123456"),  # 8 digits
        ("phone", "+255991234567"),  # Tanzania
        ("phone", "0111234567"),  # fixed line
        ("phone", "+265661234567"),  # no such mobile range
        ("date_of_birth", (date.today() + timedelta(days=2)).isoformat()),
        ("date_of_birth", "15/05/1990"),
        ("gender", "unknown"),
        ("full_name", "Madonna"),
    ],
)
def test_bad_profile_input_is_400_and_changes_nothing(signed_in, user, field, value):
    before = User.objects.values().get(pk=user.pk)
    assert_error(signed_in.put("user/profile", {field: value}), 400, field)
    assert User.objects.values().get(pk=user.pk) == before


# --- avatar ------------------------------------------------------------------
def _upload(client, data: bytes, name="me.png", field="avatar"):
    upload = io.BytesIO(data)
    upload.name = name
    return client.request("post", "user/avatar", {field: upload}, format="multipart")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_avatar_upload_stores_a_reencoded_image_and_answers_an_absolute_url(signed_in, user, fmt):
    response = _upload(signed_in, image_bytes(fmt), name="whatever.gif")
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Avatar uploaded successfully"
    url = body["data"]["avatar_url"]
    assert url.startswith("http://testserver/media/avatars/")
    user.refresh_from_db()
    assert user.avatar.name.startswith(f"avatars/{user.uid}_")
    assert user.avatar.name.endswith({"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp"}[fmt])
    assert default_storage.exists(user.avatar.name)
    assert signed_in.get("user/profile").json()["data"]["avatar_url"] == url


def test_avatar_metadata_is_stripped(signed_in, user):
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    Image.new("RGB", (16, 16)).save(out, "JPEG", exif=exif.tobytes())
    assert b"SecretCam" in out.getvalue()
    assert _upload(signed_in, out.getvalue(), name="a.jpg").status_code == 200
    user.refresh_from_db()
    with default_storage.open(user.avatar.name) as stored:
        assert b"SecretCam" not in stored.read()


def test_a_new_avatar_replaces_the_old_file(signed_in, user):
    _upload(signed_in, image_bytes())
    user.refresh_from_db()
    first = user.avatar.name
    _upload(signed_in, image_bytes("JPEG"))
    user.refresh_from_db()
    assert user.avatar.name != first
    assert not default_storage.exists(first)


def test_a_non_image_avatar_is_400(signed_in, user):
    response = _upload(signed_in, b"%PDF-1.4 not an image", name="me.png")
    body = assert_error(response, 400, "avatar")
    assert "JPEG, PNG or WebP" in body["message"]
    user.refresh_from_db()
    assert not user.avatar


def test_a_gif_avatar_is_400(signed_in):
    assert_error(_upload(signed_in, image_bytes("GIF"), name="a.gif"), 400, "avatar")


def test_an_avatar_over_the_size_limit_is_400(signed_in, settings):
    settings.AVATAR_MAX_BYTES = 100
    data = image_bytes("JPEG", size=(64, 64))
    assert len(data) > 100
    body = assert_error(_upload(signed_in, data), 400, "avatar")
    assert "larger than" in body["message"]


def test_avatar_without_the_file_field_is_400(signed_in):
    assert_error(_upload(signed_in, image_bytes(), field="picture"), 400, "avatar")


# --- change password ---------------------------------------------------------
def test_change_password_keeps_this_device_and_signs_out_the_others(signed_in, user):
    other_device = techaven_session_start(user=user)
    response = signed_in.put(
        "user/password", {"current_password": PASSWORD, "new_password": "newPassword456"}
    )
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Password changed successfully",
        "data": None,
    }
    user.refresh_from_db()
    assert user.check_password("newPassword456")
    assert signed_in.get("user/profile").status_code == 200
    signed_in.auth(other_device.access_token)
    assert_error(signed_in.get("user/profile"), 401)


def test_change_password_with_a_wrong_current_password_is_400(signed_in, user):
    response = signed_in.put(
        "user/password", {"current_password": "nope", "new_password": "newPassword456"}
    )
    body = assert_error(response, 400, "current_password")
    assert body["message"] == "Current password is incorrect"
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_change_password_to_a_short_one_is_422(signed_in, user):
    response = signed_in.put("user/password", {"current_password": PASSWORD, "new_password": "1"})
    assert_error(response, 422, "new_password")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# --- delete account ----------------------------------------------------------
def test_delete_account_anonymises_and_the_user_can_no_longer_sign_in(th, signed_in, user):
    AddressFactory(user=user)
    PaymentMethodFactory(user=user)
    _upload(signed_in, image_bytes())
    user.refresh_from_db()
    avatar = user.avatar.name
    response = signed_in.delete(
        "user/account", {"password": PASSWORD, "reason": "No longer using the app"}
    )
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Account deleted successfully",
        "data": None,
    }
    user.refresh_from_db()
    assert user.deleted_at is not None and user.is_active is False
    assert user.email == "" and user.phone == "" and not user.avatar
    assert user.full_name == "Deleted user"
    assert user.deletion_reason == "No longer using the app"
    assert not user.has_usable_password()
    assert not user.addresses.exists() and not user.payment_methods.exists()
    assert not default_storage.exists(avatar)
    assert not LoginSession.objects.filter(user=user, revoked_at__isnull=True).exists()
    # the row stays for the orders and ledger that point at it
    assert User.objects.filter(pk=user.pk).exists()
    assert_error(signed_in.get("user/profile"), 401)
    login = th.post("auth/login", {"email": "chikondi@example.mw", "password": PASSWORD})
    assert_error(login, 401)


def test_a_deleted_users_email_can_sign_up_again_as_a_new_account(th, signed_in, user):
    signed_in.delete("user/account", {"password": PASSWORD})
    response = th.post(
        "auth/register",
        {"full_name": "Chikondi Banda", "email": "chikondi@example.mw", "password": "fresh123"},
    )
    assert response.status_code == 200
    assert response.json()["data"]["user_id"] != f"usr_{user.uid}"
    assert last_code("chikondi@example.mw")


def test_delete_account_with_a_wrong_password_is_400_and_changes_nothing(signed_in, user):
    body = assert_error(signed_in.delete("user/account", {"password": "nope"}), 400, "password")
    assert body["message"] == "Password is incorrect"
    user.refresh_from_db()
    assert user.deleted_at is None and user.email == "chikondi@example.mw"
    assert signed_in.get("user/profile").status_code == 200


def test_delete_account_needs_the_password(signed_in):
    assert_error(signed_in.delete("user/account", {}), 400, "password")


def test_profile_of_one_user_is_never_shown_to_another(make_client, user):
    other = TechavenUserFactory(full_name="Other Person")
    client = make_client(techaven_session_start(user=other).access_token)
    assert client.get("user/profile").json()["data"]["id"] == f"usr_{other.uid}"
