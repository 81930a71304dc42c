"""Uploaded images are refused by their declared size before any decoding, and decodes are
few at a time (issue 12, finding 8: a 147 KB PNG declaring 40 megapixels took seconds and
hundreds of MB to decode). Every upload endpoint: the Techaven avatar, review images and
ticket attachments, the seller back office's product images and shop logo."""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.test import Client
from PIL import Image, ImageFile
from rest_framework.test import APIClient

from catalog.models import ProductImage, Review
from core import images
from core.images import ImageRejected, clean_image
from support.models import Ticket
from tests.conftest import TECHAVEN, techaven_client
from tests.factories.accounts import TechavenUserFactory
from tests.factories.catalog import ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]

MB = 1024 * 1024


def png(size: tuple[int, int], mode: str = "1") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


def jpeg(size: tuple[int, int] = (1000, 1000)) -> bytes:
    """A camera-like JPEG (noise does not compress away)."""
    out = io.BytesIO()
    Image.effect_noise(size, 40).convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A 1-bit PNG of 8000 x 5000 (40 megapixels): about 5 KB."""
    data = png((8000, 5000))
    assert len(data) < 10_000
    return data


@pytest.fixture(scope="module")
def colour_bomb() -> bytes:
    """The probe's file: an RGB PNG of 40 megapixels in about 120 KB (120 MB decoded)."""
    data = png((8000, 5000), "RGB")
    assert len(data) < 200_000
    return data


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@contextmanager
def decoding_forbidden():
    """Fails the test if any image data is decoded inside the block."""

    def refuse(self, *args, **kwargs):
        raise AssertionError(f"decoded a {self.size} image")

    original = ImageFile.ImageFile.load
    ImageFile.ImageFile.load = refuse
    try:
        yield
    finally:
        ImageFile.ImageFile.load = original


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# --- the endpoints: a 40 MP PNG is a quick 400 in the storefront's format; a photo works ---
def avatar_upload(client: APIClient, data: bytes):
    upload = io.BytesIO(data)
    upload.name = "me.png"
    return client.post(f"{TECHAVEN}/user/avatar", {"avatar": upload}, format="multipart")


def assert_techaven_400(response, field: str) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["success"] is False
    assert "megapixels" in body["message"]
    assert field in body["errors"]


@pytest.mark.parametrize("which", ["bomb", "colour_bomb"])
def test_avatar_declaring_40_megapixels_is_refused_quickly(request, which):
    user = TechavenUserFactory()
    client = techaven_client(user)
    data = request.getfixturevalue(which)
    started = time.monotonic()
    with decoding_forbidden():
        response = avatar_upload(client, data)
    assert time.monotonic() - started < 1.0
    assert_techaven_400(response, "avatar")
    user.refresh_from_db()
    assert not user.avatar


def test_avatar_a_normal_photo_still_works():
    user = TechavenUserFactory()
    response = avatar_upload(techaven_client(user), jpeg())
    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert user.avatar.name.endswith(".jpg")


def test_review_image_declaring_40_megapixels_is_refused(bomb):
    product = ProductFactory()
    client = techaven_client(TechavenUserFactory())
    url = f"{TECHAVEN}/products/{product.pk}/reviews"
    with decoding_forbidden():
        response = client.post(url, {"rating": 5, "images": [b64(bomb)]}, format="json")
    assert_techaven_400(response, "images")
    assert not Review.objects.exists()
    response = client.post(url, {"rating": 5, "images": [b64(jpeg())]}, format="json")
    assert response.status_code == 201, response.content


def test_ticket_attachment_declaring_40_megapixels_is_refused(bomb):
    client = techaven_client(TechavenUserFactory())
    url = f"{TECHAVEN}/help/tickets"
    body = {"subject": "Broken", "category": "orders", "message": "It arrived broken."}
    with decoding_forbidden():
        response = client.post(url, {**body, "attachments": [b64(bomb)]}, format="json")
    assert_techaven_400(response, "attachments")
    assert not Ticket.objects.exists()
    response = client.post(url, {**body, "attachments": [b64(jpeg())]}, format="json")
    assert response.status_code == 201, response.content


@pytest.fixture
def seller():
    owner = TechavenUserFactory()
    shop = ShopFactory(owner=owner)
    client = APIClient()
    client.force_login(owner)
    return client, shop


def test_back_office_product_image_declaring_40_megapixels_is_refused(seller, bomb):
    client, shop = seller
    product = ProductFactory(shop=shop)

    def upload(data: bytes):
        image = io.BytesIO(data)
        image.name = "photo.png"
        return client.post(
            "/seller/api/product-images/",
            {"product": product.pk, "image": image},
            format="multipart",
        )

    with decoding_forbidden():
        response = upload(bomb)
    assert response.status_code == 400, response.content
    assert "megapixels" in response.json()["errors"]["image"][0]
    assert not ProductImage.objects.exists()
    assert upload(jpeg()).status_code == 201


def test_back_office_shop_logo_declaring_40_megapixels_is_refused(seller, bomb):
    client, shop = seller
    logo = io.BytesIO(bomb)
    logo.name = "logo.png"
    with decoding_forbidden():
        response = client.patch(f"/seller/api/shop/{shop.pk}/", {"logo": logo}, format="multipart")
    assert response.status_code == 400, response.content
    assert "megapixels" in response.json()["errors"]["logo"][0]
    shop.refresh_from_db()
    assert not shop.logo


# --- the caps ------------------------------------------------------------------------------
def test_avatars_are_capped_at_4096_squared_and_other_images_at_6000_squared():
    exactly = png((4096, 4096))
    assert clean_image(exactly, max_bytes=5 * MB, max_pixels=images.avatar_max_pixels()).width
    with pytest.raises(ImageRejected) as refused:
        clean_image(png((4097, 4096)), max_bytes=5 * MB, max_pixels=images.avatar_max_pixels())
    assert refused.value.code == "IMAGE_TOO_LARGE"
    assert clean_image(png((6000, 6000)), max_bytes=5 * MB).height == 6000
    with pytest.raises(ImageRejected):
        clean_image(png((6001, 6000)), max_bytes=5 * MB)


def test_the_caps_are_configurable(settings):
    settings.AVATAR_MAX_PIXELS = 999_999
    client = techaven_client(TechavenUserFactory())
    assert_techaven_400(avatar_upload(client, jpeg()), "avatar")
    settings.IMAGE_MAX_PIXELS = 1_000_000
    assert clean_image(jpeg(), max_bytes=5 * MB).width == 1000
    with pytest.raises(ImageRejected):
        clean_image(jpeg((1001, 1000)), max_bytes=5 * MB)


def test_pillows_decompression_bomb_warning_is_an_error_in_a_duka_process(tmp_path):
    """Pillow only warns between 89 and 179 MP; once Django is set up (`core.apps`) that
    warning is an exception. Checked in a fresh process: pytest resets warning filters."""
    big = tmp_path / "big.png"
    big.write_bytes(png((10_000, 9_000)))
    script = (
        "import django, sys; django.setup()\n"
        "from PIL import Image\n"
        "try:\n"
        f"    Image.open({str(big)!r})\n"
        "except Image.DecompressionBombWarning:\n"
        "    sys.exit(0)\n"
        "sys.exit(1)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr.decode()


def test_an_image_over_pillows_limit_is_refused_as_too_large():
    with pytest.raises(ImageRejected) as refused:
        clean_image(png((10_000, 9_000)), max_bytes=5 * MB)
    assert refused.value.code == "IMAGE_TOO_LARGE"


# --- concurrency -----------------------------------------------------------------------------
def test_no_more_than_the_configured_decodes_run_at_once(settings):
    settings.IMAGE_DECODE_CONCURRENCY = 2
    settings.IMAGE_DECODE_WAIT_SECONDS = 30
    lock, running, most = threading.Lock(), [0], [0]
    original = ImageFile.ImageFile.load

    def slow_load(self, *args, **kwargs):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.2)
        try:
            return original(self, *args, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    data = png((500, 500), "RGB")
    errors: list[BaseException] = []

    def upload() -> None:
        try:
            clean_image(data, max_bytes=5 * MB)
        except BaseException as exc:
            errors.append(exc)

    ImageFile.ImageFile.load = slow_load
    try:
        threads = [threading.Thread(target=upload) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        ImageFile.ImageFile.load = original
    assert not errors
    assert most[0] == 2


def test_a_busy_decoder_answers_503_in_the_storefronts_format(settings):
    settings.IMAGE_DECODE_CONCURRENCY = 1
    settings.IMAGE_DECODE_WAIT_SECONDS = 0
    client = techaven_client(TechavenUserFactory())
    with images.decode_slot():  # another upload holds the only slot
        response = avatar_upload(client, jpeg())
    assert response.status_code == 503, response.content
    assert response["Retry-After"]
    body = response.json()
    assert body["success"] is False and body["message"]
    assert avatar_upload(client, jpeg()).status_code == 200


def test_a_busy_decoder_answers_503_in_the_back_office(settings, seller):
    settings.IMAGE_DECODE_CONCURRENCY = 1
    settings.IMAGE_DECODE_WAIT_SECONDS = 0
    client, shop = seller
    image = io.BytesIO(jpeg())
    image.name = "photo.jpg"
    with images.decode_slot():
        response = client.post(
            "/seller/api/product-images/",
            {"product": ProductFactory(shop=shop).pk, "image": image},
            format="multipart",
        )
    assert response.status_code == 503, response.content
    assert response["Retry-After"]


def test_anonymous_clients_cannot_reach_the_decoder():
    """Every upload endpoint wants a signed-in user (a cheap refusal first)."""
    assert Client().post(f"{TECHAVEN}/user/avatar").status_code == 401
