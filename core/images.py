"""Uploaded images (BRIEF decision 12): checked by content with Pillow, size-limited,
re-encoded with all metadata stripped. What the client calls the file is ignored.

Decoding costs memory by the pixel, not by the byte: a 120 KB PNG can declare 40 megapixels
(120 MB and more once decoded). So the declared size is read from the header and refused
above a cap before anything is decoded (avatars `AVATAR_MAX_PIXELS`, every other image
`IMAGE_MAX_PIXELS`), and decoding and re-encoding take one of a few per-process slots
(`IMAGE_DECODE_CONCURRENCY`): an upload that waits longer than `IMAGE_DECODE_WAIT_SECONDS`
for one answers 503 with Retry-After (issue 12, finding 8).
"""

from __future__ import annotations

import base64
import binascii
import io
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.files.base import ContentFile
from PIL import Image, UnidentifiedImageError

from core.conf import setting_int
from core.errors import DomainError, ErrorKind

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def avatar_max_pixels() -> int:
    """4096 x 4096: a 12-megapixel phone photo (4032 x 3024) uncropped, with room to spare."""
    return setting_int("AVATAR_MAX_PIXELS", 4096 * 4096)


def image_max_pixels() -> int:
    """6000 x 6000 (36 MP): product, review and shop photos from a 24 MP camera (6000 x 4000)
    or any phone; screenshots of a 6K screen. Pillow's own warning comes at 89 MP."""
    return setting_int("IMAGE_MAX_PIXELS", 6000 * 6000)


def image_decode_concurrency() -> int:
    return max(setting_int("IMAGE_DECODE_CONCURRENCY", 2), 1)


def image_decode_wait_seconds() -> int:
    return max(setting_int("IMAGE_DECODE_WAIT_SECONDS", 10), 0)


BUSY_RETRY_AFTER = 5  # seconds, for the 503 of a decoder that stayed busy


class ImageRejected(DomainError):
    pass


class ImageDecoderBusy(DomainError):
    kind = ErrorKind.UNAVAILABLE


@dataclass(frozen=True, slots=True)
class CleanImage:
    file: ContentFile  # re-encoded bytes, named `<random>.<ext>`
    format: str
    width: int
    height: int


_slots_lock = threading.Lock()
_slots: tuple[int, threading.BoundedSemaphore] | None = None


@contextmanager
def decode_slot() -> Iterator[None]:
    """Hold one of the process's `IMAGE_DECODE_CONCURRENCY` decode slots; ImageDecoderBusy
    if none frees up within `IMAGE_DECODE_WAIT_SECONDS`."""
    global _slots
    size = image_decode_concurrency()
    with _slots_lock:
        if _slots is None or _slots[0] != size:  # first use, or the setting changed
            _slots = (size, threading.BoundedSemaphore(size))
        slots = _slots[1]
    if not slots.acquire(timeout=image_decode_wait_seconds()):
        raise ImageDecoderBusy(
            "IMAGE_PROCESSING_BUSY",
            "Too many images are being processed. Please try again shortly.",
            retry_after=BUSY_RETRY_AFTER,
        )
    try:
        yield
    finally:
        slots.release()


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.1f}".removesuffix(".0")


def _invalid(field: str) -> ImageRejected:
    return ImageRejected(
        "INVALID_IMAGE", "The file is not a valid JPEG, PNG or WebP image.", field=field
    )


def clean_image(
    data: bytes,
    *,
    max_bytes: int,
    max_pixels: int | None = None,
    field: str = "image",
    name_prefix: str = "",
) -> CleanImage:
    """Check, decode and re-encode an uploaded image. Refused without decoding: empty, over
    `max_bytes`, not JPEG/PNG/WebP by content, or declaring more than `max_pixels`
    (default `IMAGE_MAX_PIXELS`) in its header."""
    max_pixels = image_max_pixels() if max_pixels is None else max_pixels
    if not data:
        raise ImageRejected("INVALID_IMAGE", "The image is empty.", field=field)
    if len(data) > max_bytes:
        raise ImageRejected(
            "IMAGE_TOO_LARGE",
            f"The image is larger than {max_bytes // (1024 * 1024)} MB.",
            field=field,
        )
    try:
        # Image.open reads the header only: format and declared size, nothing decoded
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            if fmt not in ALLOWED_FORMATS:
                raise ImageRejected(
                    "INVALID_IMAGE", "Only JPEG, PNG and WebP images are accepted.", field=field
                )
            if probe.width * probe.height > max_pixels:
                raise ImageRejected(
                    "IMAGE_TOO_LARGE",
                    f"The image is larger than {_megapixels(max_pixels)} megapixels.",
                    field=field,
                )
            probe.verify()  # the structure and checksums, still without decoding
        with decode_slot(), Image.open(io.BytesIO(data)) as img:
            img.load()
            out = io.BytesIO()
            if fmt == "JPEG":
                img.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
            elif fmt == "PNG":
                img.save(out, "PNG", optimize=True)
            else:
                img.save(out, "WEBP", quality=88)
            width, height = img.width, img.height
    except (ImageRejected, ImageDecoderBusy):
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # over Pillow's own limit (89 MP warns, made an error in core.apps), far above ours
        raise ImageRejected(
            "IMAGE_TOO_LARGE",
            f"The image is larger than {_megapixels(max_pixels)} megapixels.",
            field=field,
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _invalid(field) from None
    ext = ALLOWED_FORMATS[fmt]
    name = f"{name_prefix}{uuid.uuid4().hex}.{ext}"
    return CleanImage(
        file=ContentFile(out.getvalue(), name=name), format=fmt, width=width, height=height
    )


def base64_max_length(max_bytes: int) -> int:
    """The longest text that can hold an image of `max_bytes`: its base64 (4/3 the size) and
    a `data:image/...;base64,` header. A serializer caps the text there, before decoding."""
    return (max_bytes * 4) // 3 + 8 + 64


def decode_base64_image(
    value: object, *, max_bytes: int, max_pixels: int | None = None, field: str = "images"
) -> CleanImage:
    """Accepts plain base64 or a `data:image/...;base64,` URL."""
    if not isinstance(value, str) or not value.strip():
        raise ImageRejected("INVALID_IMAGE", "Each image must be a base64 string.", field=field)
    payload = value.split(",", 1)[1] if value.startswith("data:") else value
    # base64 is 4/3 the size of its bytes: refuse early, before decoding a huge string
    if len(payload) > (max_bytes * 4) // 3 + 8:
        raise ImageRejected(
            "IMAGE_TOO_LARGE",
            f"The image is larger than {max_bytes // (1024 * 1024)} MB.",
            field=field,
        )
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ImageRejected(
            "INVALID_IMAGE", "The image is not valid base64.", field=field
        ) from None
    return clean_image(data, max_bytes=max_bytes, max_pixels=max_pixels, field=field)
