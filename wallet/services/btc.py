"""The CryptoShop BTC wallet: deposit addresses, deposits credited once confirmed, payout
address, withdrawals that staff send or reject.

The server never holds a private key: deposit addresses derive from the operator's extended
public key (`BTC_XPUB`, BIP84, one index per wallet, never reused), and withdrawals are sent
by staff from the operator's own wallet, who then enter the broadcast txid. Only
superusers and staff holding `wallet.decide_withdrawal` decide a withdrawal (the admin offers
its actions to them alone; the services check again).
"""

from __future__ import annotations

import logging
import re
from collections import Counter

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from core.errors import ErrorKind
from core.ids import CryptoShopIds
from core.money import Currency

from .. import bitcoin
from ..chain import ChainOutput, ChainUnavailable, confirmations, get_btc_backend
from ..conf import btc_confirmations, btc_withdrawal_min_sat
from ..errors import WalletError, WalletErrorCode
from ..events import amount_text, wallet_moved
from ..locks import withdrawal_lock
from ..models import Account, Deposit, LedgerTransaction, Withdrawal
from ..signals import btc_wallet_credited
from .ledger import ledger_post, system_account, transfer

logger = logging.getLogger(__name__)

BTC = Currency.BTC
TXID = re.compile(r"^[0-9a-f]{64}$")
DECIDE_PERMISSION = "wallet.decide_withdrawal"


def operator_xpub() -> str:
    """`BTC_XPUB`; in development BIP84's published test vector (settings refuse to start
    without a real one when DEBUG is off)."""
    return settings.BTC_XPUB or bitcoin.DEVELOPMENT_ZPUB


def btc_network() -> str:
    return getattr(settings, "BTC_NETWORK", bitcoin.DEFAULT_NETWORK)


def btc_wallet_create(*, user) -> Account:
    """`POST /api/wallet`: the user's BTC wallet with a deposit address of its own (the next
    derivation index; a unique index keeps two wallets from ever sharing one). A second
    create answers 409 `WALLET_EXISTS`."""
    if Account.objects.filter(user=user, currency=BTC).exists():
        raise _exists()
    xpub, network = operator_xpub(), btc_network()
    for _ in range(5):  # two creations racing for the same index: the loser takes the next
        top = Account.objects.aggregate(top=Max("address_index"))["top"]
        index = 0 if top is None else top + 1  # not `top or -1`: index 0 is taken too
        try:
            with transaction.atomic(durable=True):
                return Account.objects.create(
                    kind=Account.Kind.WALLET,
                    user=user,
                    currency=BTC,
                    address_index=index,
                    deposit_address=bitcoin.deposit_address(xpub, index, network),
                )
        except IntegrityError:
            if Account.objects.filter(user=user, currency=BTC).exists():
                raise _exists() from None
    raise WalletError(WalletErrorCode.WALLET_EXISTS, "Could not allocate an address, try again")


def btc_wallet_ensure(*, user) -> Account:
    """`user`'s BTC wallet, created with its deposit address if they have none yet (a seller
    paid by an escrow before opening their wallet)."""
    wallet = Account.objects.filter(user=user, currency=BTC).first()
    if wallet is not None:
        return wallet
    try:
        return btc_wallet_create(user=user)
    except WalletError:  # created meanwhile
        return Account.objects.get(user=user, currency=BTC)


def _exists() -> WalletError:
    return WalletError(
        WalletErrorCode.WALLET_EXISTS, "Wallet already exists", kind=ErrorKind.CONFLICT
    )


def btc_wallet_get(*, user) -> Account:
    wallet = Account.objects.filter(user=user, currency=BTC).first()
    if wallet is None:
        raise WalletError(
            WalletErrorCode.WALLET_NOT_FOUND,
            "Wallet not found. Create it with POST /api/wallet",
            kind=ErrorKind.NOT_FOUND,
        )
    return wallet


@transaction.atomic(durable=True)
def btc_wallet_set_payout_address(*, user, address: str) -> Account:
    """`PUT /api/wallet`: the user's own address, where withdrawals go. Checked by checksum
    for the configured network (base58check P2PKH/P2SH, bech32 v0, bech32m v1+); anything
    else is 400 on `address` and changes nothing."""
    wallet = btc_wallet_get(user=user)
    try:
        info = bitcoin.address_validate(address, btc_network())
    except ValueError as exc:
        raise WalletError(WalletErrorCode.INVALID_ADDRESS, str(exc), field="address") from None
    wallet.payout_address = info.address
    wallet.save(update_fields=["payout_address", "updated_at"])
    return wallet


# --- deposits -------------------------------------------------------------------------------
def deposits_scan(*, batch: int = 500) -> Counter[str]:
    """Ask the chain about every deposit address (beat every `BTC_POLL_SECONDS`; at once after
    a sandbox block) and credit each output once it has `BTC_CONFIRMATIONS` confirmations,
    exactly once per txid:vout, whatever order the observations arrive in. The chain is
    asked holding no lock."""
    results: Counter[str] = Counter()
    backend = get_btc_backend()
    wallets = Account.objects.filter(currency=BTC, deposit_address__isnull=False).order_by("pk")
    addresses = list(wallets.values_list("deposit_address", flat=True))
    for start in range(0, len(addresses), batch):
        chunk = addresses[start : start + batch]
        try:
            tip = backend.tip_height()
            outputs = backend.outputs_to(chunk)
        except ChainUnavailable:
            logger.warning("deposit scan: the chain did not answer; next run asks again")
            results["unreachable"] += 1
            continue
        for output in outputs:
            results[deposit_observe(output=output, confirmations=confirmations(output, tip))] += 1
    if results.get("credited"):
        logger.info("deposit scan: %s", dict(sorted(results.items())))
    return results


def deposit_observe(*, output: ChainOutput, confirmations: int) -> str:
    """Record what the chain says of one output paying a deposit address; credit it when it
    has enough confirmations. Returns `credited`, `pending`, `known` (already credited) or
    `ignored` (not one of ours)."""
    wallet = Account.objects.filter(deposit_address=output.address, currency=BTC).first()
    if wallet is None or output.amount_sat <= 0:
        return "ignored"
    deposit, _ = Deposit.objects.get_or_create(
        txid=output.txid,
        vout=output.vout,
        defaults={"account": wallet, "address": output.address, "amount_minor": output.amount_sat},
    )
    if deposit.status == Deposit.Status.CREDITED:
        return "known"
    Deposit.objects.filter(pk=deposit.pk, status=Deposit.Status.PENDING).update(
        confirmations=confirmations, block_height=output.block_height
    )
    if confirmations < btc_confirmations():
        return "pending"
    return "credited" if deposit_credit(deposit_id=deposit.pk) else "known"


@transaction.atomic(durable=True)
def deposit_credit(*, deposit_id: int) -> bool:
    """The BTC chain → the wallet, once (`deposit:<txid>:<vout>`, under the deposit's lock)."""
    deposit = Deposit.objects.select_for_update(of=("self",)).get(pk=deposit_id)
    if deposit.status == Deposit.Status.CREDITED:
        return False
    posting = ledger_post(
        key=f"deposit:{deposit.txid}:{deposit.vout}",
        kind=LedgerTransaction.Kind.DEPOSIT,
        legs=transfer(
            system_account(Account.Kind.CHAIN, BTC), deposit.account, deposit.amount_minor
        ),
        description="Bitcoin deposit",
        reference=deposit.txid,
    )
    deposit.status = Deposit.Status.CREDITED
    deposit.transaction = posting.transaction
    deposit.credited_at = timezone.now()
    deposit.save(update_fields=["status", "transaction", "credited_at"])
    if posting.created:
        wallet_moved(
            account=deposit.account,
            ledger_transaction=posting.transaction,
            amount_minor=deposit.amount_minor,
            title="Deposit confirmed",
            body=f"Deposit of {amount_text(deposit.amount_minor, BTC)} confirmed",
        )
        account = deposit.account
        transaction.on_commit(
            lambda: btc_wallet_credited.send(
                sender=Account, account_id=account.pk, user_id=account.user_id
            )
        )
    return True


# --- withdrawals ----------------------------------------------------------------------------
@transaction.atomic(durable=True)
def withdrawal_request(*, user, amount_minor: int) -> Withdrawal:
    """`POST /api/wallet/withdrawals`: the amount leaves the wallet for "withdrawals pending"
    at once (400 when the balance is short) and waits there for staff to send it to the
    payout address or reject it. Needs a payout address (`PUT /api/wallet`)."""
    wallet = btc_wallet_get(user=user)
    if not wallet.payout_address:
        raise WalletError(
            WalletErrorCode.NO_PAYOUT_ADDRESS,
            "Set your payout address with PUT /api/wallet first",
            field="address",
        )
    minimum = btc_withdrawal_min_sat()
    if amount_minor < minimum:
        raise WalletError(
            WalletErrorCode.INVALID_AMOUNT,
            f"The smallest withdrawal is {amount_text(minimum, BTC)}",
            field="amountBtc",
        )
    withdrawal = Withdrawal.objects.create(
        account=wallet, amount_minor=amount_minor, address=wallet.payout_address
    )
    posting = ledger_post(
        key=f"withdrawal:{withdrawal.uid}",
        kind=LedgerTransaction.Kind.WITHDRAWAL,
        legs=transfer(wallet, system_account(Account.Kind.WITHDRAWALS, BTC), amount_minor),
        description=f"Withdrawal to {wallet.payout_address}",
        reference=CryptoShopIds.WITHDRAWAL(withdrawal.uid),
        insufficient_message="Insufficient wallet balance",
        insufficient_field="amountBtc",
    )
    wallet_moved(
        account=wallet,
        ledger_transaction=posting.transaction,
        amount_minor=-amount_minor,
        title="Withdrawal requested",
        body=f"Withdrawal of {amount_text(amount_minor, BTC)} requested",
    )
    return withdrawal


def withdrawal_decision_allowed(user) -> bool:
    return bool(user and user.is_active and user.is_staff and user.has_perm(DECIDE_PERMISSION))


def _check_decider(staff_user) -> None:
    if not withdrawal_decision_allowed(staff_user):
        raise WalletError(
            WalletErrorCode.WITHDRAWAL_DECISION_NOT_ALLOWED,
            "Only staff with the “decide withdrawal” permission may send or reject a withdrawal",
            kind=ErrorKind.FORBIDDEN,
        )


@transaction.atomic(durable=True)
def withdrawal_send(*, withdrawal_id: int, txid: str, staff_user) -> Withdrawal:
    """Staff sent the coins from the operator's wallet: "withdrawals pending" → the chain.
    Once: a withdrawal already sent or rejected is refused (409 `WITHDRAWAL_NOT_PENDING`,
    also to the loser of two staff deciding at once, under the withdrawal's lock)."""
    _check_decider(staff_user)
    txid = (txid or "").strip().lower()
    if not TXID.match(txid):
        raise WalletError(
            WalletErrorCode.INVALID_TXID, "A txid is 64 hexadecimal characters", field="txid"
        )
    withdrawal = _pending(withdrawal_id)
    return _settle(
        withdrawal,
        Withdrawal.Status.SENT,
        staff_user,
        to=system_account(Account.Kind.CHAIN, BTC),
        kind=LedgerTransaction.Kind.WITHDRAWAL_SENT,
        description=f"Withdrawal to {withdrawal.address} sent",
        reference=txid,
        txid=txid,
    )


@transaction.atomic(durable=True)
def withdrawal_reject(*, withdrawal_id: int, reason: str, staff_user) -> Withdrawal:
    """Staff refused it: the amount goes back to the wallet, and the user is told the reason.
    Once, as `withdrawal_send`."""
    _check_decider(staff_user)
    reason = (reason or "").strip()
    if not reason:
        raise WalletError(WalletErrorCode.REASON_REQUIRED, "Give a reason", field="reason")
    withdrawal = _pending(withdrawal_id)
    return _settle(
        withdrawal,
        Withdrawal.Status.REJECTED,
        staff_user,
        to=withdrawal.account,
        kind=LedgerTransaction.Kind.WITHDRAWAL_RETURNED,
        description=f"Withdrawal rejected: {reason}",
        reference=CryptoShopIds.WITHDRAWAL(withdrawal.uid),
        reason=reason,
    )


def _settle(
    withdrawal: Withdrawal,
    status: str,
    staff_user,
    *,
    to: Account,
    kind: LedgerTransaction.Kind,
    description: str,
    reference: str,
    txid: str = "",
    reason: str = "",
) -> Withdrawal:
    """A decision on a pending withdrawal: its amount leaves "withdrawals pending" for `to`
    (the chain when sent, the wallet when rejected), the decision is recorded, and the user
    is told it with the txid or the reason."""
    posting = ledger_post(
        key=f"withdrawal-{status}:{withdrawal.uid}",
        kind=kind,
        legs=transfer(system_account(Account.Kind.WITHDRAWALS, BTC), to, withdrawal.amount_minor),
        description=description,
        reference=reference,
        created_by=staff_user,
        reason=reason,
    )
    _decide(withdrawal, status, staff_user, txid=txid, reason=reason)
    returned = status == Withdrawal.Status.REJECTED  # the money is back in the wallet
    wallet_moved(
        account=withdrawal.account,
        ledger_transaction=posting.transaction,
        amount_minor=withdrawal.amount_minor if returned else -withdrawal.amount_minor,
        title=f"Withdrawal {status}",
        body=f"Withdrawal of {amount_text(withdrawal.amount_minor, BTC)} {status}: "
        f"{txid or reason}",
    )
    return withdrawal


def _pending(withdrawal_id: int) -> Withdrawal:
    withdrawal = withdrawal_lock(withdrawal_id)
    if withdrawal.status != Withdrawal.Status.PENDING:
        raise withdrawal_not_pending(withdrawal)
    return withdrawal


def withdrawal_not_pending(withdrawal: Withdrawal) -> WalletError:
    """The refusal of a second decision (also what the admin says before asking for one)."""
    return WalletError(
        WalletErrorCode.WITHDRAWAL_NOT_PENDING,
        f"This withdrawal was already {withdrawal.status}",
        kind=ErrorKind.CONFLICT,
    )


def _decide(withdrawal: Withdrawal, status: str, staff_user, *, txid="", reason="") -> None:
    withdrawal.status = status
    withdrawal.txid = txid
    withdrawal.reason = reason[:500]
    withdrawal.decided_by = staff_user
    withdrawal.decided_at = timezone.now()
    withdrawal.save(update_fields=["status", "txid", "reason", "decided_by", "decided_at"])
