"""The escrow queue in the admin: staff read every escrow, and settle a disputed or locked one
through "Release to seller…", "Refund to buyer…" or "Split…" (a form page each), once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from escrow.models import Escrow
from escrow.services import escrow_resolve
from orders.models import Order
from support.models import Ticket
from support.permissions import support_group
from tests.factories.accounts import StaffUserFactory
from tests.factories.catalog import CryptoShopProductFactory
from tests.helpers.escrow import balance, confirm, create_escrow, dispute, place_order, release
from tests.helpers.orders import cryptoshop_account, fund_btc
from wallet.models import Account, LedgerTransaction
from wallet.services import ledger_audit

pytestmark = pytest.mark.django_db

QUEUE = "/admin/escrow/escrow/"
REASON = "The buyer's evidence shows the wrong product was sent"


# --- helpers --------------------------------------------------------------------------------
def new_escrow(buyer, product, *, state: str = "FUNDED", reason: str = "Not as described"):
    """An escrow of `product`'s price for `buyer` (user, client), funded from the buyer's
    wallet, then taken to `state`: FUNDED, DISPUTED, LOCKED (five wrong codes), RELEASED, or
    PENDING (no money)."""
    user, client = buyer
    if state != "PENDING":
        fund_btc(user, product.price_minor)
    response = create_escrow(client, place_order(client, product))
    assert response.status_code == 201, response.json()
    escrow_id = response.json()["data"]["id"]
    if state == "DISPUTED":
        assert dispute(client, escrow_id, reason).status_code == 200
    elif state == "LOCKED":
        for _ in range(5):
            assert release(client, escrow_id, code="wrong-code").status_code == 400
    elif state == "RELEASED":
        assert release(client, escrow_id).status_code == 200
    escrow = Escrow.objects.get(uid=escrow_id.removeprefix("escrow_"))
    assert escrow.status == ("FUNDED" if state == "LOCKED" else state)
    return escrow


def choose(client: Client, action: str, *escrows: Escrow):
    return client.post(
        QUEUE, {"action": action, "index": 0, ACTION_CHECKBOX_NAME: [e.pk for e in escrows]}
    )


def url(escrow: Escrow, resolution: str) -> str:
    return f"{QUEUE}{escrow.pk}/{resolution}/"


def change_url(escrow: Escrow) -> str:
    return f"{QUEUE}{escrow.pk}/change/"


def holding() -> int:
    account = Account.objects.filter(kind="escrow", currency="BTC", user=None).first()
    return account.balance_minor if account else 0


def books(escrow: Escrow) -> tuple:
    """Everything a refused resolution must leave as it was."""
    escrow.refresh_from_db()
    ticket = Ticket.objects.filter(pk=escrow.ticket_id).first()
    return (
        escrow.status,
        escrow.resolution,
        escrow.resolved_by_id,
        balance(escrow.buyer),
        balance(escrow.seller),
        holding(),
        LedgerTransaction.objects.count(),
        LogEntry.objects.count(),
        Order.objects.get(pk=escrow.order_id).status,
        ticket and (ticket.status, ticket.messages.count()),
    )


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def staff_with(*codenames: str) -> Client:
    user = StaffUserFactory()
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="escrow", codename__in=codenames)
    )
    return signed_in(user)


@pytest.fixture
def product(cs_seller):
    """0.0025 BTC, plenty in stock: room for several escrows."""
    return CryptoShopProductFactory(shop=cs_seller[2], name="VPN", price_minor=250_000)


@pytest.fixture
def disputed(cs_buyer, product) -> Escrow:
    """A DISPUTED escrow of 0.0025 BTC; the buyer's wallet holds 750,000 sat besides."""
    fund_btc(cs_buyer[0], 750_000)
    return new_escrow(cs_buyer, product, state="DISPUTED", reason="Product not as described")


# --- the queue -----------------------------------------------------------------------------
def test_the_queue_shows_what_staff_need(admin_client, cs_buyer, cs_seller, disputed):
    page = admin_client.get(QUEUE)
    assert page.status_code == 200
    body = page.text
    order = disputed.order
    assert f"escrow_{disputed.uid}" in body
    assert f'<a href="/admin/orders/order/{order.pk}/change/">order_{order.uid}</a>' in body
    for text in (cs_buyer[0].username, cs_seller[0].username, "0.00250000 BTC", "Disputed",
                 "Product not as described", "icon-yes.svg"):  # fmt: skip
        assert text in body, text
    for column in ("Escrow", "Order", "Buyer", "Seller", "Amount", "Status", "Disputed",
                   "Locked", "Age", "Dispute reason"):  # fmt: skip
        assert f">{column}</a>" in body or f">{column}</span>" in body, column


def test_disputed_and_locked_come_first_oldest_first(admin_client, cs_buyer, product):
    now = timezone.now()
    made = {}
    ages = [("new_funded", "FUNDED", 0), ("old_funded", "FUNDED", 9),
            ("new_disputed", "DISPUTED", 1), ("old_locked", "LOCKED", 5),
            ("old_disputed", "DISPUTED", 3), ("released", "RELEASED", 20)]  # fmt: skip
    for name, state, days in ages:
        made[name] = new_escrow(cs_buyer, product, state=state)
        Escrow.objects.filter(pk=made[name].pk).update(created_at=now - timedelta(days=days))
    body = admin_client.get(QUEUE).text
    order = ["old_locked", "old_disputed", "new_disputed", "new_funded", "old_funded", "released"]
    positions = [body.index(f"escrow_{made[name].uid}") for name in order]
    assert positions == sorted(positions)


def test_the_filters(admin_client, cs_buyer, product):
    now = timezone.now()
    funded = new_escrow(cs_buyer, product)
    disputed = new_escrow(cs_buyer, product, state="DISPUTED")
    locked = new_escrow(cs_buyer, product, state="LOCKED")
    released = new_escrow(cs_buyer, product, state="RELEASED")
    for escrow, days in [(funded, 0), (disputed, 3), (locked, 8), (released, 30)]:
        Escrow.objects.filter(pk=escrow.pk).update(created_at=now - timedelta(days=days, hours=1))
    boss = StaffUserFactory(is_superuser=True)
    escrow_resolve(escrow_id=locked.pk, action=Escrow.Resolution.REFUND,
                   staff_user=boss, reason="Locked, buyer asked")  # fmt: skip
    everyone = {funded, disputed, locked, released}

    def listed(**params) -> set:
        body = admin_client.get(QUEUE, params).text
        return {e for e in everyone if f"escrow_{e.uid}" in body}

    assert listed() == everyone
    assert listed(status__exact="DISPUTED") == {disputed}
    assert listed(status__exact="RELEASED") == {released}
    assert listed(disputed="yes") == {disputed}
    assert listed(disputed="no") == {funded, locked, released}
    assert listed(locked="yes") == {locked}  # locked stays visible after it was settled
    assert listed(locked="no") == {funded, disputed, released}
    assert listed(age="day") == {funded}
    assert listed(age="week") == {disputed}
    assert listed(age="older") == {locked, released}
    assert listed(disputed="no", age="older") == {locked, released}
    page = admin_client.get(QUEUE).text
    for label in ("Open dispute", "Locked", "&lt; 1 day", "1–7 days", "&gt; 7 days"):
        assert label in page, label


def test_the_search(admin_client, cs_buyer, product):
    mine = new_escrow(cs_buyer, product)
    other_buyer = cryptoshop_account()
    theirs = new_escrow(other_buyer, product)
    seller = product.shop.owner.username

    def found(term: str) -> set:
        body = admin_client.get(QUEUE, {"q": term}).text
        return {e for e in (mine, theirs) if f"escrow_{e.uid}" in body}

    assert found(f"escrow_{mine.uid}") == {mine}
    assert found(mine.uid) == {mine}
    assert found(f"order_{theirs.order.uid}") == {theirs}
    assert found(theirs.order.uid) == {theirs}
    assert found(cs_buyer[0].username) == {mine}
    assert found(other_buyer[0].username) == {theirs}
    assert found(seller) == {mine, theirs}
    assert found("nothing-like-this") == set()


def test_the_queue_holds_its_query_count_as_escrows_grow(
    admin_client, cs_buyer, product, django_assert_max_num_queries
):
    new_escrow(cs_buyer, product)
    new_escrow(cs_buyer, product, state="DISPUTED")
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(QUEUE).status_code == 200
    # counted now: each request made below (the API's) empties the connection's query log
    few = len(few.captured_queries)
    for state in ("PENDING", "FUNDED", "DISPUTED", "LOCKED", "RELEASED", "DISPUTED"):
        new_escrow(cryptoshop_account(), product, state=state)
    with django_assert_max_num_queries(few):
        page = admin_client.get(QUEUE)
    assert page.text.count('class="action-select"') == 8


# --- the escrow's page ----------------------------------------------------------------------
def test_the_escrow_page_shows_everything_read_only(admin_client, cs_buyer, cs_seller, disputed):
    cs_seller[1].post(
        f"/cryptoshop/api/support/ticket_{disputed.ticket.uid}/messages",
        {"content": "Delivered as described: see the logs"},
        format="json",
    )
    page = admin_client.get(change_url(disputed))
    assert page.status_code == 200
    body = page.text
    for text in (
        f"escrow_{disputed.uid}", f"order_{disputed.order.uid}", "0.00250000 BTC",
        "89.99 EUR", "Disputed", "Product not as described",
        # the participants
        f"participant_{disputed.participants.first().uid}", "BUYER", "SELLER",
        # the ledger: the funding, buyer's wallet → escrow holding
        f"escrow-fund:{disputed.uid}", "Escrow funded", "-0.00250000 BTC",
        f"wallet of {cs_buyer[0].username}", "+0.00250000 BTC", "Escrow holding",
        # the ticket and its conversation
        disputed.ticket.number, f"/admin/support/ticket/{disputed.ticket_id}/change/",
        "Delivered as described: see the logs",
    ):  # fmt: skip
        assert text in body, text
    assert disputed.release_code_hash not in body
    content = body.split('id="content-main"')[1]
    assert 'type="submit"' not in content and 'class="deletelink"' not in content
    assert "<textarea" not in content and 'type="text"' not in content


def test_nothing_can_be_added_changed_or_deleted(admin_client, disputed):
    before = books(disputed)
    assert admin_client.get(f"{QUEUE}add/").status_code == 403
    assert admin_client.post(change_url(disputed), {"status": "RELEASED"}).status_code == 403
    assert admin_client.get(f"{QUEUE}{disputed.pk}/delete/").status_code == 403
    assert admin_client.post(f"{QUEUE}{disputed.pk}/delete/", {"post": "yes"}).status_code == 403
    queue = admin_client.get(QUEUE).text.split('id="content-main"')[1]
    assert 'value="delete_selected"' not in queue
    assert "addlink" not in queue
    refused = choose(admin_client, "delete_selected", disputed)  # no such action here
    assert refused.status_code == 302
    assert "No action selected." in admin_client.get(refused["Location"]).text
    assert books(disputed) == before


def test_the_escrow_page_holds_its_query_count(
    admin_client, admin_user, cs_buyer, cs_seller, product, django_assert_max_num_queries
):
    plain = new_escrow(cs_buyer, product)
    with CaptureQueriesContext(connection) as plain_page:
        assert admin_client.get(change_url(plain)).status_code == 200
    plain_page = len(plain_page.captured_queries)  # before the API's requests empty the log
    # settled by a split: four ledger transactions, a ticket with a conversation
    busy = new_escrow(cs_buyer, product, state="DISPUTED")
    for n in range(5):
        cs_seller[1].post(f"/cryptoshop/api/support/ticket_{busy.ticket.uid}/messages",
                          {"content": f"Evidence {n}"}, format="json")  # fmt: skip
    escrow_resolve(escrow_id=busy.pk, action=Escrow.Resolution.SPLIT, staff_user=admin_user,
                   reason="Half each", seller_amount_minor=125_000)  # fmt: skip
    assert LedgerTransaction.objects.filter(reference=f"escrow_{busy.uid}").count() == 4
    # the same page plus the ticket and its conversation (two queries), however long
    with django_assert_max_num_queries(plain_page + 2):
        page = admin_client.get(change_url(busy))
    assert "Evidence 4" in page.text and f"escrow-fee:{busy.uid}" in page.text


# --- resolutions ----------------------------------------------------------------------------
def test_release_to_seller(admin_client, admin_user, cs_buyer, cs_seller, disputed):
    assert choose(admin_client, "release_to_seller", disputed)["Location"] == url(
        disputed, "release"
    )
    form = admin_client.get(url(disputed, "release"))
    assert form.status_code == 200
    body = form.text
    for text in (f"escrow_{disputed.uid}", cs_buyer[0].username, cs_seller[0].username,
                 "0.00250000 BTC", "Product not as described", disputed.ticket.number,
                 "0.00247500 BTC", 'name="reason"', 'value="Release to the seller"'):  # fmt: skip
        assert text in body, text
    assert 'name="seller_amount"' not in body

    response = admin_client.post(url(disputed, "release"), {"reason": REASON, "confirm": 1})
    assert response.status_code == 302 and response["Location"] == change_url(disputed)

    disputed.refresh_from_db()
    assert (disputed.status, disputed.resolution) == ("RELEASED", "release")
    assert (disputed.resolved_by, disputed.resolution_reason) == (admin_user, REASON)
    assert disputed.dispute_resolved is True
    assert balance(cs_seller[0]) == 247_500  # less the 1 % fee
    assert balance(cs_buyer[0]) == 750_000
    assert holding() == 0
    assert Order.objects.get(pk=disputed.order_id).status == "completed"
    assert_ticket_closed_by(disputed, admin_user)
    logged = LogEntry.objects.get(object_id=str(disputed.pk))
    assert logged.user == admin_user and logged.is_change()
    assert "Released to the seller: 0.00247500 BTC" in logged.change_message
    assert REASON in logged.change_message
    followed = admin_client.get(response["Location"]).text
    assert f"Escrow escrow_{disputed.uid} settled. Released to the seller" in followed
    assert ledger_audit().ok


def test_refund_to_buyer(admin_client, admin_user, cs_buyer, cs_seller, disputed):
    assert choose(admin_client, "refund_to_buyer", disputed)["Location"] == url(disputed, "refund")
    assert "goes back to the buyer" in admin_client.get(url(disputed, "refund")).text
    response = admin_client.post(url(disputed, "refund"), {"reason": REASON})
    assert response["Location"] == change_url(disputed)

    disputed.refresh_from_db()
    assert (disputed.status, disputed.resolution) == ("REFUNDED", "refund")
    assert balance(cs_buyer[0]) == 1_000_000  # the whole amount back
    assert balance(cs_seller[0]) == 0
    assert holding() == 0
    assert Order.objects.get(pk=disputed.order_id).status == "refunded"
    assert_ticket_closed_by(disputed, admin_user)
    assert "Refunded to the buyer: 0.00250000 BTC" in LogEntry.objects.get().change_message
    assert ledger_audit().ok


def test_refund_after_the_seller_confirmed_takes_the_order_back(
    admin_client, cs_buyer, cs_seller, product
):
    """The order was processing (the seller confirmed) when the buyer disputed."""
    fund_btc(cs_buyer[0], 250_000)
    escrow = new_escrow(cs_buyer, product)
    order_id = f"order_{escrow.order.uid}"
    assert confirm(cs_seller[1], order_id).status_code == 200
    assert dispute(cs_buyer[1], f"escrow_{escrow.uid}").status_code == 200
    product.refresh_from_db()
    stock = product.stock_quantity
    assert Order.objects.get(pk=escrow.order_id).status == "processing"

    assert admin_client.post(url(escrow, "refund"), {"reason": REASON}).status_code == 302
    escrow.refresh_from_db()
    assert escrow.status == "REFUNDED" and balance(cs_buyer[0]) == 500_000
    order = Order.objects.get(pk=escrow.order_id)
    assert (order.status, order.refund_status) == ("refunded", "completed")
    product.refresh_from_db()
    assert product.stock_quantity == stock + 1


def test_split(admin_client, admin_user, cs_buyer, cs_seller, disputed):
    assert choose(admin_client, "split", disputed)["Location"] == url(disputed, "split")
    form = admin_client.get(url(disputed, "split")).text
    assert 'name="seller_amount"' in form and 'name="reason"' in form
    assert "less than the 0.00250000 BTC held" in form  # the total

    response = admin_client.post(
        url(disputed, "split"), {"seller_amount": "0.001", "reason": REASON}
    )
    assert response.status_code == 302, response.content.decode()

    disputed.refresh_from_db()
    assert (disputed.status, disputed.resolution) == ("SPLIT", "split")
    assert disputed.seller_amount_minor == 99_000
    assert balance(cs_seller[0]) == 99_000  # 100,000 less the 1 % fee
    assert balance(cs_buyer[0]) == 900_000  # 750,000 + the other 150,000
    assert Account.objects.get(kind="fees", currency="BTC").balance_minor == 1_000
    assert holding() == 0
    assert Order.objects.get(pk=disputed.order_id).status == "completed"
    ticket = assert_ticket_closed_by(disputed, admin_user)
    assert "0.001 BTC to the seller, 0.0015 BTC to the buyer" in (ticket.messages.last().content)
    logged = LogEntry.objects.get().change_message
    assert "Split: 0.00100000 BTC to the seller (0.00099000 BTC after the 1% fee), " in logged
    assert "0.00150000 BTC to the buyer" in logged
    kinds = LedgerTransaction.objects.filter(reference=f"escrow_{disputed.uid}").order_by("id")
    assert [t.kind for t in kinds] == ["escrow_fund", "escrow_release", "fee", "escrow_refund"]
    assert ledger_audit().ok


def assert_ticket_closed_by(escrow: Escrow, staff) -> Ticket:
    ticket = Ticket.objects.get(pk=escrow.ticket_id)
    assert ticket.status == "CLOSED"
    last = ticket.messages.last()
    assert (last.author, last.is_staff) == (staff, True)
    assert last.content.startswith("Support settled the escrow") and REASON in last.content
    return ticket


# --- refused --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("resolution", "data", "error"),
    [
        ("release", {"reason": ""}, "This field is required."),
        ("refund", {"reason": "   "}, "This field is required."),
        ("split", {"seller_amount": "0.001", "reason": ""}, "This field is required."),
        ("split", {"seller_amount": "", "reason": REASON}, "This field is required."),
        ("split", {"seller_amount": "0", "reason": REASON}, "more than 0 and less than"),
        ("split", {"seller_amount": "0.0025", "reason": REASON}, "more than 0 and less than"),
        ("split", {"seller_amount": "0.003", "reason": REASON}, "more than 0 and less than"),
        ("split", {"seller_amount": "12", "reason": REASON}, "more than 0 and less than"),
        ("split", {"seller_amount": "abc", "reason": REASON}, "Enter an amount in BTC"),
        ("split", {"seller_amount": "-0.001", "reason": REASON}, "Enter an amount in BTC"),
        ("split", {"seller_amount": "1e-3", "reason": REASON}, "Enter an amount in BTC"),
        ("split", {"seller_amount": "0.000000001", "reason": REASON}, "at most 8 decimal places"),
    ],
)
def test_a_bad_form_is_shown_with_its_error_and_changes_nothing(
    admin_client, disputed, resolution, data, error
):
    before = books(disputed)
    response = admin_client.post(url(disputed, resolution), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="errorlist' in body and error in body, body
    assert books(disputed) == before
    assert before[0] == "DISPUTED"


def test_an_escrow_not_waiting_for_staff_is_refused(admin_client, cs_buyer, product):
    funded = new_escrow(cs_buyer, product)  # no dispute, not locked
    before = books(funded)
    response = choose(admin_client, "release_to_seller", funded)
    assert response.status_code == 302 and response["Location"] == QUEUE
    message = "Select exactly one disputed or locked escrow still holding the money"
    assert message in admin_client.get(QUEUE).text
    for resolution in ("release", "refund", "split"):
        for answer in (
            admin_client.get(url(funded, resolution)),
            admin_client.post(url(funded, resolution), {"reason": REASON, "seller_amount": "1"}),
        ):
            assert answer.status_code == 302 and answer["Location"] == change_url(funded)
    assert "is not waiting for staff" in admin_client.get(change_url(funded)).text
    assert books(funded) == before


def test_exactly_one_escrow_at_a_time(admin_client, cs_buyer, product):
    first = new_escrow(cs_buyer, product, state="DISPUTED")
    second = new_escrow(cs_buyer, product, state="DISPUTED")
    response = choose(admin_client, "split", first, second)
    assert response.status_code == 302 and response["Location"] == QUEUE
    assert "each is settled on its own" in admin_client.get(QUEUE).text
    assert Escrow.objects.filter(status="DISPUTED").count() == 2


def test_a_second_resolution_is_refused_with_a_message(admin_client, disputed):
    colleague = signed_in(StaffUserFactory(is_superuser=True))
    # both opened a form while it was disputed
    assert admin_client.get(url(disputed, "refund")).status_code == 200
    assert colleague.get(url(disputed, "split")).status_code == 200
    assert admin_client.post(url(disputed, "refund"), {"reason": REASON}).status_code == 302
    after_refund = books(disputed)
    assert after_refund[0] == "REFUNDED"

    response = colleague.post(url(disputed, "split"), {"seller_amount": "0.001", "reason": "x"})
    assert response.status_code == 302 and response["Location"] == change_url(disputed)
    assert "is not waiting for staff" in colleague.get(change_url(disputed)).text
    assert books(disputed) == after_refund
    # the action refuses it too
    assert choose(colleague, "release_to_seller", disputed)["Location"] == QUEUE
    assert books(disputed) == after_refund


def test_the_service_refusal_when_settled_meanwhile_is_shown(
    admin_client, admin_user, disputed, monkeypatch
):
    """The escrow was settled between the page's check and the service's lock: the
    service's NOT_RESOLVABLE is the message, and nothing more moves."""
    from escrow import admin as escrow_admin

    monkeypatch.setattr(escrow_admin, "needs_staff", lambda escrow: True)
    escrow_resolve(escrow_id=disputed.pk, action=Escrow.Resolution.RELEASE,
                   staff_user=admin_user, reason="First")  # fmt: skip
    after = books(disputed)
    response = admin_client.post(url(disputed, "refund"), {"reason": REASON})
    assert response.status_code == 302 and response["Location"] == change_url(disputed)
    followed = admin_client.get(change_url(disputed)).text
    assert "Only a disputed or locked escrow is settled by staff; this one is RELEASED" in followed
    assert books(disputed) == after


def test_a_locked_escrow_can_be_settled(admin_client, admin_user, cs_buyer, cs_seller, product):
    fund_btc(cs_buyer[0], 750_000)
    locked = new_escrow(cs_buyer, product, state="LOCKED")  # five wrong codes through the API
    assert locked.locked_at and locked.wrong_code_attempts == 5 and not locked.ticket_id
    page = admin_client.get(url(locked, "release")).text
    assert "locked since" in page and "5 wrong release codes" in page
    response = admin_client.post(url(locked, "release"), {"reason": "The buyer mistyped"})
    assert response["Location"] == change_url(locked)
    locked.refresh_from_db()
    assert (locked.status, locked.resolved_by, locked.dispute_resolved) == (
        "RELEASED", admin_user, False,
    )  # fmt: skip
    assert balance(cs_seller[0]) == 247_500 and balance(cs_buyer[0]) == 750_000
    assert Order.objects.get(pk=locked.order_id).status == "completed"
    assert LogEntry.objects.filter(object_id=str(locked.pk)).count() == 1


# --- who may settle -------------------------------------------------------------------------
def test_staff_without_the_permission_see_no_actions_and_get_403(disputed):
    viewer = staff_with("view_escrow", "view_participant")
    queue = viewer.get(QUEUE)
    assert queue.status_code == 200 and f"escrow_{disputed.uid}" in queue.text
    for action in ("release_to_seller", "refund_to_buyer", "split"):
        assert f'value="{action}"' not in queue.text
    assert 'class="action-select"' not in queue.text
    assert viewer.get(change_url(disputed)).status_code == 200
    before = books(disputed)
    assert choose(viewer, "split", disputed).status_code == 200  # no such action
    for resolution in ("release", "refund", "split"):
        assert viewer.get(url(disputed, resolution)).status_code == 403
        data = {"reason": REASON, "seller_amount": "0.001"}
        assert viewer.post(url(disputed, resolution), data).status_code == 403
    assert books(disputed) == before


def test_staff_given_the_permission_may_settle(disputed):
    clerk = staff_with("view_escrow", "resolve_escrow")
    queue = clerk.get(QUEUE).text
    for action in ("release_to_seller", "refund_to_buyer", "split"):
        assert f'value="{action}"' in queue
    assert choose(clerk, "refund_to_buyer", disputed)["Location"] == url(disputed, "refund")
    assert clerk.post(url(disputed, "refund"), {"reason": REASON}).status_code == 302
    disputed.refresh_from_db()
    assert (disputed.status, disputed.resolved_by) == ("REFUNDED", clerk.user)


def test_the_support_group_reads_the_queue_and_cannot_settle(disputed):
    # support_group(): a transactional test elsewhere may have flushed the migration's group
    group = support_group()
    escrow_perms = set(
        group.permissions.filter(content_type__app_label="escrow").values_list(
            "codename", flat=True
        )
    )
    assert escrow_perms == {"view_escrow", "view_participant"}
    agent = StaffUserFactory()
    agent.groups.add(Group.objects.get(name="Support"))
    client = signed_in(agent)
    assert client.get(QUEUE).status_code == 200
    page = client.get(change_url(disputed))
    assert page.status_code == 200
    assert f"participant_{disputed.participants.first().uid}" in page.text  # view_participant
    assert client.get(url(disputed, "split")).status_code == 403
    assert 'value="split"' not in client.get(QUEUE).text
