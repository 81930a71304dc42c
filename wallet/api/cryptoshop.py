"""CryptoShop contract, "Wallet Endpoints" (BTC): create, read, payout address; plus
withdrawals (an added endpoint, `POST /api/wallet/withdrawals`)."""

from __future__ import annotations

from decimal import Decimal

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from core.ids import CryptoShopIds
from core.money import Currency, Money, minor_to_decimal
from core.timefmt import api_datetime
from storefronts.cryptoshop.base import CryptoShopView, btc
from wallet import selectors
from wallet.models import Account, Deposit, Entry, LedgerTransaction, Withdrawal
from wallet.rates import RateUnavailable, btc_eur_rate, sat_to_eur_cents
from wallet.services.btc import (
    btc_wallet_create,
    btc_wallet_get,
    btc_wallet_set_payout_address,
    withdrawal_request,
)

KIND_TYPE = {
    LedgerTransaction.Kind.DEPOSIT: "DEPOSIT",
    LedgerTransaction.Kind.WITHDRAWAL: "WITHDRAWAL",
    LedgerTransaction.Kind.WITHDRAWAL_RETURNED: "WITHDRAWAL_RETURNED",
    LedgerTransaction.Kind.ESCROW_FUND: "ESCROW_FUND",
    LedgerTransaction.Kind.ESCROW_RELEASE: "ESCROW_RELEASE",
    LedgerTransaction.Kind.ESCROW_REFUND: "ESCROW_REFUND",
    LedgerTransaction.Kind.FEE: "FEE",
    LedgerTransaction.Kind.ADJUSTMENT: "ADJUSTMENT",
}
WITHDRAWAL_STATUS = {
    Withdrawal.Status.PENDING: "PENDING",
    Withdrawal.Status.SENT: "CONFIRMED",
    Withdrawal.Status.REJECTED: "REJECTED",
}
TRANSACTION_TYPES = sorted(set(KIND_TYPE.values()))
# a wallet transaction's and a withdrawal's status (named in SPECTACULAR_SETTINGS)
MONEY_STATUS = ["CONFIRMED", "PENDING", "REJECTED"]


def _eur(amount_minor: int, rate: Decimal | None) -> Decimal | None:
    if rate is None:
        return None
    return minor_to_decimal(sat_to_eur_cents(amount_minor, rate), Currency.EUR)


def _rate() -> Decimal | None:
    try:
        return btc_eur_rate()
    except RateUnavailable:  # the balance in BTC is still right; EUR is shown as unknown
        return None


class WalletTransactionOut(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.ChoiceField(choices=TRANSACTION_TYPES)
    amountBtc = serializers.DecimalField(max_digits=16, decimal_places=8)
    amountEur = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    description = serializers.CharField()
    hash = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=MONEY_STATUS)
    createdAt = serializers.DateTimeField()


class WalletOut(serializers.Serializer):
    id = serializers.CharField()
    userId = serializers.CharField()
    balanceBtc = serializers.DecimalField(max_digits=16, decimal_places=8)
    balanceEur = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    address = serializers.CharField(help_text="the payout address once set, else depositAddress")
    depositAddress = serializers.CharField(help_text="send BTC here to fund the wallet")
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()


class WalletDetailOut(WalletOut):
    transactions = WalletTransactionOut(many=True)


class WalletAddressIn(serializers.Serializer):
    address = serializers.CharField(max_length=100, trim_whitespace=True)


class WalletAddressOut(serializers.Serializer):
    id = serializers.CharField()
    address = serializers.CharField()
    updatedAt = serializers.DateTimeField()


class WithdrawalIn(serializers.Serializer):
    amountBtc = serializers.DecimalField(
        max_digits=16, decimal_places=8, min_value=Decimal("0.00000001")
    )


class WithdrawalOut(serializers.Serializer):
    id = serializers.CharField()
    amountBtc = serializers.DecimalField(max_digits=16, decimal_places=8)
    address = serializers.CharField()
    status = serializers.ChoiceField(choices=MONEY_STATUS)
    txid = serializers.CharField(allow_null=True)
    createdAt = serializers.DateTimeField()


def wallet_data(wallet: Account, rate: Decimal | None) -> dict:
    return {
        "id": CryptoShopIds.WALLET(wallet.uid),
        "userId": CryptoShopIds.USER(wallet.user.uid),
        "balanceBtc": btc(wallet.balance_minor),
        "balanceEur": _eur(wallet.balance_minor, rate),
        "address": wallet.payout_address or wallet.deposit_address,
        "depositAddress": wallet.deposit_address,
        "createdAt": api_datetime(wallet.created_at),
        "updatedAt": api_datetime(wallet.updated_at),
    }


def entry_data(entry: Entry, rate: Decimal | None) -> dict:
    txn = entry.transaction
    withdrawal: Withdrawal | None = getattr(entry, "withdrawal", None)
    status, tx_hash = "CONFIRMED", txn.reference or None
    if txn.kind == LedgerTransaction.Kind.WITHDRAWAL and withdrawal is not None:
        status = WITHDRAWAL_STATUS[Withdrawal.Status(withdrawal.status)]
        tx_hash = withdrawal.txid or None
    return {
        "id": CryptoShopIds.TRANSACTION(txn.uid),
        "type": KIND_TYPE.get(LedgerTransaction.Kind(txn.kind), "ADJUSTMENT"),
        "amountBtc": btc(abs(entry.amount_minor)),
        "amountEur": _eur(abs(entry.amount_minor), rate),
        "description": txn.description,
        "hash": tx_hash,
        "status": status,
        "createdAt": api_datetime(entry.created_at),
    }


def pending_deposit_data(deposit: Deposit, rate: Decimal | None) -> dict:
    return {
        "id": f"tx_{deposit.txid[:12]}{deposit.vout}",
        "type": "DEPOSIT",
        "amountBtc": btc(deposit.amount_minor),
        "amountEur": _eur(deposit.amount_minor, rate),
        "description": f"Bitcoin deposit ({deposit.confirmations} confirmations)",
        "hash": deposit.txid,
        "status": "PENDING",
        "createdAt": api_datetime(deposit.first_seen_at),
    }


def withdrawal_data(withdrawal: Withdrawal) -> dict:
    return {
        "id": CryptoShopIds.WITHDRAWAL(withdrawal.uid),
        "amountBtc": btc(withdrawal.amount_minor),
        "address": withdrawal.address,
        "status": WITHDRAWAL_STATUS[Withdrawal.Status(withdrawal.status)],
        "txid": withdrawal.txid or None,
        "createdAt": api_datetime(withdrawal.created_at),
    }


class WalletView(CryptoShopView):
    @extend_schema(responses={200: WalletDetailOut}, operation_id="wallet_retrieve")
    def get(self, request):
        wallet = btc_wallet_get(user=request.user)
        rate = _rate()
        entries, pending = selectors.btc_recent_activity(account=wallet)
        data = wallet_data(wallet, rate)
        data["transactions"] = [pending_deposit_data(d, rate) for d in pending] + [
            entry_data(e, rate) for e in entries
        ]
        return self.ok(data)

    @extend_schema(request=None, responses={201: WalletOut}, operation_id="wallet_create")
    def post(self, request):
        wallet = btc_wallet_create(user=request.user)
        return self.ok(wallet_data(wallet, _rate()), status=201)

    @extend_schema(request=WalletAddressIn, responses={200: WalletAddressOut})
    def put(self, request):
        body = self.validated_body(WalletAddressIn)
        wallet = btc_wallet_set_payout_address(user=request.user, address=body["address"])
        return self.ok(
            {
                "id": CryptoShopIds.WALLET(wallet.uid),
                "address": wallet.payout_address,
                "updatedAt": api_datetime(wallet.updated_at),
            }
        )


class WithdrawalsView(CryptoShopView):
    @extend_schema(request=WithdrawalIn, responses={201: WithdrawalOut})
    def post(self, request):
        """Send BTC to the payout address: the amount is held at once and staff send it (or
        reject it, and it comes back). Needs the 2FA session when 2FA is on."""
        body = self.validated_body(WithdrawalIn)
        amount = Money.from_decimal(body["amountBtc"], Currency.BTC)
        withdrawal = withdrawal_request(user=request.user, amount_minor=amount.amount_minor)
        return self.ok(withdrawal_data(withdrawal), message="Withdrawal requested", status=201)


urlpatterns = [
    path("wallet", WalletView.as_view()),
    path("wallet/withdrawals", WithdrawalsView.as_view()),
]
