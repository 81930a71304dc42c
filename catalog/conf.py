"""Catalog settings, overridable in Django settings or the environment."""

from core.conf import setting_int as _get

NEW_ARRIVAL_DAYS: int = _get("CATALOG_NEW_ARRIVAL_DAYS", 30)
REVIEW_IMAGE_MAX_BYTES: int = _get("CATALOG_REVIEW_IMAGE_MAX_BYTES", 5 * 1024 * 1024)
REVIEW_MAX_IMAGES: int = _get("CATALOG_REVIEW_MAX_IMAGES", 5)
PRODUCT_IMAGE_MAX_BYTES: int = _get("CATALOG_PRODUCT_IMAGE_MAX_BYTES", 5 * 1024 * 1024)
# counting a big filtered list costs a scan; above this many rows the count is cached
COUNT_CACHE_MIN_ROWS: int = _get("CATALOG_COUNT_CACHE_MIN_ROWS", 2000)
COUNT_CACHE_SECONDS: int = _get("CATALOG_COUNT_CACHE_SECONDS", 60)
RELATED_PRODUCTS: int = _get("CATALOG_RELATED_PRODUCTS", 4)
