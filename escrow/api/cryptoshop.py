"""CryptoShop contract, "Escrow Endpoints"."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from core.errors import DomainError, ErrorKind, NotFound
from core.ids import CryptoShopIds
from core.timefmt import api_datetime
from escrow.api.filters import EscrowFilter
from escrow.models import Escrow, EscrowStatus, Participant
from escrow.services import escrow_create, escrow_dispute, escrow_release
from orders.models import OrderItem
from storefronts.cryptoshop.base import CryptoShopView, btc, eur
from storefronts.filters import filter_params
from storefronts.pagination import paginate
from storefronts.schema import PAGE_PARAMS

STATUSES = [s.value for s in EscrowStatus]


def _avatar(user) -> str | None:
    if not user.avatar:
        return None
    url = user.avatar.url
    return url if url.startswith("http") else f"{settings.PUBLIC_BASE_URL}{url}"


def _user(user) -> dict:
    return {"username": user.username, "avatar": _avatar(user)}


# --- schema --------------------------------------------------------------------------------
class EscrowUserOut(serializers.Serializer):
    username = serializers.CharField()
    avatar = serializers.CharField(allow_null=True)


class EscrowSellerOut(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    user = EscrowUserOut()


class EscrowProductOut(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    seller = EscrowSellerOut(allow_null=True)


class EscrowOrderItemOut(serializers.Serializer):
    id = serializers.CharField()
    quantity = serializers.IntegerField()
    product = EscrowProductOut(allow_null=True)


class EscrowOrderOut(serializers.Serializer):
    id = serializers.CharField()
    buyer = EscrowUserOut()
    orderItems = EscrowOrderItemOut(many=True)


class EscrowParticipantOut(serializers.Serializer):
    id = serializers.CharField()
    userId = serializers.CharField()
    role = serializers.ChoiceField(choices=Participant.Role.values)
    agreedAt = serializers.DateTimeField(allow_null=True)
    user = EscrowUserOut()


class EscrowOut(serializers.Serializer):
    id = serializers.CharField()
    orderId = serializers.CharField()
    amountBtc = serializers.DecimalField(max_digits=16, decimal_places=8)
    amountEur = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    status = serializers.ChoiceField(choices=STATUSES)
    releaseCode = serializers.CharField(
        allow_null=True, help_text="never shown again after creation (always null)"
    )
    disputeRaised = serializers.BooleanField()
    disputeResolved = serializers.BooleanField()
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()
    order = EscrowOrderOut()
    participants = EscrowParticipantOut(many=True)


class EscrowDetailOut(EscrowOut):
    fundedAt = serializers.DateTimeField(allow_null=True)
    confirmedAt = serializers.DateTimeField(allow_null=True)
    releasedAt = serializers.DateTimeField(allow_null=True)
    disputeReason = serializers.CharField(allow_null=True)
    locked = serializers.BooleanField(help_text="five wrong release codes: support settles it")


class EscrowCreatedParticipantOut(serializers.Serializer):
    id = serializers.CharField()
    userId = serializers.CharField()
    role = serializers.ChoiceField(choices=Participant.Role.values)
    agreedAt = serializers.DateTimeField(allow_null=True)


class EscrowCreatedOut(serializers.Serializer):
    id = serializers.CharField()
    orderId = serializers.CharField()
    userId = serializers.CharField()
    amountBtc = serializers.DecimalField(max_digits=16, decimal_places=8)
    amountEur = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    status = serializers.ChoiceField(choices=STATUSES)
    releaseCode = serializers.CharField(help_text="the bcrypt hash of the code, as documented")
    disputeRaised = serializers.BooleanField()
    disputeResolved = serializers.BooleanField()
    createdAt = serializers.DateTimeField()
    participants = EscrowCreatedParticipantOut(many=True)


class EscrowCreateIn(serializers.Serializer):
    orderId = serializers.CharField(max_length=40)
    releaseCode = serializers.CharField(max_length=64, trim_whitespace=False)


class ReleaseIn(serializers.Serializer):
    releaseCode = serializers.CharField(max_length=64, trim_whitespace=False)


class ReleasedOut(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.ChoiceField(choices=STATUSES)
    releasedAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()


class DisputeIn(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class DisputedOut(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.ChoiceField(choices=STATUSES)
    disputeRaised = serializers.BooleanField()
    disputeReason = serializers.CharField()
    updatedAt = serializers.DateTimeField()


# --- rendering -----------------------------------------------------------------------------
def _participant(p: Participant, *, with_user: bool = True) -> dict:
    data = {
        "id": CryptoShopIds.PARTICIPANT(p.uid),
        "userId": CryptoShopIds.USER(p.user.uid),
        "role": p.role,
        "agreedAt": api_datetime(p.agreed_at),
    }
    if with_user:
        data["user"] = _user(p.user)
    return data


def _item(item: OrderItem) -> dict:
    product = item.product
    shop = product.shop if product is not None else None
    return {
        "id": CryptoShopIds.ORDER_ITEM(item.uid),
        "quantity": item.quantity,
        "product": None
        if product is None
        else {
            "id": CryptoShopIds.PRODUCT(product.uid),
            "name": item.product_name,
            "seller": None
            if shop is None
            else {
                "id": CryptoShopIds.SELLER(shop.uid),
                "name": shop.name,
                "user": _user(shop.owner),
            },
        },
    }


def escrow_data(escrow: Escrow, *, detail: bool = False) -> dict:
    order = escrow.order
    data = {
        "id": CryptoShopIds.ESCROW(escrow.uid),
        "orderId": CryptoShopIds.ORDER(order.uid),
        "amountBtc": btc(escrow.amount_minor),
        "amountEur": eur(escrow.amount_eur_minor),
        "status": escrow.status,
        "releaseCode": None,
        "disputeRaised": escrow.dispute_raised,
        "disputeResolved": escrow.dispute_resolved,
    }
    if detail:
        data |= {
            "fundedAt": api_datetime(escrow.funded_at),
            "confirmedAt": api_datetime(escrow.confirmed_at),
            "releasedAt": api_datetime(escrow.released_at),
            "disputeReason": escrow.dispute_reason or None,
            "locked": escrow.is_locked,
        }
    return data | {
        "createdAt": api_datetime(escrow.created_at),
        "updatedAt": api_datetime(escrow.updated_at),
        "order": {
            "id": CryptoShopIds.ORDER(order.uid),
            "buyer": _user(order.buyer),
            "orderItems": [_item(i) for i in order.items.all()],
        },
        "participants": [_participant(p) for p in escrow.participants.all()],
    }


def escrows_for(user) -> QuerySet[Escrow]:
    """The escrows `user` takes part in, with everything their rendering reads (constant
    queries per page)."""
    items = OrderItem.objects.select_related("product__shop__owner").order_by("id")
    return (
        Escrow.objects.filter(Q(buyer=user) | Q(seller=user))
        .select_related("order__buyer")
        .prefetch_related(
            Prefetch("order__items", queryset=items),
            Prefetch("participants", queryset=Participant.objects.select_related("user")),
        )
        .order_by("-created_at", "-id")
    )


def _mine(request, escrow_id: str) -> Escrow:
    uid = CryptoShopIds.ESCROW.parse(escrow_id)
    escrow = escrows_for(request.user).filter(uid=uid or "").first()
    if escrow is None:
        raise NotFound("Escrow transaction", code="ESCROW_NOT_FOUND")
    return escrow


def _escrow_uid(escrow_id: str) -> str:
    """The path's `escrow_…` as the services take it ("" for one that is not an id)."""
    return CryptoShopIds.ESCROW.parse(escrow_id) or ""


def _moved(escrow: Escrow, **changed: Any) -> dict[str, Any]:
    """A release's or a dispute's answer: the escrow's id and status, what the move changed,
    and when."""
    return {
        "id": CryptoShopIds.ESCROW(escrow.uid),
        "status": escrow.status,
        **changed,
        "updatedAt": api_datetime(escrow.updated_at),
    }


# --- views ---------------------------------------------------------------------------------
class EscrowListView(CryptoShopView):
    @extend_schema(
        parameters=[
            *PAGE_PARAMS,
            OpenApiParameter("status", OpenApiTypes.STR, enum=STATUSES),
            OpenApiParameter("userId", OpenApiTypes.STR, description="only your own (`user_…`)"),
        ],
        responses={200: EscrowOut(many=True)},
    )
    def get(self, request):
        page_no, limit = self.page_params()
        filters = filter_params(EscrowFilter, request.query_params, escrows_for(request.user))
        user_id = request.query_params.get("userId")
        if user_id and user_id != CryptoShopIds.USER(request.user.uid):
            raise DomainError(
                "INSUFFICIENT_PERMISSIONS",
                "userId can only be your own",
                field="userId",
                kind=ErrorKind.FORBIDDEN,
            )
        page = paginate(filters.qs, page=page_no, limit=limit)
        return self.ok([escrow_data(e) for e in page.items], page=page)

    @extend_schema(request=EscrowCreateIn, responses={201: EscrowCreatedOut})
    def post(self, request):
        body = self.validated_body(EscrowCreateIn)
        order_uid = CryptoShopIds.ORDER.parse(body["orderId"])
        if order_uid is None:
            raise NotFound("Order", code="ORDER_NOT_FOUND")
        escrow = escrow_create(
            user=request.user,
            order_uid=order_uid,
            release_code=body["releaseCode"],
        )
        participants = escrow.participants.select_related("user")
        return self.ok(
            {
                "id": CryptoShopIds.ESCROW(escrow.uid),
                "orderId": CryptoShopIds.ORDER(escrow.order.uid),
                "userId": CryptoShopIds.USER(request.user.uid),
                "amountBtc": btc(escrow.amount_minor),
                "amountEur": eur(escrow.amount_eur_minor),
                "status": escrow.status,
                "releaseCode": escrow.release_code_hash,
                "disputeRaised": escrow.dispute_raised,
                "disputeResolved": escrow.dispute_resolved,
                "createdAt": api_datetime(escrow.created_at),
                "participants": [_participant(p, with_user=False) for p in participants],
            },
            status=201,
        )


class EscrowDetailView(CryptoShopView):
    @extend_schema(responses={200: EscrowDetailOut})
    def get(self, request, escrow_id: str):
        return self.ok(escrow_data(_mine(request, escrow_id), detail=True))


class EscrowReleaseView(CryptoShopView):
    @extend_schema(request=ReleaseIn, responses={200: ReleasedOut})
    def post(self, request, escrow_id: str):
        body = self.validated_body(ReleaseIn)
        escrow = escrow_release(
            user=request.user, escrow_uid=_escrow_uid(escrow_id), release_code=body["releaseCode"]
        )
        return self.ok(_moved(escrow, releasedAt=api_datetime(escrow.released_at)))


class EscrowDisputeView(CryptoShopView):
    @extend_schema(request=DisputeIn, responses={200: DisputedOut})
    def post(self, request, escrow_id: str):
        body = self.validated_body(DisputeIn)
        escrow = escrow_dispute(
            user=request.user, escrow_uid=_escrow_uid(escrow_id), reason=body["reason"]
        )
        return self.ok(
            _moved(escrow, disputeRaised=escrow.dispute_raised, disputeReason=escrow.dispute_reason)
        )


urlpatterns = [
    path("escrow", EscrowListView.as_view()),
    path("escrow/<str:escrow_id>", EscrowDetailView.as_view()),
    path("escrow/<str:escrow_id>/release", EscrowReleaseView.as_view()),
    path("escrow/<str:escrow_id>/dispute", EscrowDisputeView.as_view()),
]
