"""Uploaded images (BRIEF decision 12): checked by content with Pillow, size-limited,
re-encoded with all metadata stripped. What the client calls the file is ignored."""

from __future__ import annotations

import base64
import binascii
import io
import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile
from PIL import Image, UnidentifiedImageError

from core.errors import DomainError

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_PIXELS = 40_000_000  # refuses decompression bombs


class ImageRejected(DomainError):
    pass


@dataclass(frozen=True, slots=True)
class CleanImage:
    file: ContentFile  # re-encoded bytes, named `<random>.<ext>`
    format: str
    width: int
    height: int


def clean_image(
    data: bytes, *, max_bytes: int, field: str = "image", name_prefix: str = ""
) -> CleanImage:
    if not data:
        raise ImageRejected("INVALID_IMAGE", "The image is empty.", field=field)
    if len(data) > max_bytes:
        raise ImageRejected(
            "IMAGE_TOO_LARGE",
            f"The image is larger than {max_bytes // (1024 * 1024)} MB.",
            field=field,
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            probe.verify()
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_PIXELS:
                raise ImageRejected("INVALID_IMAGE", "The image is too large.", field=field)
            img.load()
            out = io.BytesIO()
            if fmt == "JPEG":
                img.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
            elif fmt == "PNG":
                img.save(out, "PNG", optimize=True)
            elif fmt == "WEBP":
                img.save(out, "WEBP", quality=88)
            else:
                raise ImageRejected(
                    "INVALID_IMAGE", "Only JPEG, PNG and WebP images are accepted.", field=field
                )
            width, height = img.width, img.height
    except ImageRejected:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ImageRejected(
            "INVALID_IMAGE", "The file is not a valid JPEG, PNG or WebP image.", field=field
        ) from None
    ext = ALLOWED_FORMATS[fmt]
    name = f"{name_prefix}{uuid.uuid4().hex}.{ext}"
    return CleanImage(
        file=ContentFile(out.getvalue(), name=name), format=fmt, width=width, height=height
    )


def base64_max_length(max_bytes: int) -> int:
    """The longest text that can hold an image of `max_bytes`: its base64 (4/3 the size) and
    a `data:image/...;base64,` header. A serializer caps the text there, before decoding."""
    return (max_bytes * 4) // 3 + 8 + 64


def decode_base64_image(value: object, *, max_bytes: int, field: str = "images") -> CleanImage:
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
    return clean_image(data, max_bytes=max_bytes, field=field)
