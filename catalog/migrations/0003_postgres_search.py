"""PostgreSQL-only search machinery: pg_trgm and the GIN indexes behind full-text search
and typo tolerance. On any other database this migration does nothing, so SQLite
still migrates (search falls back to a simpler match there)."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS product_search_vector_gin "
    "ON catalog_product USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS product_name_trgm "
    "ON catalog_product USING gin (lower(name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS search_term_word_trgm "
    "ON catalog_searchterm USING gin (word gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS category_name_trgm "
    "ON catalog_category USING gin (lower(name) gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS category_name_trgm",
    "DROP INDEX IF EXISTS search_term_word_trgm",
    "DROP INDEX IF EXISTS product_name_trgm",
    "DROP INDEX IF EXISTS product_search_vector_gin",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for sql in FORWARD:
            cursor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for sql in BACKWARD:
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_reviews_wishlist_search")]

    operations = [migrations.RunPython(forward, backward)]
