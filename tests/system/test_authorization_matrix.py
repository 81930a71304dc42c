"""The authorization matrix (issue 12): every endpoint that takes an object id, walked from
the URL configuration, × six actors → the status each must get.

`MATRIX` holds one row per (route, method) under `techaven/api/`, `cryptoshop/api/` and
`seller/api/` whose path carries an id. A row says how to make the object for its owner and
what each actor gets. `test_every_id_route_has_a_matrix_row` fails when the URL
configuration grows an id-taking endpoint without a row (or a row outlives its route), so a
new endpoint cannot ship without someone deciding who may reach it. The parametrized test
then calls each (row, actor) through HTTP and checks the status, the storefront's error
format for a refusal, and that a refused write changed nothing.

Actors, per row's storefront:
- owner: the user the row's object belongs to (for the back office: the shop's owner);
- other_user: another user of the same storefront (back office: a buyer with no shop);
- other_storefront: a user of the other storefront with that storefront's token (back office:
  a CryptoShop seller with their access token — a seller, but of another storefront's shop);
- anonymous: no credentials;
- other_seller: the owner of another shop of the same storefront;
- staff: a staff account (no storefront), signed in to the admin with a session.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db.models import Model, QuerySet
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.services.cryptoshop_auth import cryptoshop_user_register
from accounts.services.sessions import techaven_session_start
from accounts.tokens import token_hash
from catalog.models import Review, Shop, WishlistItem
from notifications.models import Notification, WebhookEndpoint
from orders.models import CartItem, Order, OrderStatusHistory
from support import services as support_services
from support.models import Message
from tests.conftest import CRYPTOSHOP, TECHAVEN, techaven_client
from tests.factories.accounts import (
    AddressFactory,
    PaymentMethodFactory,
    StaffUserFactory,
    TechavenUserFactory,
)
from tests.factories.catalog import (
    CategoryFactory,
    CryptoShopProductFactory,
    CryptoShopSellerFactory,
    ProductFactory,
    ProductImageFactory,
    ShopFactory,
)
from tests.factories.orders import OrderFactory, OrderItemFactory
from tests.factories.support import HelpArticleFactory
from tests.helpers.orders import add_to_cart, checkout, fund_btc

pytestmark = pytest.mark.django_db

ROOTS = ("techaven/api/", "cryptoshop/api/", "seller/api/")
ACTORS = ("owner", "other_user", "other_storefront", "anonymous", "other_seller", "staff")
RELEASE_CODE = "open-sesame-42"


# --- the URL configuration ------------------------------------------------------------------


def _walk(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def _route_key(route: str) -> str:
    """A router's regex (`^shop/(?P<pk>[^/.]+)/$`) read as a path (`shop/<pk>/`)."""
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", route).replace("^", "").replace("$", "")


def _methods(callback) -> set[str]:
    actions = getattr(callback, "actions", None)
    if actions:  # a DRF viewset: the router's mapping is what is served
        # (DRF adds `head` to that mapping at the first request it serves: not a route)
        return {method.upper() for method in actions if method not in ("options", "head")}
    view = callback.view_class
    return {
        method.upper()
        for method in view.http_method_names
        if method not in ("options", "head") and hasattr(view, method)
    }


def id_routes() -> set[tuple[str, str]]:
    """Every (route, method) under a storefront or back-office root whose path takes an id."""
    found = set()
    for route, callback in _walk(get_resolver().url_patterns):
        key = _route_key(route)
        if key.startswith(ROOTS) and "<" in key:
            found |= {(key, method) for method in _methods(callback)}
    return found


def _path(route: str, kwargs: dict) -> str:
    def value(match: re.Match) -> str:
        return str(kwargs[match.group(1)])

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", value, route)


# --- objects, and what "unchanged" means ----------------------------------------------------


@dataclass
class Target:
    """What a row built: the path's ids, the body to send, and the state a refusal keeps."""

    kwargs: dict
    body: dict | None = None
    state: Callable[[], object] = field(default=lambda: None)


def snap(*items: Model | QuerySet) -> Callable[[], object]:
    """Re-read rows (every concrete column) and querysets (their ids) each time it is called."""

    def read():
        out = []
        for item in items:
            if isinstance(item, QuerySet):
                out.append(sorted(item.values_list("pk", flat=True)))
                continue
            row = type(item)._base_manager.filter(pk=item.pk).values().first()
            out.append(row)
        return out

    return read


@dataclass(frozen=True)
class Owner:
    user: object
    client: APIClient


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def cryptoshop_account() -> tuple[object, APIClient]:
    account = cryptoshop_user_register()
    return account.user, bearer(account.access_token)


def cryptoshop_seller() -> tuple[object, APIClient]:
    user, client = cryptoshop_account()
    CryptoShopSellerFactory(owner=user)
    return user, client


def make_owner(storefront: str) -> Owner:
    if storefront == "techaven":
        user = TechavenUserFactory()
        return Owner(user, techaven_client(user))
    if storefront == "cryptoshop":
        return Owner(*cryptoshop_account())
    shop = ShopFactory()
    return Owner(shop.owner, token_client(shop.owner))


def staff_client(storefront: str) -> APIClient:
    """A staff account signed in to the admin (a session), holding besides the storefront's
    credential as if one had been issued to it: a Techaven JWT of a real device session, or a
    CryptoShop access token. Neither may open a storefront API (staff belong to neither); the
    back office sees a signed-in user without a shop."""
    staff = StaffUserFactory()
    if storefront == "techaven":
        client = bearer(techaven_session_start(user=staff).access_token)
    elif storefront == "cryptoshop":
        token = f"cs_staff_{staff.pk}_authorization-matrix"
        staff.access_token_hash = token_hash(token)
        staff.save(update_fields=["access_token_hash"])
        client = bearer(token)
    else:
        client = APIClient()
    client.force_login(staff)
    return client


def make_actor(storefront: str, actor: str) -> APIClient:
    """A client for each actor but the owner, made after the object."""
    if actor == "anonymous":
        return APIClient()
    if actor == "staff":
        return staff_client(storefront)
    if storefront == "techaven":
        return {
            "other_user": lambda: techaven_client(TechavenUserFactory()),
            "other_storefront": lambda: cryptoshop_account()[1],
            "other_seller": lambda: techaven_client(ShopFactory().owner),
        }[actor]()
    if storefront == "cryptoshop":
        return {
            "other_user": lambda: cryptoshop_account()[1],
            "other_storefront": lambda: techaven_client(TechavenUserFactory()),
            "other_seller": lambda: cryptoshop_seller()[1],
        }[actor]()
    return {  # the back office
        "other_user": lambda: techaven_client(TechavenUserFactory()),
        "other_storefront": lambda: cryptoshop_seller()[1],
        "other_seller": lambda: token_client(ShopFactory().owner),
    }[actor]()


# --- Techaven objects -----------------------------------------------------------------------


def th_address(owner: Owner) -> Target:
    address = AddressFactory(user=owner.user)
    body = {
        "full_name": "Chikondi Banda", "phone": "+265991234567",
        "address_line_1": "Area 47, Plot 12", "city": "Lilongwe",
    }  # fmt: skip
    return Target({"address_id": f"addr_{address.uid}"}, body, snap(address))


def th_second_address(owner: Owner) -> Target:
    first = AddressFactory(user=owner.user, is_default=True)
    second = AddressFactory(user=owner.user, is_default=False)
    return Target({"address_id": f"addr_{second.uid}"}, {}, snap(first, second))


def th_payment_method(owner: Owner) -> Target:
    method = PaymentMethodFactory(user=owner.user)
    return Target({"payment_method_id": f"pm_{method.uid}"}, None, snap(method))


def th_product(owner: Owner) -> Target:
    return Target({"product_id": ProductFactory().pk})


def th_review(owner: Owner) -> Target:
    product = ProductFactory()
    body = {"rating": 5, "title": "Works well", "comment": "Arrived on time."}
    return Target(
        {"product_id": product.pk}, body, snap(product, Review.objects.filter(product=product))
    )


def th_category(owner: Owner) -> Target:
    category = CategoryFactory()
    ProductFactory(category=category)
    return Target({"category_id": category.pk})


def th_wished(owner: Owner) -> Target:
    product = ProductFactory()
    response = owner.client.post(f"{TECHAVEN}/wishlist", {"product_id": product.pk}, format="json")
    assert response.status_code in (200, 201), response.json()
    return Target({"product_id": product.pk}, None, snap(WishlistItem.objects.all()))


def th_shop(owner: Owner) -> Target:
    shop = ShopFactory()
    ProductFactory(shop=shop)
    return Target({"shop_id": f"vnd_{shop.uid}"})


def th_cart_item(owner: Owner) -> Target:
    item_id = add_to_cart(owner.client, ProductFactory(stock_quantity=10))
    return Target({"item_id": item_id}, {"quantity": 2}, snap(CartItem.objects.get()))


def th_order(owner: Owner) -> Target:
    add_to_cart(owner.client, ProductFactory(stock_quantity=10))
    address = AddressFactory(user=owner.user)
    method = PaymentMethodFactory(user=owner.user)
    response = checkout(owner.client, address, method)
    assert response.status_code == 201, response.json()
    order = Order.objects.get()
    return Target(
        {"order_id": response.json()["data"]["order_id"]},
        {"reason": "Changed my mind"},
        snap(order, OrderStatusHistory.objects.filter(order=order)),
    )


def th_article(owner: Owner) -> Target:
    return Target({"slug": HelpArticleFactory().slug})


def th_ticket(owner: Owner) -> Target:
    ticket = support_services.ticket_create(
        user=owner.user, subject="Product not delivered", content="Where is it?"
    )
    return Target(
        {"ticket_id": f"tkt_{ticket.uid}"},
        {"message": "Any news?"},
        snap(ticket, Message.objects.filter(ticket=ticket)),
    )


def th_notification(owner: Owner) -> Target:
    note = Notification.objects.create(
        user=owner.user, type="order_update", title="Order", body="Your order has shipped!"
    )
    return Target({"notification_id": f"notif_{note.uid}"}, None, snap(note))


# --- CryptoShop objects ---------------------------------------------------------------------


def cs_product(owner: Owner) -> Target:
    product = CryptoShopProductFactory(shop=CryptoShopSellerFactory(owner=owner.user))
    return Target({"product_id": f"product_{product.uid}"}, {"name": "Renamed"}, snap(product))


def cs_seller(owner: Owner) -> Target:
    shop = CryptoShopSellerFactory(owner=owner.user)
    return Target({"seller_id": f"seller_{shop.uid}"}, {"storeName": "Renamed"}, snap(shop))


def _cs_order(owner: Owner) -> tuple[Order, str]:
    product = CryptoShopProductFactory()
    response = owner.client.post(
        f"{CRYPTOSHOP}/orders",
        {"items": [{"productId": f"product_{product.uid}", "quantity": 1}]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return Order.objects.get(), response.json()["data"]["id"]


def cs_order(owner: Owner) -> Target:
    order, order_id = _cs_order(owner)
    return Target(
        {"order_id": order_id},
        {"status": "CANCELLED"},
        snap(order, OrderStatusHistory.objects.filter(order=order)),
    )


def cs_escrow(body: dict) -> Callable[[Owner], Target]:
    def build(owner: Owner) -> Target:
        from escrow.models import Escrow

        order, order_id = _cs_order(owner)
        fund_btc(owner.user)
        response = owner.client.post(
            f"{CRYPTOSHOP}/escrow", {"orderId": order_id, "releaseCode": RELEASE_CODE}, "json"
        )
        assert response.status_code == 201, response.json()
        escrow = Escrow.objects.get()
        return Target(
            {"escrow_id": response.json()["data"]["id"]},
            body,
            snap(escrow, order, Message.objects.all()),
        )

    return build


def cs_ticket(owner: Owner) -> Target:
    ticket = support_services.ticket_create(
        user=owner.user, subject="Product not delivered", content="Where is it?"
    )
    return Target(
        {"ticket_id": f"ticket_{ticket.uid}"},
        {"content": "Any news?"},
        snap(ticket, Message.objects.filter(ticket=ticket)),
    )


def cs_webhook(owner: Owner) -> Target:
    hook = WebhookEndpoint.objects.create(
        user=owner.user, url="https://a.example/x", events=["order.created"], secret="s"
    )
    return Target({"webhook_id": f"webhook_{hook.uid}"}, None, snap(hook))


# --- back-office objects --------------------------------------------------------------------


def _shop(owner: Owner) -> Shop:
    return Shop.objects.get(owner=owner.user)


def bo_shop(body: dict | None) -> Callable[[Owner], Target]:
    def build(owner: Owner) -> Target:
        shop = _shop(owner)
        return Target({"pk": shop.pk}, body, snap(shop))

    return build


def bo_product(body: dict | None) -> Callable[[Owner], Target]:
    def build(owner: Owner) -> Target:
        product = ProductFactory(shop=_shop(owner))
        return Target({"pk": product.pk}, body, snap(product))

    return build


def bo_image(owner: Owner) -> Target:
    image = ProductImageFactory(
        product=ProductFactory(shop=_shop(owner)), url="https://example.com/a.jpg"
    )
    return Target({"pk": image.pk}, None, snap(image))


def bo_order(owner: Owner) -> Target:
    shop = _shop(owner)
    order = OrderFactory(shop=shop, status="paid", is_paid=True)
    OrderItemFactory(order=order, product=ProductFactory(shop=shop))
    return Target(
        {"order_id": order.uid},
        {"status": "processing"},
        snap(order, OrderStatusHistory.objects.filter(order=order)),
    )


# --- the matrix -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    build: Callable[[Owner], Target]
    expect: dict[str, int]


def _statuses(owner, other_user, other_storefront, anonymous, other_seller, staff) -> dict:
    statuses = (owner, other_user, other_storefront, anonymous, other_seller, staff)
    return dict(zip(ACTORS, statuses, strict=True))


# Private objects of a storefront user: another user's is 404 like an unknown id; a token of
# the other storefront, no token, and staff (who belong to no storefront) are 401.
def private(ok: int) -> dict:
    return _statuses(ok, 404, 401, 401, 404, 401)


# Public catalog reads: anyone without a token, but a token the storefront did not issue to one
# of its users (the other storefront's, staff's) is refused (401, BRIEF decision 1).
PUBLIC = _statuses(200, 200, 401, 200, 200, 401)
# CryptoShop product and seller writes: the owning seller's only, others 403 (decisions.md).
OWNING_SELLER = _statuses(200, 403, 401, 401, 403, 401)


# Back office: a signed-in owner of an active shop; another shop's object is 404, a user with
# no shop (a buyer, staff) 403, no credentials 401.
def back_office(ok: int) -> dict:
    return _statuses(ok, 403, 404, 401, 404, 403)


T = "techaven/api/"
C = "cryptoshop/api/"
S = "seller/api/"

MATRIX: dict[tuple[str, str], Row] = {
    (T + "addresses/<str:address_id>", "PUT"): Row(th_address, private(200)),
    (T + "addresses/<str:address_id>", "DELETE"): Row(th_address, private(200)),
    (T + "addresses/<str:address_id>/default", "POST"): Row(th_second_address, private(200)),
    (T + "payment-methods/<str:payment_method_id>", "DELETE"): Row(th_payment_method, private(200)),
    (T + "products/<dbid:product_id>", "GET"): Row(th_product, PUBLIC),
    (T + "products/<dbid:product_id>/reviews", "GET"): Row(th_product, PUBLIC),
    # Any signed-in Techaven user may review another shop's product (decisions.md, Catalog).
    (T + "products/<dbid:product_id>/reviews", "POST"): Row(
        th_review, _statuses(201, 201, 401, 401, 201, 401)
    ),
    (T + "categories/<dbid:category_id>/products", "GET"): Row(th_category, PUBLIC),
    # Removing a product that is not in one's own wishlist is 404.
    (T + "wishlist/<dbid:product_id>", "DELETE"): Row(th_wished, private(200)),
    (T + "shops/<str:shop_id>", "GET"): Row(th_shop, PUBLIC),
    (T + "shops/<str:shop_id>/products", "GET"): Row(th_shop, PUBLIC),
    (T + "cart/items/<str:item_id>", "PUT"): Row(th_cart_item, private(200)),
    (T + "cart/items/<str:item_id>", "DELETE"): Row(th_cart_item, private(200)),
    (T + "orders/<str:order_id>", "GET"): Row(th_order, private(200)),
    (T + "orders/<str:order_id>/cancel", "POST"): Row(th_order, private(200)),
    # Help endpoints are public and ignore any token, another storefront's too (decisions.md,
    # Support): unlike the catalog, they authenticate nobody.
    (T + "help/articles/<str:slug>", "GET"): Row(
        th_article, _statuses(200, 200, 200, 200, 200, 200)
    ),
    (T + "help/tickets/<str:ticket_id>", "GET"): Row(th_ticket, private(200)),
    (T + "help/tickets/<str:ticket_id>/messages", "POST"): Row(th_ticket, private(201)),
    (T + "notifications/<str:notification_id>/read", "POST"): Row(th_notification, private(200)),
    (C + "products/<str:product_id>", "GET"): Row(cs_product, PUBLIC),
    (C + "products/<str:product_id>", "PUT"): Row(cs_product, OWNING_SELLER),
    (C + "products/<str:product_id>", "DELETE"): Row(cs_product, OWNING_SELLER),
    (C + "sellers/<str:seller_id>", "GET"): Row(cs_seller, PUBLIC),
    (C + "sellers/<str:seller_id>", "PUT"): Row(cs_seller, OWNING_SELLER),
    (C + "orders/<str:order_id>", "GET"): Row(cs_order, private(200)),
    (C + "orders/<str:order_id>", "PUT"): Row(cs_order, private(200)),
    (C + "escrow/<str:escrow_id>", "GET"): Row(cs_escrow({}), private(200)),
    (C + "escrow/<str:escrow_id>/release", "POST"): Row(
        cs_escrow({"releaseCode": RELEASE_CODE}), private(200)
    ),
    (C + "escrow/<str:escrow_id>/dispute", "POST"): Row(
        cs_escrow({"reason": "Product not as described"}), private(200)
    ),
    (C + "support/<str:ticket_id>", "GET"): Row(cs_ticket, private(200)),
    (C + "support/<str:ticket_id>/messages", "POST"): Row(cs_ticket, private(201)),
    (C + "webhooks/<str:webhook_id>", "DELETE"): Row(cs_webhook, private(200)),
    (S + "shop/<pk>/", "GET"): Row(bo_shop(None), back_office(200)),
    (S + "shop/<pk>/", "PUT"): Row(bo_shop({"name": "Renamed shop"}), back_office(200)),
    (S + "shop/<pk>/", "PATCH"): Row(bo_shop({"description": "Changed"}), back_office(200)),
    (S + "products/<pk>/", "GET"): Row(bo_product(None), back_office(200)),
    (S + "products/<pk>/", "PUT"): Row(
        bo_product({"name": "Renamed", "price_minor": 5_000, "stock_quantity": 3}),
        back_office(200),
    ),
    (S + "products/<pk>/", "PATCH"): Row(bo_product({"stock_quantity": 0}), back_office(200)),
    (S + "products/<pk>/", "DELETE"): Row(bo_product(None), back_office(204)),
    (S + "product-images/<pk>/", "GET"): Row(bo_image, back_office(200)),
    (S + "product-images/<pk>/", "DELETE"): Row(bo_image, back_office(204)),
    (S + "orders/<str:order_id>/", "GET"): Row(bo_order, back_office(200)),
    (S + "orders/<str:order_id>/status/", "POST"): Row(bo_order, back_office(200)),
}


# --- the gate -------------------------------------------------------------------------------


def test_every_id_route_has_a_matrix_row():
    served = id_routes()
    missing = sorted(served - MATRIX.keys())
    stale = sorted(MATRIX.keys() - served)
    problems = []
    if missing:
        problems.append(
            "endpoints taking an object id without a row in MATRIX (decide who may reach "
            "them): " + ", ".join(f"{method} {route}" for route, method in missing)
        )
    if stale:
        problems.append(
            "MATRIX rows for routes no longer served: "
            + ", ".join(f"{method} {route}" for route, method in stale)
        )
    assert not problems, "; ".join(problems)


def _storefront(route: str) -> str:
    return route.split("/", 1)[0]


def _assert_refusal_format(storefront: str, response) -> None:
    body = response.json()
    if storefront == "techaven":
        assert body.keys() == {"success", "message", "errors"}, body
        assert body["success"] is False and isinstance(body["message"], str), body
        assert isinstance(body["errors"], dict), body
    elif storefront == "cryptoshop":
        assert body.keys() == {"success", "error", "code", "details"}, body
        assert body["success"] is False and body["error"] and body["code"], body
    else:
        assert isinstance(body.get("detail"), str), body


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("route,method", sorted(MATRIX), ids=lambda v: v)
def test_authorization_matrix(route, method, actor):
    row = MATRIX[(route, method)]
    storefront = _storefront(route)
    owner = make_owner(storefront)
    target = row.build(owner)
    client = owner.client if actor == "owner" else make_actor(storefront, actor)
    before = target.state()

    response = getattr(client, method.lower())(
        _path(route, target.kwargs), target.body, format="json"
    )

    expected = row.expect[actor]
    assert response.status_code == expected, (
        f"{method} /{route} as {actor}: {response.status_code}, expected {expected}: "
        f"{response.content[:300]!r}"
    )
    if expected >= 400:
        _assert_refusal_format(storefront, response)
        if method != "GET":
            assert target.state() == before, f"{method} /{route} as {actor} changed the object"
