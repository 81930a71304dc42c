"""Escrow of CryptoShop orders on the ledger (BRIEF decision 6).

Money: the buyer's BTC wallet → escrow holding (`escrow-fund:<escrow>`) when funded; escrow
holding → the seller's wallet (`escrow-release:<escrow>`), then the platform fee from it
(`escrow-fee:<escrow>`, a FEE entry of its own) when released; escrow holding → the buyer
(`escrow-refund:<escrow>`) when refunded; both when split. Locks, everywhere in this order:
the order, its escrow, then the ledger's accounts (pk order). No outside service is called.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import bcrypt
from django.db import transaction
from django.utils import timezone

from core.errors import ErrorKind
from core.ids import CryptoShopIds, new_uid
from orders.locks import order_lock
from orders.models import Order
from orders.services.status import (
    order_complete_by_escrow,
    order_paid_by_escrow,
    order_refund_by_escrow,
)
from orders.state import Actor, Status
from support.services import ticket_create, ticket_settle
from wallet.errors import InsufficientFunds
from wallet.events import amount_text
from wallet.locks import accounts_lock
from wallet.models import Account, LedgerTransaction
from wallet.services.btc import btc_wallet_ensure
from wallet.services.ledger import Posting, ledger_post, system_account, transfer

from . import conf
from .errors import EscrowError, EscrowErrorCode, escrow_not_found
from .events import escrow_announce
from .locks import escrow_lock
from .models import FINAL, HOLDS_MONEY, Escrow, EscrowStatus, Participant, needs_staff
from .permissions import resolution_allowed

logger = logging.getLogger(__name__)

BTC = "BTC"


def _hash(code: str) -> str:
    return bcrypt.hashpw(code.encode(), bcrypt.gensalt(rounds=conf.BCRYPT_ROUNDS)).decode()


def _code_matches(code: str, hashed: str) -> bool:
    return bcrypt.checkpw(code.encode(), hashed.encode())


def _release_code_checked(code: str) -> str:
    """The code as it is hashed and compared: without surrounding spaces (a pasted code
    often has some), 4–64 characters and at most 72 bytes (bcrypt's limit)."""
    code = (code or "").strip()
    if not conf.RELEASE_CODE_MIN <= len(code) <= conf.RELEASE_CODE_MAX or len(code.encode()) > 72:
        raise EscrowError(
            EscrowErrorCode.RELEASE_CODE_INVALID,
            f"releaseCode must be {conf.RELEASE_CODE_MIN} to {conf.RELEASE_CODE_MAX} characters",
            field="releaseCode",
        )
    return code


# --- create and fund -------------------------------------------------------------------------
def escrow_create(*, user, order_uid: str, release_code: str) -> Escrow:
    """`POST /api/escrow`: the order's buyer puts its total in escrow. One escrow per order
    (409), an order of one seller (400), still awaiting payment. Funded at once when the
    buyer's BTC balance covers it (the order is then paid), else it waits PENDING for the
    deposit that makes the balance sufficient."""
    code = _release_code_checked(release_code)
    hashed = _hash(code)  # slow on purpose: before any lock is taken
    order = (
        Order.objects.filter(uid=order_uid, storefront="cryptoshop").select_related("shop").first()
    )
    if order is None or user.pk not in (order.buyer_id, order.shop and order.shop.owner_id):
        raise EscrowError(
            EscrowErrorCode.ORDER_NOT_FOUND, "Order not found", field="orderId",
            kind=ErrorKind.NOT_FOUND,
        )  # fmt: skip
    if order.buyer_id != user.pk:
        raise EscrowError(
            EscrowErrorCode.ONLY_BUYER, "Only the order's buyer can create its escrow",
            kind=ErrorKind.FORBIDDEN,
        )  # fmt: skip
    if order.shop is None or order.shop.owner_id is None:
        raise EscrowError(
            EscrowErrorCode.ONE_SELLER,
            "An order held in escrow must come from one seller",
            field="orderId",
        )
    btc_wallet_ensure(user=order.shop.owner)  # the seller's wallet is there to be paid into
    return _escrow_insert(order_id=order.pk, user=user, hashed=hashed)


@transaction.atomic(durable=True)
def _escrow_insert(*, order_id: int, user, hashed: str) -> Escrow:
    order = order_lock(order_id)
    if Escrow.objects.filter(order=order).exists():
        raise EscrowError(
            EscrowErrorCode.ESCROW_EXISTS, "This order already has an escrow transaction",
            field="orderId", kind=ErrorKind.CONFLICT,
        )  # fmt: skip
    if order.status != Status.PENDING:
        raise EscrowError(
            EscrowErrorCode.ORDER_NOT_PAYABLE,
            "Only an order awaiting payment can be put in escrow",
            field="orderId",
            kind=ErrorKind.CONFLICT,
        )
    if order.total_minor <= 0:  # a product priced before prices had to be more than zero
        raise EscrowError(
            EscrowErrorCode.ORDER_NOT_PAYABLE, "An order that costs nothing has nothing to hold",
            field="orderId", kind=ErrorKind.CONFLICT,
        )  # fmt: skip
    now = timezone.now()
    escrow = Escrow.objects.create(
        order=order,
        buyer=user,
        seller_id=order.shop.owner_id,
        amount_minor=order.total_minor,
        amount_eur_minor=order.total_eur_minor,
        release_code_hash=hashed,
        created_at=now,
    )
    Participant.objects.create(escrow=escrow, user=user, role=Participant.Role.BUYER, agreed_at=now)
    Participant.objects.create(
        escrow=escrow, user_id=order.shop.owner_id, role=Participant.Role.SELLER
    )
    amount = amount_text(escrow.amount_minor, BTC)
    escrow_announce(
        escrow, "escrow.created", title="Escrow created",
        buyer=f"Escrow of {amount} created for your order",
        seller=f"The buyer put {amount} in escrow for order {CryptoShopIds.ORDER(order.uid)}",
    )  # fmt: skip
    _fund_if_covered(escrow, order)
    return escrow


def _fund_if_covered(escrow: Escrow, order: Order) -> bool:
    """Buyer's wallet → escrow holding, when the balance covers it; the order is paid. The
    order's rows (products, shop counters) are written before the ledger's accounts are
    locked, the order every path keeps; a balance spent meanwhile rolls both back."""
    wallet = Account.objects.filter(user_id=escrow.buyer_id, currency=BTC).first()
    if wallet is None or wallet.balance_minor < escrow.amount_minor:
        return False
    txn_uid = new_uid()  # the funding movement's id, which the paid order shows
    try:
        with transaction.atomic():  # savepoint: the order's move and the money, or neither
            order_paid_by_escrow(order_id=order.pk, reference=CryptoShopIds.TRANSACTION(txn_uid))
            _move(escrow, "fund", LedgerTransaction.Kind.ESCROW_FUND, wallet,
                  system_account(Account.Kind.ESCROW, BTC), escrow.amount_minor,
                  f"Escrow for order {CryptoShopIds.ORDER(order.uid)}", uid=txn_uid)  # fmt: skip
    except InsufficientFunds:  # spent meanwhile: it waits for the next deposit
        return False
    escrow.status = EscrowStatus.FUNDED
    escrow.funded_at = timezone.now()
    escrow.save(update_fields=["status", "funded_at", "updated_at"])
    amount = amount_text(escrow.amount_minor, BTC)
    escrow_announce(
        escrow, "escrow.funded", title="Escrow funded",
        buyer=f"{amount} is held in escrow until you release it",
        seller=f"The buyer's {amount} is held in escrow: confirm the order to proceed",
    )  # fmt: skip
    return True


def escrows_fund_pending(*, user_id: int) -> int:
    """A deposit credited `user_id`'s wallet: fund their PENDING escrows, oldest first, while
    the balance covers them. Returns how many were funded."""
    funded = 0
    pending = Escrow.objects.filter(buyer_id=user_id, status=EscrowStatus.PENDING).order_by(
        "created_at", "pk"
    )
    for escrow_id, order_id in pending.values_list("pk", "order_id"):
        if _fund_pending(escrow_id=escrow_id, order_id=order_id):
            funded += 1
    return funded


@transaction.atomic(durable=True)
def _fund_pending(*, escrow_id: int, order_id: int) -> bool:
    order = order_lock(order_id)
    escrow = escrow_lock(escrow_id)
    if escrow.status != EscrowStatus.PENDING or order.status != Status.PENDING:
        return False
    return _fund_if_covered(escrow, order)


# --- the seller confirms; orders cancelled ---------------------------------------------------
def on_order_moved(*, order: Order, previous: Status, actor: Actor, user, **kwargs) -> None:
    """The order of an escrow moved (inside its transaction, order locked): the seller's
    confirmation confirms the escrow; a cancellation cancels a PENDING escrow and gives a
    funded one back to the buyer — except that once the seller confirmed, or a dispute is
    open, the buyer cannot cancel: the money is settled by the release code or by staff."""
    if order.storefront != "cryptoshop":
        return
    escrow = Escrow.objects.filter(order_id=order.pk).only("pk").first()
    if escrow is None:
        return
    escrow = escrow_lock(escrow.pk)
    target = Status(order.status)
    if target == Status.COMPLETED and actor != Actor.SYSTEM and escrow.status in HOLDS_MONEY:
        raise EscrowError(
            EscrowErrorCode.HELD_IN_ESCROW,
            "This order's payment is held in escrow: it completes when the escrow is released "
            "with its code (POST /api/escrow/{id}/release)",
            kind=ErrorKind.CONFLICT,
        )
    if target == Status.PROCESSING and escrow.status == EscrowStatus.FUNDED:
        _confirm(escrow, order)
    elif target == Status.CANCELLED and escrow.status not in FINAL:
        _cancelled_with_order(escrow, order, actor=actor)


def _confirm(escrow: Escrow, order: Order) -> None:
    now = timezone.now()
    escrow.status = EscrowStatus.CONFIRMED
    escrow.confirmed_at = now
    escrow.save(update_fields=["status", "confirmed_at", "updated_at"])
    Participant.objects.filter(escrow=escrow, role=Participant.Role.SELLER).update(agreed_at=now)
    escrow_announce(
        escrow, "escrow.updated", title="Escrow confirmed",
        buyer="The seller confirmed your order; release the escrow once you have received it",
        seller="You confirmed the order; the escrow is released to you with the buyer's code",
    )  # fmt: skip


def _cancelled_with_order(escrow: Escrow, order: Order, *, actor: Actor) -> None:
    if escrow.status == EscrowStatus.PENDING:
        _cancel_unfunded(escrow)
        return
    if actor == Actor.BUYER and escrow.status != EscrowStatus.FUNDED:
        raise EscrowError(
            EscrowErrorCode.HELD_IN_ESCROW,
            "This order's payment is held in escrow and the seller has confirmed it: release "
            "the escrow, or raise a dispute on it (POST /api/escrow/{id}/dispute)",
            kind=ErrorKind.CONFLICT,
        )
    if escrow.status == EscrowStatus.DISPUTED:
        raise EscrowError(
            EscrowErrorCode.HELD_IN_ESCROW,
            "This order's escrow is disputed: support settles it",
            kind=ErrorKind.CONFLICT,
        )
    _pay_out(escrow, seller_gross=0)
    escrow.status = EscrowStatus.REFUNDED
    escrow.refunded_at = timezone.now()
    escrow.save(update_fields=["status", "refunded_at", "updated_at"])
    order.refund_status = Order.RefundStatus.COMPLETED  # orders moves it on to refunded
    amount = amount_text(escrow.amount_minor, BTC)
    escrow_announce(
        escrow, "escrow.refunded", title="Escrow refunded",
        buyer=f"The order was cancelled: {amount} is back in your wallet",
        seller="The order was cancelled: the escrow went back to the buyer",
    )  # fmt: skip


# --- release ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Attempt:
    escrow: Escrow | None
    error: EscrowError | None


def escrow_release(*, user, escrow_uid: str, release_code: str) -> Escrow:
    """`POST /api/escrow/{id}/release`: a participant with the right code releases a FUNDED or
    CONFIRMED escrow to the seller, less the platform fee; the order completes. A wrong code
    changes nothing but the count of wrong codes (kept even though the answer is an error);
    the fifth locks the escrow for staff (423 from then on)."""
    escrow = _participant_escrow(user=user, escrow_uid=escrow_uid)
    btc_wallet_ensure(user=escrow.seller)
    outcome = _release_attempt(escrow_id=escrow.pk, order_id=escrow.order_id, code=release_code)
    if outcome.error is not None:
        raise outcome.error
    return outcome.escrow


@transaction.atomic(durable=True)
def _release_attempt(*, escrow_id: int, order_id: int, code: str) -> _Attempt:
    order_lock(order_id)
    escrow = escrow_lock(escrow_id)
    if escrow.is_locked:
        return _Attempt(None, _locked())
    if escrow.status not in (EscrowStatus.FUNDED, EscrowStatus.CONFIRMED):
        return _Attempt(None, _not_releasable(escrow))
    code = (code or "").strip()
    if len(code.encode()) > 72 or not _code_matches(code, escrow.release_code_hash):
        escrow.wrong_code_attempts += 1
        fields = ["wrong_code_attempts", "updated_at"]
        if escrow.wrong_code_attempts >= conf.MAX_WRONG_CODES:
            escrow.locked_at = timezone.now()
            fields.append("locked_at")
            logger.warning(
                "escrow_%s locked after %d wrong codes", escrow.uid, conf.MAX_WRONG_CODES
            )
        escrow.save(update_fields=fields)  # committed: the count survives the error answer
        left = conf.MAX_WRONG_CODES - escrow.wrong_code_attempts
        message = (
            f"Wrong release code ({left} tries left)"
            if left
            else "Wrong release code: the escrow is now locked and support will settle it"
        )
        return _Attempt(
            None, EscrowError(EscrowErrorCode.RELEASE_CODE_INVALID, message, field="releaseCode")
        )
    _release(escrow, note="Escrow released with the release code")
    return _Attempt(escrow, None)


def _release(escrow: Escrow, *, note: str, staff=None, reason: str = "") -> None:
    """Escrow holding → the seller, less the fee; the order completes (caller holds locks)."""
    now = timezone.now()
    escrow.status = EscrowStatus.RELEASED
    escrow.released_at = now
    escrow.save()
    order_complete_by_escrow(order_id=escrow.order_id, note=note)
    _pay_out(escrow, seller_gross=escrow.amount_minor, staff=staff, reason=reason)
    escrow.save(update_fields=["seller_amount_minor"])
    amount = amount_text(escrow.seller_amount_minor or 0, BTC)
    escrow_announce(
        escrow, "escrow.released", title="Escrow released",
        buyer="The escrow was released to the seller",
        seller=f"Escrow released: {amount} is in your wallet",
    )  # fmt: skip


def escrow_fee(amount_minor: int) -> int:
    """The platform's fee on `amount_minor`, rounded down: never a satoshi more than due."""
    fee = (Decimal(amount_minor) * conf.fee_percent() / 100).to_integral_value(ROUND_FLOOR)
    return int(fee)


def _pay_out(escrow: Escrow, *, seller_gross: int, staff=None, reason: str = "") -> None:
    """Escrow holding → the seller (`seller_gross`, then the fee from it) and → the buyer (the
    rest), each movement once by its key."""
    holding = system_account(Account.Kind.ESCROW, BTC)
    buyer_share = escrow.amount_minor - seller_gross
    fee = escrow_fee(seller_gross)
    seller_wallet = (
        Account.objects.get(user_id=escrow.seller_id, currency=BTC) if seller_gross else None
    )
    fees = system_account(Account.Kind.FEES, BTC) if fee else None
    buyer_wallet = (
        Account.objects.get(user_id=escrow.buyer_id, currency=BTC) if buyer_share else None
    )
    # Every account of the payout locked at once, in pk order, before the first movement:
    # each ledger_post locks only its own accounts, so a split would take the buyer's wallet
    # last while holding the escrow holding account, and the buyer funding another escrow
    # (wallet, then holding) would wait on it crosswise — a deadlock.
    accounts_lock(a.pk for a in (holding, seller_wallet, fees, buyer_wallet) if a is not None)
    order_ref = CryptoShopIds.ORDER(escrow.order.uid)
    by_staff = {"created_by": staff, "reason": reason}
    if seller_wallet is not None:
        _move(escrow, "release", LedgerTransaction.Kind.ESCROW_RELEASE, holding, seller_wallet,
              seller_gross, f"Escrow released for order {order_ref}", **by_staff)  # fmt: skip
        if fees is not None:
            _move(escrow, "fee", LedgerTransaction.Kind.FEE, seller_wallet, fees, fee,
                  f"Platform fee ({conf.fee_percent()}%) for order {order_ref}")  # fmt: skip
        escrow.seller_amount_minor = seller_gross - fee
    if buyer_wallet is not None:
        _move(escrow, "refund", LedgerTransaction.Kind.ESCROW_REFUND, holding, buyer_wallet,
              buyer_share, f"Escrow refunded for order {order_ref}", **by_staff)  # fmt: skip


def _move(
    escrow: Escrow,
    movement: str,
    kind: str,
    source: Account,
    target: Account,
    amount_minor: int,
    description: str,
    **more: Any,
) -> Posting:
    """`amount_minor` of the escrow's money from `source` to `target`, posted once by its key
    `escrow-<movement>:<uid>` and under the escrow's reference `escrow_<uid>`, by which its
    admin page lists them."""
    return ledger_post(
        key=f"escrow-{movement}:{escrow.uid}",
        kind=kind,
        legs=transfer(source, target, amount_minor),
        description=description,
        reference=CryptoShopIds.ESCROW(escrow.uid),
        **more,
    )


def _locked() -> EscrowError:
    return EscrowError(
        EscrowErrorCode.ESCROW_LOCKED,
        "This escrow is locked after too many wrong release codes; support will settle it",
        kind=ErrorKind.LOCKED,
    )


def _not_releasable(escrow: Escrow) -> EscrowError:
    why = {
        EscrowStatus.PENDING: "it is not funded yet",
        EscrowStatus.DISPUTED: "it is disputed; support will settle it",
    }.get(EscrowStatus(escrow.status), f"it is {escrow.status.lower()}")
    return EscrowError(
        EscrowErrorCode.NOT_RELEASABLE,
        f"This escrow cannot be released: {why}",
        kind=ErrorKind.CONFLICT,
    )


# --- dispute ---------------------------------------------------------------------------------
DISPUTE_REASON_MAX = 1000


def escrow_dispute(*, user, escrow_uid: str, reason: str) -> Escrow:
    """`POST /api/escrow/{id}/dispute`: the buyer or the seller of a FUNDED or CONFIRMED escrow
    stops it (no release while disputed) and a support ticket is opened for both of them,
    where they post their evidence; staff settle it in the admin."""
    reason = " ".join((reason or "").split())
    if not reason or len(reason) > DISPUTE_REASON_MAX:
        raise EscrowError(
            EscrowErrorCode.REASON_REQUIRED,
            f"reason is required (at most {DISPUTE_REASON_MAX} characters)",
            field="reason",
        )
    escrow = _participant_escrow(user=user, escrow_uid=escrow_uid)
    if escrow.status not in (EscrowStatus.FUNDED, EscrowStatus.CONFIRMED) or escrow.is_locked:
        raise _not_disputable(escrow)
    other = escrow.seller if user.pk == escrow.buyer_id else escrow.buyer
    ticket = ticket_create(
        user=user,
        subject=(
            f"Dispute: {CryptoShopIds.ESCROW(escrow.uid)}"
            f" (order {CryptoShopIds.ORDER(escrow.order.uid)})"
        ),
        content=reason,
        category="Escrow dispute",
        priority="HIGH",
        counterparty=other,
    )
    outcome = _dispute_record(escrow_id=escrow.pk, order_id=escrow.order_id, user=user,
                              reason=reason, ticket_id=ticket.pk)  # fmt: skip
    if outcome.error is not None:
        raise outcome.error
    return outcome.escrow


@transaction.atomic(durable=True)
def _dispute_record(
    *, escrow_id: int, order_id: int, user, reason: str, ticket_id: int
) -> _Attempt:
    order_lock(order_id)
    escrow = escrow_lock(escrow_id)
    if escrow.status not in (EscrowStatus.FUNDED, EscrowStatus.CONFIRMED) or escrow.is_locked:
        # released (or disputed) while the ticket was being opened: the ticket is closed,
        # and the refusal returned, not raised, so that the closing commits
        ticket_settle(ticket_id=ticket_id, message="The escrow was settled before the dispute.")
        return _Attempt(None, _not_disputable(escrow))
    now = timezone.now()
    escrow.status = EscrowStatus.DISPUTED
    escrow.dispute_raised = True
    escrow.dispute_reason = reason
    escrow.disputed_by = user
    escrow.disputed_at = now
    escrow.ticket_id = ticket_id
    escrow.save()
    who = "buyer" if user.pk == escrow.buyer_id else "seller"
    escrow_announce(
        escrow, "escrow.disputed", title="Escrow disputed",
        buyer=f"A dispute was raised by the {who}: {reason}"[:200],
        seller=f"A dispute was raised by the {who}: {reason}"[:200],
    )  # fmt: skip
    return _Attempt(escrow, None)


def _not_disputable(escrow: Escrow) -> EscrowError:
    if escrow.is_locked:
        return _locked()
    return EscrowError(
        EscrowErrorCode.NOT_DISPUTABLE,
        f"Only a funded or confirmed escrow can be disputed; this one is {escrow.status}",
        kind=ErrorKind.CONFLICT,
    )


# --- staff resolution ------------------------------------------------------------------------
@transaction.atomic(durable=True)
def escrow_resolve(
    *,
    escrow_id: int,
    action: Escrow.Resolution,
    staff_user,
    reason: str,
    seller_amount_minor: int | None = None,
) -> Escrow:
    """Staff settle a DISPUTED (or locked) escrow: release to the seller, refund the buyer,
    or split (the seller gets `seller_amount_minor` before the fee, the buyer the rest).
    Attributed, with a reason; the dispute ticket is answered and closed. A final escrow
    never moves again: two staff at once → the second is refused."""
    if not resolution_allowed(staff_user):
        raise EscrowError(
            EscrowErrorCode.NOT_ALLOWED,
            "Only staff with the “resolve escrow” permission may settle an escrow",
            kind=ErrorKind.FORBIDDEN,
        )
    reason = (reason or "").strip()
    if not reason:
        raise EscrowError(EscrowErrorCode.REASON_REQUIRED, "Give a reason", field="reason")
    escrow = Escrow.objects.only("order_id").get(pk=escrow_id)
    order_lock(escrow.order_id)
    escrow = escrow_lock(escrow_id)
    if not needs_staff(escrow):
        raise EscrowError(
            EscrowErrorCode.NOT_RESOLVABLE,
            f"Only a disputed or locked escrow is settled by staff; this one is {escrow.status}",
            kind=ErrorKind.CONFLICT,
        )
    if action == Escrow.Resolution.SPLIT:
        if seller_amount_minor is None or not 0 < seller_amount_minor < escrow.amount_minor:
            raise EscrowError(
                EscrowErrorCode.BAD_SPLIT,
                f"The seller's share must be more than 0 and less than "
                f"{amount_text(escrow.amount_minor, BTC)}",
                field="seller_amount",
            )
    seller_gross = {
        Escrow.Resolution.RELEASE: escrow.amount_minor,
        Escrow.Resolution.REFUND: 0,
        Escrow.Resolution.SPLIT: seller_amount_minor or 0,
    }[Escrow.Resolution(action)]
    now = timezone.now()
    escrow.resolution = action
    escrow.resolved_by = staff_user
    escrow.resolution_reason = reason[:1000]
    escrow.resolved_at = now
    escrow.dispute_resolved = escrow.dispute_raised
    note = f"Settled by support: {reason}"[:500]
    if action == Escrow.Resolution.RELEASE:
        _release(escrow, note=note, staff=staff_user, reason=reason)
    else:
        escrow.status = (
            EscrowStatus.REFUNDED if action == Escrow.Resolution.REFUND else EscrowStatus.SPLIT
        )
        escrow.refunded_at = now
        escrow.save()
        # the order's rows (stock, counters) before the ledger's accounts, as everywhere
        if action == Escrow.Resolution.REFUND:
            order_refund_by_escrow(order_id=escrow.order_id, note=note)
        else:
            order_complete_by_escrow(order_id=escrow.order_id, note=note)
        _pay_out(escrow, seller_gross=seller_gross, staff=staff_user, reason=reason)
        escrow.save(update_fields=["seller_amount_minor"])
    words = {
        Escrow.Resolution.RELEASE: "released to the seller",
        Escrow.Resolution.REFUND: "refunded to the buyer",
        Escrow.Resolution.SPLIT: (
            f"split: {amount_text(seller_gross, BTC)} to the seller, "
            f"{amount_text(escrow.amount_minor - seller_gross, BTC)} to the buyer"
        ),
    }[Escrow.Resolution(action)]
    message = f"Support settled the escrow: {words}. {reason}"
    if escrow.ticket_id:
        ticket_settle(ticket_id=escrow.ticket_id, staff=staff_user, message=message[:5000])
    escrow_announce(escrow, "escrow.resolved", title="Escrow settled", buyer=message[:200],
                    seller=message[:200])  # fmt: skip
    return escrow


# --- jobs ------------------------------------------------------------------------------------
def escrows_auto_release(*, now: datetime | None = None) -> int:
    """Beat: CONFIRMED escrows with no dispute are released `ESCROW_AUTO_RELEASE_DAYS` after
    the seller confirmed; the buyer is reminded a day before. Returns how many released."""
    now = now or timezone.now()
    due_at = now - conf.auto_release_after()
    remind_at = due_at + timedelta(days=1)
    confirmed = Escrow.objects.filter(status=EscrowStatus.CONFIRMED, locked_at__isnull=True)
    for escrow_id in confirmed.filter(
        confirmed_at__lte=remind_at, confirmed_at__gt=due_at, reminder_sent_at__isnull=True
    ).values_list("pk", flat=True):
        _remind(escrow_id=escrow_id)
    released = 0
    due = confirmed.filter(confirmed_at__lte=due_at).select_related("seller")
    for escrow in due.only("pk", "order_id", "seller"):
        escrow_id, order_id = escrow.pk, escrow.order_id
        try:
            btc_wallet_ensure(user=escrow.seller)
            released += _auto_release(escrow_id=escrow_id, order_id=order_id)
        except Exception:  # one escrow must not stop the others
            logger.exception("auto-release of escrow %s failed", escrow_id)
    if released:
        logger.info("escrows auto-released: %d", released)
    return released


@transaction.atomic(durable=True)
def _auto_release(*, escrow_id: int, order_id: int) -> bool:
    order_lock(order_id)
    escrow = escrow_lock(escrow_id)
    if escrow.status != EscrowStatus.CONFIRMED or escrow.is_locked:
        return False
    _release(
        escrow, note=f"Escrow released automatically after {conf.auto_release_after().days} days"
    )
    return True


@transaction.atomic(durable=True)
def _remind(*, escrow_id: int) -> None:
    escrow = escrow_lock(escrow_id)
    if escrow.status != EscrowStatus.CONFIRMED or escrow.reminder_sent_at:
        return
    escrow.reminder_sent_at = timezone.now()
    escrow.save(update_fields=["reminder_sent_at", "updated_at"])
    escrow_announce(
        escrow, "escrow.updated", title="Escrow releases tomorrow",
        buyer="The escrow will be released to the seller tomorrow unless you raise a dispute",
        seller="",
    )  # fmt: skip


def escrows_cancel_expired() -> int:
    """Beat, a net under the order's own cancellation: PENDING escrows whose order is no
    longer awaiting payment are cancelled."""
    ids = list(
        Escrow.objects.filter(status=EscrowStatus.PENDING)
        .exclude(order__status=Status.PENDING)
        .values_list("pk", flat=True)
    )
    for escrow_id in ids:
        with transaction.atomic(durable=True):
            escrow = escrow_lock(escrow_id)
            if escrow.status == EscrowStatus.PENDING:
                _cancel_unfunded(escrow)
    return len(ids)


def _cancel_unfunded(escrow: Escrow) -> None:
    """A PENDING escrow closes with its unpaid order; nothing was taken, so nothing moves."""
    escrow.status = EscrowStatus.CANCELLED
    escrow.save(update_fields=["status", "updated_at"])
    escrow_announce(
        escrow, "escrow.updated", title="Escrow cancelled",
        buyer="Your order was cancelled; its escrow is closed (nothing was taken)",
        seller="The order was cancelled before its escrow was funded",
    )  # fmt: skip


def _participant_escrow(*, user, escrow_uid: str) -> Escrow:
    escrow = (
        Escrow.objects.select_related("order", "buyer", "seller").filter(uid=escrow_uid).first()
    )
    if escrow is None or user.pk not in (escrow.buyer_id, escrow.seller_id):
        raise escrow_not_found()
    return escrow
