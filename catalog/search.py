"""Product search for both storefronts.

PostgreSQL: full-text search over `Product.search_vector` (weights A name, B tags and
brand, C specifications, D description; GIN index), every word matched as a prefix,
ranked with ts_rank. A word no product uses is replaced by the nearest known word
(`SearchTerm`, trigram similarity), so "iphnoe" finds the iPhone.
Other databases (SQLite, the embedded default): every word must appear in the name,
brand or description (icontains); no ranking (relevance order is best sellers first, then
newest), no typo correction.
The API is the same on both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Lower

from catalog import pagecache
from catalog.models import Category, Product

_WORD = re.compile(r"[0-9a-z]+")
MAX_WORDS = 8
# below this trigram similarity a word is left as typed (and usually matches nothing)
TYPO_SIMILARITY = 0.2
CONFIG = "english"


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def words_of(text: str) -> list[str]:
    return _WORD.findall((text or "").lower())[:MAX_WORDS]


def correct_words(storefront: str, words: list[str]) -> list[str]:
    """Each word no product uses (not even as a prefix) becomes the nearest known word."""
    if not uses_postgres() or not words:
        return words
    corrected = []
    with connection.cursor() as cursor:
        for word in words:
            if len(word) < 3 or word.isdigit():
                corrected.append(word)
                continue
            cursor.execute(
                "SELECT 1 FROM catalog_searchterm WHERE storefront = %s AND word LIKE %s LIMIT 1",
                [storefront, word.replace("%", "").replace("_", "") + "%"],
            )
            if cursor.fetchone():
                corrected.append(word)
                continue
            cursor.execute(
                "SELECT word FROM catalog_searchterm WHERE storefront = %s "
                "AND similarity(word, %s) >= %s "
                "ORDER BY similarity(word, %s) DESC, abs(length(word) - length(%s)), word "
                "LIMIT 1",
                [storefront, word, TYPO_SIMILARITY, word, word],
            )
            row = cursor.fetchone()
            corrected.append(row[0] if row else word)
    return corrected


def apply(qs: QuerySet[Product], storefront: str, text: str) -> tuple[QuerySet[Product], str]:
    """Filter `qs` to the products matching `text`; on PostgreSQL annotate `relevance`.

    Returns the queryset and the query as understood (typos corrected)."""
    words = correct_words(storefront, words_of(text))
    if not words:  # nothing searchable ("!!!"): no match, but sortable like any result
        return qs.none().annotate(relevance=Value(0.0)), ""
    understood = " ".join(words)
    if uses_postgres():
        # words are [0-9a-z]+ only, so the raw tsquery cannot be malformed
        query = SearchQuery(" & ".join(f"{w}:*" for w in words), search_type="raw", config=CONFIG)
        qs = qs.filter(search_vector=query).annotate(
            relevance=SearchRank(F("search_vector"), query)
        )
        return qs, understood
    cond = Q()
    for w in words:
        cond &= Q(name__icontains=w) | Q(brand__icontains=w) | Q(description__icontains=w)
    return qs.filter(cond).annotate(relevance=Value(0.0)), understood


def product_suggestions(qs: QuerySet[Product], text: str, limit: int) -> list[str]:
    """Names of products containing `text` (autocomplete), best sellers first. On
    PostgreSQL the match on lower(name) uses the trigram GIN index."""
    text = " ".join(words_of(text))
    if not text:
        return []
    rows = (
        qs.annotate(lname=Lower("name"))
        .filter(lname__contains=text)
        .order_by("-sales_count", "id")
        .values_list("name", flat=True)[: limit * 3]
    )
    return _distinct(rows, limit)


def category_suggestions(storefront: str, text: str, limit: int) -> list[str]:
    text = " ".join(words_of(text))
    if not text:
        return []
    qs = Category.objects.filter(storefront=storefront)
    if uses_postgres():
        from django.contrib.postgres.search import TrigramWordSimilarity

        rows = (
            qs.annotate(lname=Lower("name"))
            .annotate(sim=TrigramWordSimilarity(Value(text), "lname"))
            .filter(Q(lname__contains=text) | Q(sim__gte=0.4))
            .order_by("-sim", "name")
            .values_list("name", flat=True)[:limit]
        )
    else:
        rows = qs.filter(name__icontains=text).order_by("name").values_list("name", flat=True)
        rows = rows[:limit]
    return _distinct(rows, limit)


def _distinct(names: Iterable[str], limit: int) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        if name.lower() not in seen:
            seen.add(name.lower())
            out.append(name)
        if len(out) == limit:
            break
    return out


# A product's tags as one text (tags saved in another shape count as none).
_TAGS_TEXT = """coalesce((SELECT string_agg(t, ' ') FROM jsonb_array_elements_text(
    CASE WHEN jsonb_typeof(p.tags) = 'array' THEN p.tags ELSE '[]'::jsonb END) t), '')"""

# The search document of the products matching the condition appended to it.
_DOCUMENT_SQL = f"""
UPDATE catalog_product p SET search_vector =
    setweight(to_tsvector('english', coalesce(p.name, '')), 'A')
 || setweight(to_tsvector('english', coalesce(p.brand, '') || ' ' || {_TAGS_TEXT}), 'B')
 || setweight(to_tsvector('english', coalesce(
        (SELECT string_agg(e.key || ' ' || e.value, ' ') FROM jsonb_each_text(
            CASE WHEN jsonb_typeof(p.specifications) = 'object' THEN p.specifications
            ELSE '{{}}'::jsonb END) e), '')), 'C')
 || setweight(to_tsvector('english', coalesce(p.description, '')), 'D')
WHERE """  # noqa: S608 - built from constants

# The words typo correction knows the products matching the appended condition by: those
# of 3 characters or more in the name, brand and tags.
_WORDS_SQL = f"""
SELECT DISTINCT p.storefront, left(w, 60) AS word
FROM catalog_product p,
     regexp_split_to_table(lower(
         coalesce(p.name, '') || ' ' || coalesce(p.brand, '') || ' ' || {_TAGS_TEXT}),
                           '[^a-z0-9]+') AS w
WHERE length(w) >= 3 AND """  # noqa: S608 - built from constants


def document_sql(products: str) -> str:
    """Rewrite the search document of the products matching `products` (SQL on `p`)."""
    return _DOCUMENT_SQL + products


def learn_words_sql(products: str) -> str:
    """Learn the words of the products matching `products` (SQL on `p`)."""
    return (
        "INSERT INTO catalog_searchterm (storefront, word) "
        + _WORDS_SQL
        + products
        + " ON CONFLICT DO NOTHING"
    )


def reindex_products(product_ids: Iterable[int]) -> None:
    """Rewrite the search document of these products and learn their words (typo list)."""
    ids = list(product_ids)
    if not ids or not uses_postgres():
        return
    with connection.cursor() as cursor:
        cursor.execute(document_sql("p.id = ANY(%s)"), [ids])
        cursor.execute(learn_words_sql("p.id = ANY(%s)"), [ids])


def search_words_prune() -> int:
    """Forget the words no product uses any more (renamed or deleted products): typo
    correction must not turn a search into a word that finds nothing. Beat, daily."""
    if not uses_postgres():
        return 0
    used = _WORDS_SQL + "p.deleted_at IS NULL"
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM catalog_searchterm s WHERE NOT EXISTS (SELECT 1 FROM ("  # noqa: S608
            + used
            + ") u WHERE u.storefront = s.storefront AND u.word = s.word)"
        )
        forgotten = cursor.rowcount
    pagecache.catalog_changed()  # suggestions and corrections read the words
    return forgotten
