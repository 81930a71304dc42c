"""Catalog reads shared by the storefront APIs, the seller back office and the admin.

What the merchandising lists mean is decided here, once (docs/decisions.md, Catalog):
- listed: active, not soft-deleted, in an active shop;
- featured: `is_featured` (set by staff or the shop);
- hot sale: `is_hot_sale` (a sale the shop or staff put on), best sellers first;
- special offer: `original_price_minor > price_minor` (a real markdown), biggest discount first;
- new arrival: created in the last `CATALOG_NEW_ARRIVAL_DAYS` (30) days, newest first.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

from django.core.exceptions import EmptyResultSet
from django.core.files.storage import default_storage
from django.db.models import Count, F, FileField, Max, Min, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from catalog import conf, pagecache, purchases, search
from catalog.models import Category, Product, ProductImage, Review, Shop, WishlistItem
from core.cache import quiet_get, quiet_set
from core.paging import Page
from core.prepared import prepared_count, prepared_objects, prepared_rows


def products_listed(storefront: str, closed: list[int] | None = None) -> QuerySet[Product]:
    """Listed products. Closed shops are few: their ids are excluded up front rather than
    joined, so every sort walks its partial index alone (deep pages stay cheap). `closed`:
    the storefront's closed shops, when the caller has read them already."""
    closed = closed_shop_ids(storefront) if closed is None else closed
    qs = Product.objects.filter(visible_filter(), storefront=storefront)
    return qs.exclude(shop_id__in=closed) if closed else qs


def closed_shop_ids(storefront: str) -> list[int]:
    rows = prepared_rows(
        "closed_shop_ids",
        lambda: Shop.objects.filter(storefront=storefront, is_active=False).values_list("pk"),
        [storefront],  # is_active=False compiles to `NOT is_active`
    )
    return [pk for (pk,) in rows]


def products_listed_joined(storefront: str) -> QuerySet[Product]:
    """The same rows as products_listed, with the shop's state checked through a join: cheaper
    for a handful of rows (one product, related products) than fetching the closed shops."""
    return Product.objects.filter(visible_filter(), storefront=storefront, shop__is_active=True)


def new_arrival_since(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=conf.NEW_ARRIVAL_DAYS)


def is_new_arrival(product: Product, now: datetime | None = None) -> bool:
    return product.created_at >= new_arrival_since(now)


def is_special_offer(product: Product) -> bool:
    return bool(product.original_price_minor and product.original_price_minor > product.price_minor)


def discount_percentage(product: Product) -> int:
    """Whole percent off the original price, rounded half up; 0 when there is no markdown."""
    if not is_special_offer(product):
        return 0
    off = Decimal(product.original_price_minor - product.price_minor) * 100
    return int((off / product.original_price_minor).quantize(Decimal(1), ROUND_HALF_UP))


def featured(qs: QuerySet[Product]) -> QuerySet[Product]:
    return qs.filter(is_featured=True).order_by("-created_at", "-id")


def hot_sales(qs: QuerySet[Product]) -> QuerySet[Product]:
    return qs.filter(is_hot_sale=True).order_by("-sales_count", "-id")


def special_offers(qs: QuerySet[Product]) -> QuerySet[Product]:
    return (
        qs.filter(original_price_minor__gt=F("price_minor"))
        .annotate(
            markdown=(F("original_price_minor") - F("price_minor"))
            * 1000
            / F("original_price_minor")
        )
        .order_by("-markdown", "-id")
    )


def new_arrivals(qs: QuerySet[Product]) -> QuerySet[Product]:
    return qs.filter(created_at__gte=new_arrival_since()).order_by("-created_at", "-id")


# --- categories ---------------------------------------------------------------------


def categories_of(storefront: str) -> list[Category]:
    return list(Category.objects.filter(storefront=storefront))


def category_subtree_ids(category: Category, categories: list[Category]) -> list[int]:
    """The category and all its descendants."""
    children: dict[int | None, list[int]] = {}
    for c in categories:
        children.setdefault(c.parent_id, []).append(c.pk)
    out, todo = [], [category.pk]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(children.get(current, []))
    return out


def category_subtree(storefront: str, pk: int) -> tuple[int, ...] | None:
    """The ids of the storefront's category `pk` and all its descendants (what a category
    filter covers); None when the storefront has no such category."""
    categories = categories_of(storefront)
    category = next((c for c in categories if c.pk == pk), None)
    if category is None:
        return None
    return tuple(category_subtree_ids(category, categories))


def category_tree(storefront: str) -> tuple[list[Category], dict[int, list[Category]]]:
    """The storefront's top categories, and each category's children (by parent id)."""
    categories = categories_of(storefront)
    children: dict[int, list[Category]] = {}
    for c in categories:
        if c.parent_id:
            children.setdefault(c.parent_id, []).append(c)
    return [c for c in categories if c.parent_id is None], children


def seller_categories(user: User) -> QuerySet[Category]:
    """The categories a seller may file products under: those of their shops' storefronts."""
    return Category.objects.filter(storefront__in=seller_shops(user).values("storefront"))


def category_product_counts(storefront: str) -> dict[int, int]:
    """Listed products per category, each parent counting its subcategories' products too."""
    direct = dict(
        products_listed(storefront)
        .filter(category__isnull=False)
        .values_list("category_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    categories = categories_of(storefront)
    return {
        c.pk: sum(direct.get(i, 0) for i in category_subtree_ids(c, categories)) for c in categories
    }


# --- product lists -------------------------------------------------------------------


@dataclass(frozen=True)
class ProductQuery:
    storefront: str
    category_ids: tuple[int, ...] | None = None
    shop_id: int | None = None
    min_price_minor: int | None = None
    max_price_minor: int | None = None
    text: str = ""
    # model field to order by (None: relevance when searching, else newest)
    sort: str | None = None
    descending: bool = True
    extra: dict = field(default_factory=dict)


def product_search(storefront: str, text: str) -> tuple[QuerySet[Product], str]:
    """Listed products matching `text` (all of them for no text), and the text as
    understood (typos corrected); on PostgreSQL annotated with `relevance`."""
    qs = products_listed(storefront)
    if not text:
        return qs, ""
    return search.apply(qs, storefront, text)


def _query_filters(q: ProductQuery) -> list[tuple[str, object]]:
    """The filters of `q` beyond what is listed (and matched), as (lookup, value)."""
    wanted = [
        (
            "category_id__in",
            None if q.category_ids is None else tuple(dict.fromkeys(q.category_ids)),
        ),
        ("shop_id", q.shop_id),
        ("price_minor__gte", q.min_price_minor),
        ("price_minor__lte", q.max_price_minor),
    ]
    return [(lookup, value) for lookup, value in wanted if value is not None]


def _query_order(q: ProductQuery) -> tuple[str, ...]:
    sign = "-" if q.descending else ""
    if q.sort == "relevance" or (q.sort is None and q.text):
        return ("-relevance", "-sales_count", "-id")
    if q.sort is None:
        return ("-created_at", "-id")
    return (f"{sign}{q.sort}", f"{sign}id")


def product_queryset(
    q: ProductQuery, *, matched: tuple[QuerySet[Product], str] | None = None
) -> tuple[QuerySet[Product], str]:
    """Filtered and ordered (ids as the tie-break, so pages never overlap). `matched`:
    what product_search gave for the same storefront and text, not to search twice."""
    qs, understood = matched or product_search(q.storefront, q.text)
    for lookup, value in _query_filters(q):
        qs = qs.filter(**{lookup: value})
    return qs.order_by(*_query_order(q)), understood


def product_list_page(q: ProductQuery, *, page: int, limit: int, fields: tuple[str, ...]) -> Page:
    """The page of cards (`fields`, see product_page) of a product list without search
    text: what the storefronts' lists ask most, so its count and its page of ids run SQL
    compiled once per shape (which filters, how many ids each lists, the order)."""
    if q.text:
        qs, _ = product_queryset(q)
        return product_page(qs, page=page, limit=limit, fields=fields, count_key=q)
    closed = closed_shop_ids(q.storefront)
    filters = _query_filters(q)
    params: list[object] = [q.storefront, *closed]
    for lookup, value in filters:
        params += list(value) if lookup.endswith("__in") else [value]

    def listed() -> QuerySet[Product]:
        qs = products_listed(q.storefront, closed)
        for lookup, value in filters:
            qs = qs.filter(**{lookup: value})
        return qs

    shape = (
        len(closed),
        tuple((lookup, len(v) if lookup.endswith("__in") else 1) for lookup, v in filters),
        _query_order(q),
    )
    total = cached_count(key_from=q, count=lambda: prepared_count(shape, listed, params))
    offset = (page - 1) * limit
    if offset >= total:
        return Page(items=[], number=page, size=limit, total=total)
    rows = prepared_rows(
        ("listed_ids", shape),
        lambda: listed().order_by(*_query_order(q)).values_list("id"),
        params,
        window=(offset, limit),
    )
    items = card_rows([pk for (pk,) in rows], fields)
    attach_card_images(items)
    return Page(items=items, number=page, size=limit, total=total)


def products_in_category_named(qs: QuerySet[Product], name: str) -> QuerySet[Product]:
    """The products of `qs` in the category of that name (any case) or in a direct
    subcategory of it (CryptoShop names its categories, it does not number them)."""
    return qs.filter(Q(category__name__iexact=name) | Q(category__parent__name__iexact=name))


def _card_related(sellers: bool) -> tuple[str, ...]:
    return ("shop", "shop__owner", "category") if sellers else ("shop", "category")


def product_with_card_data(qs: QuerySet[Product], *, sellers: bool = True) -> Product | None:
    """The first product of `qs` with what its card shows: shop, category, its images (the
    list `card_images`, read through catalog.api.common.product_images) and the shop's
    owner where the storefront shows sellers (CryptoShop). Never the search document."""
    product = qs.select_related(*_card_related(sellers)).defer("search_vector").first()
    if product is not None:
        attach_card_images([product])
        pagecache.note_shown([product.pk])
    return product


def product_get_with_card_data(pk: int) -> Product | None:
    """The product (listed or not: its seller has just written it) with its card data."""
    return product_with_card_data(Product.objects.filter(pk=pk))


def attach_card_images(products: list) -> None:
    """Each product's images in order as the list `card_images`, in one plain query of
    rows (a page of cards built 60 image objects, each through Django's model machinery
    and django-cleanup's `post_init`, for three columns)."""
    images: dict[int, list[CardImage]] = {p.pk: [] for p in products}
    ids = list(images)
    rows = (
        prepared_rows(
            ("card_images", len(ids)),
            lambda: (
                ProductImage.objects.filter(product_id__in=ids)
                .order_by("position", "id")
                .values_list("product_id", "image", "url")
            ),
            ids,
        )
        if ids
        else []
    )
    for product_id, name, url in rows:
        images[product_id].append(CardImage(StoredFile(name), url))
    for p in products:
        p.card_images = images[p.pk]


# --- card rows: what a product card reads, without model instances ----------------------


class StoredFile:
    """An uploaded file's name as a card reads it: true when there is one, and its `url`
    from the storage (what `FieldFile` gives, without the model instance behind it)."""

    __slots__ = ("name",)

    def __init__(self, name: str | None) -> None:
        self.name = name or ""

    def __bool__(self) -> bool:
        return bool(self.name)

    @property
    def url(self) -> str:
        return default_storage.url(self.name)


class CardImage:
    __slots__ = ("image", "url")

    def __init__(self, image: StoredFile, url: str) -> None:
        self.image, self.url = image, url


class Related(SimpleNamespace):
    """A related row of a card (`shop`, `category`, `shop.owner`): its columns as attributes."""


class CardRow(SimpleNamespace):
    """One product of a page of cards: the columns the caller named, related ones nested
    (`shop__name` as `row.shop.name`), files as StoredFile; read like the model."""

    @property
    def pk(self) -> int:
        return self.id

    @property
    def is_available(self) -> bool:
        return Product.is_available.fget(self)


@dataclass(frozen=True, slots=True)
class _Columns:
    """Where a CardRow's columns go: `own` on the row itself, then each related row (`path`
    from the card, parents first) with its `columns`; each column its position in the
    query's values, its name, and whether it is a file."""

    own: tuple[tuple[int, str, bool], ...]
    related: tuple[tuple[tuple[str, ...], tuple[tuple[int, str, bool], ...]], ...]


@functools.cache  # a handful of CARD_FIELDS tuples, resolved once per process
def _card_columns(fields: tuple[str, ...]) -> _Columns:
    own, related = [], {}
    for position, path in enumerate(fields):
        model, *parents, name = [Product, *path.split("__")]
        for depth, part in enumerate(parents, 1):
            model = model._meta.get_field(part).related_model
            related.setdefault(tuple(parents[:depth]), [])
        column = (position, name, isinstance(model._meta.get_field(name), FileField))
        (related[tuple(parents)] if parents else own).append(column)
    ordered = sorted(related.items(), key=lambda item: len(item[0]))
    return _Columns(tuple(own), tuple((path, tuple(cols)) for path, cols in ordered))


def _namespace(kind: type, columns: tuple[tuple[int, str, bool], ...], values: tuple):
    return kind(
        **{name: StoredFile(values[i]) if is_file else values[i] for i, name, is_file in columns}
    )


def card_rows(ids: list[int], fields: tuple[str, ...]) -> list[CardRow]:
    """The products `ids` in that order, each a CardRow of `fields`, in one query."""
    ids = list(dict.fromkeys(ids))
    rows = (
        prepared_rows(
            ("card_rows", fields, len(ids)),
            lambda: Product.objects.filter(pk__in=ids).values_list(*fields),
            ids,
        )
        if ids
        else []
    )
    columns = _card_columns(fields)
    found: dict[int, CardRow] = {}
    for values in rows:
        row = _namespace(CardRow, columns.own, values)
        for path, related_columns in columns.related:
            parent = functools.reduce(getattr, path[:-1], row)
            setattr(parent, path[-1], _namespace(Related, related_columns, values))
        found[row.id] = row
    pagecache.note_shown(found)
    return [found[i] for i in ids if i in found]


def _cache_key(kind: str, qs: QuerySet) -> str | None:
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:  # a query that can match nothing has no SQL
        return None
    return f"catalog:{kind}:" + hashlib.sha256(f"{sql}|{params}".encode()).hexdigest()


def cached_count(
    qs: QuerySet | None = None, *, key_from: object = None, count: Callable[[], int] | None = None
) -> int:
    """Counts of big lists are cached a short while: the count is the one part of a deep
    page that cannot use an index range. Small lists are always counted exactly.
    `key_from`: what alone decides `qs` (a ProductQuery, say), keyed by its repr instead of
    the count's compiled SQL (compiling it cost a tenth of a list page); `count`: how to
    count instead of `qs.count()`."""
    if key_from is not None:
        key: str | None = "catalog:count:q:" + hashlib.sha256(repr(key_from).encode()).hexdigest()
    else:
        key = _cache_key("count", qs)
    total = quiet_get(key) if key else None
    if total is None:
        total = count() if count is not None else qs.count()
        if key and total >= conf.COUNT_CACHE_MIN_ROWS:
            quiet_set(key, total, conf.COUNT_CACHE_SECONDS)
    return total


def product_page(
    qs: QuerySet[Product],
    *,
    page: int,
    limit: int,
    count: bool = True,
    total: int | None = None,
    sellers: bool = True,
    fields: tuple[str, ...] | None = None,
    count_key: object = None,
) -> Page:
    """One page of an ordered product queryset, cheap at any depth: the page's ids are
    read from the sort index first, then only those rows are loaded with what a card shows
    (`total`: the count when the caller knows it already; `sellers`: see
    product_with_card_data;
    `fields`: the only columns the caller's cards read, `shop__…`/`category__…` included;
    the items are then CardRows, read like products, not model instances; `count_key`:
    see cached_count's `key_from`)."""
    if total is None and count:
        total = cached_count(qs, key_from=count_key)
    offset = (page - 1) * limit
    if total is not None and offset >= total:
        return Page(items=[], number=page, size=limit, total=total)
    ids = list(qs.values_list("id", flat=True)[offset : offset + limit])
    if fields:
        items = card_rows(ids, fields)
    else:
        rows = Product.objects.filter(pk__in=ids).select_related(*_card_related(sellers))
        found = {p.pk: p for p in rows.defer("search_vector")}
        items = [found[i] for i in ids if i in found]
    attach_card_images(items)
    return Page(
        items=items, number=page, size=limit, total=total if total is not None else len(items)
    )


def product_facets(qs: QuerySet[Product]) -> tuple[dict, int]:
    """Categories (with counts) and the price range of everything the query matched, and
    how many products it matched.

    One grouped query gives all three (products without a category make a group of their
    own, counted in the total and the price range only). Like list counts, the facets of
    big result sets are cached a short while."""
    rows = (
        qs.order_by()
        .values_list("category_id", "category__name")
        .annotate(n=Count("id"), lo=Min("price_minor"), hi=Max("price_minor"))
        .order_by("-n", "category__name")
    )
    key = _cache_key("facets", rows)
    cached = quiet_get(key) if key else None
    if cached is not None:
        return cached
    rows = list(rows) if key else []
    categories = [{"id": c, "name": name, "count": n} for c, name, n, _, _ in rows if c]
    facets = {
        "categories": categories,
        "price_range": {
            "min": min((r[3] for r in rows), default=0),
            "max": max((r[4] for r in rows), default=0),
        },
    }
    total = sum(r[2] for r in rows)
    if key and total >= conf.COUNT_CACHE_MIN_ROWS:
        quiet_set(key, (facets, total), conf.COUNT_CACHE_SECONDS)
    return facets, total


def related_product_ids(product: Product, limit: int | None = None) -> list[int]:
    """Listed products of the same category (else the same shop), best sellers first."""
    limit = limit or conf.RELATED_PRODUCTS
    same = "category_id" if product.category_id else "shop_id"
    value = getattr(product, same)

    def related() -> QuerySet[Product]:
        qs = products_listed_joined(product.storefront).exclude(pk=product.pk)
        return qs.filter(**{same: value}).order_by("-sales_count", "-id").values_list("id")

    rows = prepared_rows(
        ("related_ids", same), related, [product.storefront, product.pk, value], window=(0, limit)
    )
    return [pk for (pk,) in rows]


def product_get_listed(
    storefront: str, pk: int | None = None, *, uid: str | None = None
) -> Product | None:
    """One listed product (by pk or uid) with its card data. The card joins the shop
    anyway, so whether it is open is checked in the same query."""
    by, value = ("uid", uid) if uid is not None else ("pk", pk)
    found = prepared_objects(
        Product,
        ("listed_product", by),
        lambda: products_listed_joined(storefront).filter(**{by: value}),
        [storefront, value],
        related=_card_related(sellers=True),
        defer=("search_vector",),
    )
    if not found:
        return None
    attach_card_images(found)
    pagecache.note_shown([found[0].pk])
    return found[0]


# --- shops ---------------------------------------------------------------------------


def shops_listed(storefront: str) -> QuerySet[Shop]:
    return Shop.objects.filter(storefront=storefront, is_active=True)


def seller_shops(user: User) -> QuerySet[Shop]:
    """The active shops `user` owns: what the seller back office lets them manage."""
    return Shop.objects.filter(owner=user, is_active=True)


def seller_products(user: User) -> QuerySet[Product]:
    """The products of the shops `user` manages, soft-deleted ones left out."""
    return Product.objects.filter(shop__in=seller_shops(user), deleted_at__isnull=True)


def seller_product_images(user: User) -> QuerySet[ProductImage]:
    """The images of seller_products, by product and position."""
    return ProductImage.objects.filter(
        product__shop__in=seller_shops(user), product__deleted_at__isnull=True
    ).order_by("product_id", "position", "id")


def shop_get_listed(storefront: str, uid: str) -> Shop | None:
    return shops_listed(storefront).filter(uid=uid).first()


def shop_pk_of(storefront: str, uid: str) -> int | None:
    """The pk of the storefront's shop with this uid, open or closed; None for no shop."""
    return Shop.objects.filter(uid=uid, storefront=storefront).values_list("pk", flat=True).first()


def shop_list(
    storefront: str, *, location: str = "", category_ids: tuple[int, ...] | None = None
) -> QuerySet[Shop]:
    """Listed shops, verified and best rated first. `location`: the whole location, any
    case; `category_ids`: shops that sell in one of these categories or are filed under
    one."""
    qs = shops_listed(storefront)
    if location:
        qs = qs.filter(location__iexact=location)
    if category_ids is not None:
        sells_there = Product.objects.filter(
            category_id__in=category_ids, is_active=True, deleted_at__isnull=True
        ).values("shop_id")
        qs = qs.filter(pk__in=sells_there) | qs.filter(category_id__in=category_ids)
    return qs.order_by("-is_verified", "-rating", "name", "id")


def sellers_listed(storefront: str) -> QuerySet[Shop]:
    """Listed shops as sellers are shown: with their owner, category and the number of
    products they list (`listed_products`)."""
    return (
        shops_listed(storefront)
        .select_related("owner", "category")
        .annotate(
            listed_products=Count(
                "products",
                filter=Q(products__is_active=True, products__deleted_at__isnull=True),
            )
        )
    )


def seller_list(
    storefront: str,
    *,
    sort: str,
    descending: bool = True,
    verified_only: bool = False,
    category_name: str | None = None,
    text: str = "",
) -> QuerySet[Shop]:
    """Sellers ordered by `sort` (a field of sellers_listed's rows, ids breaking ties);
    `category_name`: their category's name, any case; `text`: in their name or description."""
    qs = sellers_listed(storefront)
    if verified_only:
        qs = qs.filter(is_verified=True)
    if category_name:
        qs = qs.filter(category__name__iexact=category_name)
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(description__icontains=text))
    sign = "-" if descending else ""
    return qs.order_by(f"{sign}{sort}", f"{sign}id")


def seller_get(storefront: str, uid: str) -> Shop | None:
    return sellers_listed(storefront).filter(uid=uid).first()


def shop_best_sellers(shop: Shop, limit: int) -> QuerySet[Product]:
    """The shop's listed products, most sold first."""
    return (
        products_listed(shop.storefront).filter(shop=shop).order_by("-sales_count", "-id")[:limit]
    )


def shop_category_names(shop_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    """The categories each shop sells in (one query for a whole page of shops)."""
    rows = (
        Product.objects.filter(
            shop_id__in=shop_ids, is_active=True, deleted_at__isnull=True, category__isnull=False
        )
        .values_list("shop_id", "category_id", "category__name")
        .distinct()
        .order_by("shop_id", "category__name")
    )
    out: dict[int, list[tuple[int, str]]] = {}
    for shop_id, cat_id, name in rows:
        out.setdefault(shop_id, []).append((cat_id, name))
    return out


# --- reviews -------------------------------------------------------------------------


def reviews_visible(product: Product) -> QuerySet[Review]:
    return (
        Review.objects.filter(product=product, is_hidden=False)
        .select_related("user")
        .prefetch_related("images")
        .order_by("-created_at", "-id")
    )


def review_summary(product: Product) -> dict:
    counts = dict(
        Review.objects.filter(product=product, is_hidden=False)
        .values_list("rating")
        .annotate(n=Count("id"))
        .order_by()
    )
    total = sum(counts.values())
    average = Decimal(0)
    if total:
        # the same two steps as the stored product rating (2 places, shown with 1), so the
        # summary and the product's `rating` always say the same
        exact = Decimal(sum(r * n for r, n in counts.items())) / total
        average = exact.quantize(Decimal("0.01"), ROUND_HALF_UP).quantize(
            Decimal("0.1"), ROUND_HALF_UP
        )
    return {
        "average_rating": average,
        "total_reviews": total,
        "rating_breakdown": {str(r): counts.get(r, 0) for r in (5, 4, 3, 2, 1)},
    }


def shop_reviews(shop: Shop, limit: int = 10) -> list[Review]:
    """A shop's reviews are the visible reviews of its products (newest first)."""
    return list(
        Review.objects.filter(product__shop=shop, is_hidden=False)
        .select_related("user")
        .order_by("-created_at", "-id")[:limit]
    )


# --- wishlist ------------------------------------------------------------------------


def wishlist_of(user: User) -> QuerySet[WishlistItem]:
    return (
        WishlistItem.objects.filter(user=user, product__deleted_at__isnull=True)
        .select_related("product")
        .prefetch_related(
            Prefetch("product__images", queryset=ProductImage.objects.order_by("position", "id"))
        )
        .order_by("-created_at", "-id")
    )


# --- purchases -----------------------------------------------------------------------


def user_has_delivered_purchase(user: User, product: Product) -> bool:
    """True when the user has an order with this product that reached them (the orders
    app answers: catalog/purchases.py)."""
    return purchases.buyer_received_product(user=user, product_id=product.pk)


def shops_owned(user: User, storefront: str) -> QuerySet[Shop]:
    """The user's shops on `storefront` (on CryptoShop at most one: their seller profile)."""
    return Shop.objects.filter(owner=user, storefront=storefront)


def shop_for_owner(user: User, storefront: str) -> Shop | None:
    return shops_owned(user, storefront).order_by("pk").first()


def visible_filter() -> Q:
    return Q(is_active=True, deleted_at__isnull=True)
