"""Build the signed-in world the bench needs, in the bench database, through Duka's services.

    DATABASE_URL=postgres://... REDIS_URL=redis://... SECRET_KEY=<the server's> \\
        .venv/bin/python bench/world.py --out DIR [--buyers 16] [--orders 10]

bench/run.py runs it before the load, with the environment of the server it starts (the
JWTs are signed with its SECRET_KEY). It writes, under a run-unique name (nothing of an
earlier run is reused or deleted; `make bench-data` empties it all with the catalog):

- `readers_techaven.tsv`: Techaven users signed in (a real login session and its JWT),
  each with `--orders` orders placed through checkout and then 3 items in the cart;
- `readers_cryptoshop.tsv`: CryptoShop accounts (their access token), each with `--orders`
  orders;
- `buyers_<group>.tsv`: Techaven buyers for the checkout scenarios, one line each: token,
  address id, payment method id, the product they buy. Groups: `spread` (one product each),
  `one` (all the same product), `slow` (paying with TNM Mpamba, which bench/run.py serves
  with bench/providers.py's 200 ms provider), `cached` (8 buyers, one product each) and
  `sellout` (all one product of only `--sellout-stock` units);
- `world.json`: the products each group buys, their stock, and the run's name; and what
  the catalog scenarios ask for: a sample of Techaven product ids and the Techaven
  categories with at least 100 products.

`--catalog-only` writes world.json's catalog sample and creates no users (bench/run.py
when no signed-in or checkout scenario runs).

Checkout products get a stock that the run cannot exhaust (`--stock`), except the sell-out
one. Placing orders needs `ORDERS_MAX_UNPAID_PER_ACCOUNT` and
`ORDERS_MAX_UNPAID_UNITS_PER_ACCOUNT` above what a run places (bench/run.py raises both):
every order here waits in "pending payment".
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Address, PaymentMethod, Storefront, User  # noqa: E402
from accounts.services.cryptoshop_auth import cryptoshop_user_register  # noqa: E402
from accounts.services.sessions import techaven_session_start  # noqa: E402
from catalog import pagecache  # noqa: E402
from catalog.models import Category, Product  # noqa: E402
from core.ids import TechavenIds  # noqa: E402
from notifications.services import outbox_relay_run  # noqa: E402
from orders.services.cart import cart_add_item  # noqa: E402
from orders.services.checkout import order_checkout, order_create_from_items  # noqa: E402

# (group, buyers, provider name, one product for all of them)
CHECKOUT_GROUPS = [
    ("spread", None, "Airtel Money", False),
    ("one", None, "Airtel Money", True),
    ("slow", None, "TNM Mpamba", False),
    ("cached", 8, "Airtel Money", False),
    ("sellout", None, "Airtel Money", True),
]


@dataclass(frozen=True, slots=True)
class Buyer:
    user: User
    token: str
    address: Address
    method: PaymentMethod


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] world: {msg}", file=sys.stderr, flush=True)


def techaven_buyer(name: str, provider: str) -> Buyer:
    user = User.objects.create(
        storefront=Storefront.TECHAVEN,
        username=name,
        email=f"{name}@bench.local",
        full_name=f"Bench {name}",
        email_verified_at=timezone.now(),
    )
    address = Address.objects.create(
        user=user, label="Home", full_name=user.full_name, phone="+265991234567",
        address_line_1="123 Main Street", address_line_2="Area 47", city="Lilongwe",
        state="Central Region", country="Malawi", is_default=True,
    )  # fmt: skip
    phone = "+265991234567" if provider == "Airtel Money" else "+265881234567"
    method = PaymentMethod.objects.create(
        user=user, type=PaymentMethod.Type.MOBILE_MONEY, provider=provider, phone_number=phone,
        is_default=True,
    )  # fmt: skip
    token = techaven_session_start(user=user).access_token
    return Buyer(user, token, address, method)


def checkout_via_cart(buyer: Buyer, product_ids: list[int]) -> None:
    for product_id in product_ids:
        cart_add_item(user=buyer.user, product_id=product_id, quantity=1)
    order_checkout(
        user=buyer.user,
        shipping_address_uid=buyer.address.uid,
        payment_method_uid=buyer.method.uid,
    )


def techaven_products(count: int, *, exclude: set[int]) -> list[int]:
    """Active Techaven products of open, active shops, a spread over the catalog."""
    ids = list(
        Product.objects.filter(
            storefront=Storefront.TECHAVEN, is_active=True, deleted_at__isnull=True,
            shop__is_active=True,
        )
        .exclude(pk__in=exclude)
        .order_by("?")
        .values_list("pk", flat=True)[:count]
    )  # fmt: skip
    if len(ids) < count:
        raise SystemExit(f"the catalog has fewer than {count} Techaven products: make bench-data")
    return ids


def write_tsv(path: Path, rows: list[list[object]]) -> None:
    path.write_text("".join("\t".join(str(v) for v in row) + "\n" for row in rows))


def techaven_readers(args: argparse.Namespace, run: str, used: set[int]) -> list[list[object]]:
    log(f"{args.readers} Techaven readers with {args.orders} orders and a cart of 3 (run {run})")
    pool = techaven_products(args.readers * 3 + args.orders * 2, exclude=used)
    used |= set(pool)
    Product.objects.filter(pk__in=pool).update(stock_quantity=args.stock)
    pagecache.stock_changed(pool)
    rows: list[list[object]] = []
    for i in range(args.readers):
        reader = techaven_buyer(f"benchw{run}_th{i}", "Airtel Money")
        for n in range(args.orders):
            checkout_via_cart(reader, [pool[(i + n) % len(pool)], pool[(i + n + 7) % len(pool)]])
        for k in range(3):
            cart_add_item(user=reader.user, product_id=pool[(i * 3 + k) % len(pool)], quantity=1)
        rows.append([reader.token])
    return rows


def cryptoshop_readers(args: argparse.Namespace) -> list[list[object]]:
    log(f"{args.readers} CryptoShop readers with {args.orders} orders")
    cs_products = list(
        Product.objects.filter(
            storefront=Storefront.CRYPTOSHOP, is_active=True, deleted_at__isnull=True,
            stock_quantity__gt=args.readers * args.orders, shop__is_active=True,
        )
        .order_by("?")
        .values_list("uid", flat=True)[: args.orders]
    )  # fmt: skip
    if not cs_products:
        raise SystemExit("the catalog has no CryptoShop products: make bench-data")
    rows: list[list[object]] = []
    for _ in range(args.readers):
        account = cryptoshop_user_register()
        for n in range(args.orders):
            product = cs_products[n % len(cs_products)]
            order_create_from_items(user=account.user, items=[(product, 1)])
        rows.append([account.access_token])
    return rows


def checkout_buyers(args: argparse.Namespace, run: str, used: set[int]) -> dict[str, dict]:
    """Writes buyers_<group>.tsv; returns each group's products, stock and usernames."""
    groups: dict[str, dict] = {}
    for group, size, provider, shared in CHECKOUT_GROUPS:
        size = size or args.buyers
        log(f"{size} buyers ({group}, {provider}, {'one product' if shared else 'a product each'})")
        products = techaven_products(1 if shared else size, exclude=used)
        used |= set(products)
        stock = args.sellout_stock if group == "sellout" else args.stock
        Product.objects.filter(pk__in=products).update(stock_quantity=stock)
        pagecache.stock_changed(products)
        rows: list[list[object]] = []
        for i in range(size):
            buyer = techaven_buyer(f"benchw{run}_{group}{i}", provider)
            product = products[0] if shared else products[i]
            address = TechavenIds.ADDRESS(buyer.address.uid)
            method = TechavenIds.PAYMENT_METHOD(buyer.method.uid)
            rows.append([buyer.token, address, method, product])
        write_tsv(args.out / f"buyers_{group}.tsv", rows)
        groups[group] = {
            "products": products,
            "stock": stock,
            "usernames": [f"benchw{run}_{group}{i}" for i in range(size)],
        }
    return groups


def catalog_sample() -> dict[str, list[int]]:
    """What the catalog scenarios ask for: product ids, categories worth filtering by."""
    ids = (
        Product.objects.filter(
            storefront=Storefront.TECHAVEN, is_active=True, deleted_at__isnull=True
        )
        .order_by("?")
        .values_list("pk", flat=True)[:5000]
    )
    categories = (
        Category.objects.filter(storefront=Storefront.TECHAVEN)
        .annotate(n=Count("products"))
        .filter(n__gte=100)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return {"techaven_product_ids": list(ids), "techaven_categories": list(categories)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="directory for the files")
    parser.add_argument("--buyers", type=int, default=16, help="buyers per checkout group")
    parser.add_argument("--readers", type=int, default=16, help="signed-in readers each")
    parser.add_argument("--orders", type=int, default=10, help="orders of each reader")
    parser.add_argument("--stock", type=int, default=1_000_000)
    parser.add_argument("--sellout-stock", type=int, default=10)
    parser.add_argument("--catalog-only", action="store_true",
                        help="only world.json's catalog sample: no users")  # fmt: skip
    args = parser.parse_args()
    if not settings.USES_POSTGRES:
        sys.exit("bench/world.py needs DATABASE_URL pointing at PostgreSQL")
    args.out.mkdir(parents=True, exist_ok=True)
    run = f"{time.strftime('%m%d%H%M')}{secrets.token_hex(2)}"
    world: dict[str, object] = {"run": run, "groups": {}}
    if not args.catalog_only:
        used: set[int] = set()
        write_tsv(args.out / "readers_techaven.tsv", techaven_readers(args, run, used))
        write_tsv(args.out / "readers_cryptoshop.tsv", cryptoshop_readers(args))
        world["groups"] = checkout_buyers(args, run, used)
    world |= catalog_sample()
    (args.out / "world.json").write_text(json.dumps(world, indent=1))
    # events an earlier run left pending (its worker stopped first) would fall into this
    # run's first checkout, whose worker relays what is pending
    while relayed := outbox_relay_run():
        log(f"relayed {relayed} events left pending")
    log("done")


if __name__ == "__main__":
    main()
