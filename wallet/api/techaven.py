"""Techaven contract, section 8 "Wallet" (MWK): balance, statement and mobile-money top-ups."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from core.ids import TechavenIds
from core.money import Currency, format_mwk
from core.timefmt import api_datetime
from storefronts.filters import filter_params
from storefronts.pagination import paginate
from storefronts.schema import PAGE_PARAMS
from storefronts.techaven.base import TechavenPaginationSerializer, TechavenView, pagination_block
from wallet import selectors
from wallet.api.filters import DIRECTIONS, TransactionFilter
from wallet.models import Entry
from wallet.services import topup_start, wallet_account


class WalletOut(serializers.Serializer):
    balance = serializers.IntegerField()
    currency = serializers.CharField()
    formatted_balance = serializers.CharField()


class TransactionOut(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.ChoiceField(choices=["credit", "debit"])
    amount = serializers.IntegerField()
    currency = serializers.CharField()
    description = serializers.CharField()
    reference = serializers.CharField()
    balance_after = serializers.IntegerField()
    created_at = serializers.DateTimeField()

    def to_representation(self, entry: Entry) -> dict:
        return {
            "id": TechavenIds.TRANSACTION(entry.transaction.uid),
            "type": "credit" if entry.amount_minor > 0 else "debit",
            "amount": abs(entry.amount_minor),
            "currency": entry.currency,
            "description": entry.transaction.description,
            "reference": entry.transaction.reference,
            "balance_after": entry.balance_after,
            "created_at": api_datetime(entry.created_at),
        }


class TransactionListOut(serializers.Serializer):
    transactions = TransactionOut(many=True)
    pagination = TechavenPaginationSerializer()


class TopUpIn(serializers.Serializer):
    amount = serializers.IntegerField(help_text="whole kwacha")
    payment_method = serializers.ChoiceField(choices=["mobile_money"])
    phone_number = serializers.CharField(max_length=32)


class TopUpOut(serializers.Serializer):
    transaction_id = serializers.CharField()
    amount = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["pending"])
    payment_url = serializers.CharField()


class WalletView(TechavenView):
    @extend_schema(responses={200: WalletOut}, operation_id="wallet_retrieve")
    def get(self, request):
        wallet = wallet_account(user=request.user, currency=Currency.MWK)
        return self.ok(
            {
                "balance": wallet.balance_minor,
                "currency": wallet.currency,
                "formatted_balance": format_mwk(wallet.balance_minor),
            },
            "Wallet retrieved",
        )


class WalletTransactionsView(TechavenView):
    @extend_schema(
        parameters=[
            *PAGE_PARAMS,
            OpenApiParameter("type", OpenApiTypes.STR, enum=DIRECTIONS),
        ],
        responses={200: TransactionListOut},
    )
    def get(self, request):
        page_no, limit = self.page_params()
        params = filter_params(TransactionFilter, request.query_params).form.cleaned_data
        wallet = wallet_account(user=request.user, currency=Currency.MWK)
        entries = selectors.wallet_entries(account=wallet, direction=params["type"])
        page = paginate(entries, page=page_no, limit=limit)
        return self.ok(
            {
                "transactions": TransactionOut(page.items, many=True).data,
                "pagination": pagination_block(page),
            },
            "Transactions retrieved",
        )


class WalletTopUpView(TechavenView):
    @extend_schema(request=TopUpIn, responses={200: TopUpOut})
    def post(self, request):
        data = self.validated_body(TopUpIn)
        attempt = topup_start(
            user=request.user,
            amount_minor=data["amount"],
            phone_number=data["phone_number"],
        )
        return self.ok(
            {
                "transaction_id": TechavenIds.TRANSACTION(attempt.uid),
                "amount": attempt.amount_minor,
                "status": "pending",
                "payment_url": attempt.payment_url,
            },
            "Top up initiated",
        )


urlpatterns = [
    path("wallet", WalletView.as_view()),
    path("wallet/transactions", WalletTransactionsView.as_view()),
    path("wallet/topup", WalletTopUpView.as_view()),
]
