"""Fill the DATABASE_URL database (PostgreSQL) with a large catalog for benchmarking.

    DATABASE_URL=postgres://... .venv/bin/python bench/generate.py [--products 100000]
        [--shops 1000] [--categories 60] [--reviews 300000] [--users 5000]

It first deletes every catalog row (shops, products, reviews, …, and with TRUNCATE …
CASCADE every row that points at them: carts, orders) and the `bench_` users, then writes
with COPY, then computes what the services would (ratings, counters, search documents, the
typo word list) in a few set-based UPDATEs, and analyzes every table it wrote. Use a
database of its own (it takes about a minute and a half on two cores).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from catalog import pagecache  # noqa: E402

BRANDS = {
    "Phones": ["Apple", "Samsung", "Tecno", "Infinix", "Itel", "Xiaomi", "Nokia", "Oppo"],
    "Laptops": ["Dell", "HP", "Lenovo", "Apple", "Asus", "Acer", "MSI"],
    "Accessories": ["Anker", "Oraimo", "JBL", "Sony", "Belkin", "Baseus"],
    "Tablets": ["Apple", "Samsung", "Lenovo", "Huawei"],
    "Televisions": ["Hisense", "LG", "Samsung", "TCL", "Sony"],
    "Cameras": ["Canon", "Nikon", "Sony", "Fujifilm", "GoPro"],
    "Gaming": ["Sony", "Microsoft", "Nintendo", "Razer", "Logitech"],
    "Networking": ["TP-Link", "Huawei", "Netgear", "Tenda"],
    "Smart Home": ["Xiaomi", "Amazon", "Google", "Philips"],
    "Wearables": ["Apple", "Samsung", "Huawei", "Xiaomi", "Garmin"],
}
WORDS = ["Pro", "Max", "Lite", "Plus", "Ultra", "Mini", "Neo", "Air", "Prime", "Edge", "Go",
         "Spark", "Note", "Hot", "Zero", "Smart", "Power", "Nova", "Galaxy", "Vision"]  # fmt: skip
COLOURS = ["Black", "Silver", "Blue", "Gold", "Green", "White", "Purple", "Red"]
CS_CATS = ["Services", "Digital Goods", "Software", "E-books", "Courses", "Templates",
           "Music", "Games", "Hosting", "Security"]  # fmt: skip
CITIES = ["Lilongwe", "Blantyre", "Mzuzu", "Zomba", "Kasungu", "Mangochi"]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def copy(cursor, table: str, columns: list[str], rows) -> int:
    n = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)
            n += 1
    return n


def ids_by_storefront(cursor, sql: str) -> tuple[list[int], list[int]]:
    """The ids that `sql` (selecting id, storefront) returns: Techaven's, then CryptoShop's."""
    cursor.execute(sql)
    rows = cursor.fetchall()
    return (
        [i for i, sf in rows if sf == "techaven"],
        [i for i, sf in rows if sf == "cryptoshop"],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--shops", type=int, default=1_000)
    parser.add_argument("--categories", type=int, default=60)
    parser.add_argument("--reviews", type=int, default=300_000)
    parser.add_argument("--users", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not settings.USES_POSTGRES:
        sys.exit("bench/generate.py needs DATABASE_URL pointing at PostgreSQL")
    rng = random.Random(args.seed)
    now = datetime.now(UTC)
    started = time.monotonic()
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cur:
        log("clearing the catalog")
        cur.execute(
            "TRUNCATE catalog_reviewimage, catalog_review, catalog_wishlistitem, "
            "catalog_productimage, catalog_product, catalog_shop, catalog_category, "
            "catalog_searchterm RESTART IDENTITY CASCADE"
        )
        cur.execute("DELETE FROM accounts_user WHERE username LIKE 'bench\\_%%'")

        log(f"{args.users} users")
        user_cols = ["uid", "storefront", "username", "email", "full_name", "phone", "gender",
                     "avatar", "password", "is_staff", "is_superuser", "is_active",
                     "suspension_reason", "deletion_reason", "two_factor_enabled",
                     "remember_next_session", "created_at", "updated_at"]  # fmt: skip
        existing = {c.name for c in connection.introspection.get_table_description(
            connection.cursor(), "accounts_user")}  # fmt: skip
        user_cols = [c for c in user_cols if c in existing]

        def users():
            for i in range(args.users):
                sf = "techaven" if i % 4 else "cryptoshop"
                values = {
                    "uid": f"bu{i:010d}", "storefront": sf, "username": f"bench_{i}",
                    "email": f"bench{i}@bench.local" if sf == "techaven" else "",
                    "full_name": f"Bench User {i}", "phone": "", "gender": "", "avatar": "",
                    "password": "!", "is_staff": False, "is_superuser": False,
                    "is_active": True, "suspension_reason": "", "deletion_reason": "",
                    "two_factor_enabled": False, "remember_next_session": False,
                    "created_at": now, "updated_at": now,
                }  # fmt: skip
                yield [values[c] for c in user_cols]

        copy(cur, "accounts_user", user_cols, users())
        th_users, cs_users = ids_by_storefront(
            cur, "SELECT id, storefront FROM accounts_user WHERE username LIKE 'bench\\_%%'"
        )

        log(f"{args.categories} categories")
        n_cs = max(1, args.categories // 6)
        n_th = args.categories - n_cs
        roots = list(BRANDS)[: max(1, n_th // 5)]
        cat_rows = []
        for i, name in enumerate(roots):
            cat_rows.append(("techaven", None, name, f"bench-{i}", i))
        subs_needed = n_th - len(roots)
        for j in range(subs_needed):
            parent = j % len(roots)
            cat_rows.append(("techaven", parent, f"{roots[parent]} {WORDS[j % len(WORDS)]}",
                             f"bench-sub-{j}", j))  # fmt: skip
        for k in range(n_cs):
            cat_rows.append(("cryptoshop", None, CS_CATS[k % len(CS_CATS)] + ("" if k < 10
                             else f" {k}"), f"bench-cs-{k}", k))  # fmt: skip
        ids: list[int] = []
        for storefront, parent, name, slug, order in cat_rows:
            cur.execute(
                "INSERT INTO catalog_category (storefront, parent_id, name, slug, description, "
                "icon, image, is_featured, sort_order) VALUES (%s, %s, %s, %s, '', '', '', %s, %s)"
                " RETURNING id",
                [storefront, ids[parent] if parent is not None else None, name, slug,
                 parent is None, order],
            )  # fmt: skip
            ids.append(cur.fetchone()[0])
        th_cats = [
            (cid, row) for cid, row in zip(ids, cat_rows, strict=True) if row[0] == "techaven"
        ]
        cs_cats = [cid for cid, row in zip(ids, cat_rows, strict=True) if row[0] == "cryptoshop"]

        log(f"{args.shops} shops")
        shop_cols = ["uid", "storefront", "owner_id", "name", "slug", "description",
                     "category_id", "logo", "cover_image", "location", "address", "phone",
                     "email", "website", "business_hours", "response_time", "is_verified",
                     "is_open", "is_online", "is_active", "rating", "review_count",
                     "product_count", "sales_count", "revenue_minor", "joined_at",
                     "updated_at"]  # fmt: skip
        n_cs_shops = max(1, args.shops // 5)

        def shops():
            cs_owner = iter(cs_users)
            for i in range(args.shops):
                sf = "cryptoshop" if i < n_cs_shops else "techaven"
                owner = next(cs_owner, None) if sf == "cryptoshop" else None
                cat = rng.choice(cs_cats) if sf == "cryptoshop" else rng.choice(th_cats)[0]
                yield [f"bs{i:010d}", sf, owner, f"Bench Shop {i}", f"bench-shop-{i}",
                       "A benchmark shop", cat, "", "", rng.choice(CITIES), "", "", "", "",
                       "{}", "1 hour", i % 3 == 0, True, i % 2 == 0, True, 0, 0, 0,
                       rng.randint(0, 5000), rng.randint(0, 10**9),
                       now - timedelta(days=rng.randint(1, 900)), now]  # fmt: skip

        copy(cur, "catalog_shop", shop_cols, shops())
        th_shops, cs_shops = ids_by_storefront(cur, "SELECT id, storefront FROM catalog_shop")

        log(f"{args.products} products")
        product_cols = ["storefront", "uid", "shop_id", "category_id", "name", "slug",
                        "description", "currency", "price_minor", "original_price_minor",
                        "price_eur_minor", "stock_quantity", "specifications", "tags", "brand",
                        "delivery_time", "is_digital", "download_url", "is_featured",
                        "is_hot_sale", "is_active", "rating", "review_count", "view_count",
                        "sales_count", "created_at", "updated_at"]  # fmt: skip
        n_cs_products = args.products // 7

        def products():
            for i in range(args.products):
                created = now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
                if i < n_cs_products:
                    cat = rng.choice(cs_cats)
                    sats = rng.randint(1_000, 5_000_000)
                    name = f"{rng.choice(WORDS)} {rng.choice(CS_CATS)} {rng.choice(WORDS)} {i}"
                    yield ["cryptoshop", f"bp{i:010d}", rng.choice(cs_shops), cat, name,
                           f"bench-p-{i}", "Digital delivery, instant.", "BTC", sats, None,
                           sats * 3 // 100, 999, json.dumps({"Licence": "Lifetime"}),
                           json.dumps(["digital", "instant"]), "", "Instant", True, "", False,
                           False, i % 50 != 0, 0, 0, rng.randint(0, 20_000),
                           rng.randint(0, 3_000), created, created]  # fmt: skip
                    continue
                cat_id, cat_row = rng.choice(th_cats)
                root = cat_row[2] if cat_row[1] is None else roots[cat_row[1]]
                brand = rng.choice(BRANDS.get(root, BRANDS["Phones"]))
                model = f"{rng.choice(WORDS)} {rng.randint(2, 99)}"
                colour = rng.choice(COLOURS)
                price = rng.randint(5, 3_000) * 1_000
                original = price + rng.randint(1, 40) * price // 100 if i % 5 == 0 else None
                yield ["techaven", f"bp{i:010d}", rng.choice(th_shops), cat_id,
                       f"{brand} {model} {colour}", f"bench-p-{i}",
                       f"{brand} {model} in {colour}. Genuine with warranty.", "MWK", price,
                       original, None, rng.randint(0, 200),
                       json.dumps({"brand": brand, "model": model, "color": colour}),
                       json.dumps([brand.lower(), root.lower()]), brand, "2-3 days", False, "",
                       i % 97 == 0, i % 53 == 0, i % 50 != 0, 0, 0, rng.randint(0, 20_000),
                       rng.randint(0, 3_000), created, created]  # fmt: skip

        copy(cur, "catalog_product", product_cols, products())
        cur.execute("SELECT min(id), max(id) FROM catalog_product")
        lo, hi = cur.fetchone()

        log("product images")
        copy(cur, "catalog_productimage", ["product_id", "image", "url", "position"],
             ([pid, "", f"https://img.bench.local/p/{pid}.jpg", 0]
              for pid in range(lo, hi + 1)))  # fmt: skip

        log(f"{args.reviews} reviews")
        review_cols = ["uid", "product_id", "user_id", "rating", "title", "comment",
                       "is_verified_purchase", "helpful_count", "is_hidden", "hidden_reason",
                       "created_at"]  # fmt: skip
        cur.execute("SELECT id, storefront FROM catalog_product")
        product_sf = cur.fetchall()

        def reviews():
            seen: set[tuple[int, int]] = set()
            n = 0
            while n < args.reviews:
                pid, sf = product_sf[rng.randrange(len(product_sf))]
                uid = rng.choice(th_users if sf == "techaven" else cs_users)
                if (pid, uid) in seen:
                    continue
                seen.add((pid, uid))
                yield [f"br{n:010d}", pid, uid, rng.choice((5, 5, 5, 4, 4, 3, 2, 1)), "Bench",
                       "Benchmark review text.", False, rng.randint(0, 30), n % 100 == 0,
                       "", now - timedelta(minutes=rng.randint(0, 300_000))]  # fmt: skip
                n += 1

        copy(cur, "catalog_review", review_cols, reviews())

        log("ratings and counters")
        cur.execute(
            "UPDATE catalog_product p SET rating = s.avg, review_count = s.n FROM ("
            " SELECT product_id, round(avg(rating)::numeric, 2) AS avg, count(*) AS n"
            " FROM catalog_review WHERE NOT is_hidden GROUP BY product_id) s"
            " WHERE p.id = s.product_id"
        )
        cur.execute(
            "UPDATE catalog_shop sh SET rating = s.avg, review_count = s.n FROM ("
            " SELECT p.shop_id, round(avg(r.rating)::numeric, 2) AS avg, count(*) AS n"
            " FROM catalog_review r JOIN catalog_product p ON p.id = r.product_id"
            " WHERE NOT r.is_hidden GROUP BY p.shop_id) s WHERE sh.id = s.shop_id"
        )
        cur.execute(
            "UPDATE catalog_shop sh SET product_count = s.n FROM ("
            " SELECT shop_id, count(*) AS n FROM catalog_product"
            " WHERE is_active AND deleted_at IS NULL GROUP BY shop_id) s"
            " WHERE sh.id = s.shop_id"
        )
        log("search documents")
        from catalog.search import document_sql, learn_words_sql

        # what catalog.search.reindex_products writes, for every product at once
        cur.execute(document_sql("TRUE"))
        cur.execute(learn_words_sql("TRUE"))
    raw.commit()
    # every table written: without statistics the planner takes a 100,000-row table for a
    # small one and scans it (autovacuum may be off, or not have come round yet)
    log("vacuum analyze (planner statistics; index-only scans need the visibility map)")
    raw.autocommit = True
    with raw.cursor() as cur:
        for table in ("accounts_user", "catalog_category", "catalog_shop", "catalog_product",
                      "catalog_productimage", "catalog_review", "catalog_searchterm"):  # fmt: skip
            cur.execute(f"VACUUM ANALYZE {table}")
    # COPY and the raw connection bypass the statement watch: drop cached pages by hand
    pagecache.invalidate()
    log(f"done in {time.monotonic() - started:.0f}s")


if __name__ == "__main__":
    main()
