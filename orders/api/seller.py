"""Seller back office: a seller sees their shops' orders and fulfils them."""

from __future__ import annotations

from django.urls import path
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.selectors import seller_shops
from orders import selectors
from orders.models import Order, OrderItem, OrderStatusHistory
from orders.services.status import order_cancel, order_confirm, order_deliver, order_ship
from orders.state import Actor, Status
from storefronts.seller.base import SellerViewMixin

SELLER_MOVES = [Status.PROCESSING, Status.SHIPPED, Status.DELIVERED, Status.CANCELLED]


class ItemOut(serializers.ModelSerializer):
    class Meta:
        model = OrderItem
        fields = ["product_id", "product_name", "quantity", "unit_price_minor", "subtotal_minor"]


class HistoryOut(serializers.ModelSerializer):
    class Meta:
        model = OrderStatusHistory
        fields = ["status", "note", "actor_role", "created_at"]


class SellerOrderOut(serializers.ModelSerializer):
    id = serializers.CharField(source="uid")
    buyer = serializers.CharField(source="buyer.username")
    items = ItemOut(many=True)

    class Meta:
        model = Order
        fields = [
            "id", "number", "storefront", "status", "buyer", "currency", "subtotal_minor",
            "discount_minor", "shipping_minor", "total_minor", "is_paid", "paid_at",
            "shipping_address", "notes", "tracking_number", "tracking_url", "created_at",
            "updated_at", "items",
        ]  # fmt: skip


class SellerOrderDetailOut(SellerOrderOut):
    history = HistoryOut(many=True)

    class Meta(SellerOrderOut.Meta):
        fields = [*SellerOrderOut.Meta.fields, "history"]


class StatusIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=[s.value for s in SELLER_MOVES])
    tracking_number = serializers.CharField(max_length=100, required=False, allow_blank=True)
    tracking_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class SellerOrderList(SellerViewMixin, generics.ListAPIView):
    """Orders of my shops, newest first; `?status=` filters by the internal status."""

    serializer_class = SellerOrderOut

    def get_queryset(self):
        status = self.request.query_params.get("status")
        statuses = [status] if status in Status.values else None
        return selectors.shop_orders(shops=seller_shops(self.request.user), statuses=statuses)


class SellerOrderDetail(SellerViewMixin, generics.RetrieveAPIView):
    serializer_class = SellerOrderDetailOut
    lookup_field = "uid"
    lookup_url_kwarg = "order_id"

    def get_queryset(self):
        return selectors.shop_orders(shops=seller_shops(self.request.user)).prefetch_related(
            "history"
        )


class SellerOrderStatus(SellerViewMixin, APIView):
    """Move my shop's order: processing, shipped (tracking number and URL), delivered, or
    cancelled (`note` is the reason)."""

    serializer_class = StatusIn

    def post(self, request, order_id: str):
        data = StatusIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        order = generics.get_object_or_404(
            selectors.shop_orders(shops=seller_shops(request.user)), uid=order_id
        )
        by = {"order_id": order.pk, "actor": Actor.SELLER, "user": request.user}
        note = v.get("note", "")
        match Status(v["status"]):
            case Status.PROCESSING:
                order_confirm(**by, note=note)
            case Status.SHIPPED:
                order_ship(
                    **by,
                    note=note,
                    tracking_number=v.get("tracking_number", ""),
                    tracking_url=v.get("tracking_url", ""),
                )
            case Status.DELIVERED:
                order_deliver(**by, note=note)
            case Status.CANCELLED:
                order_cancel(**by, reason=note)
        order = (
            selectors.shop_orders(shops=seller_shops(request.user))
            .prefetch_related("history")
            .get(pk=order.pk)
        )
        return Response(SellerOrderDetailOut(order).data)


urlpatterns = [
    path("orders/", SellerOrderList.as_view(), name="seller-order-list"),
    path("orders/<str:order_id>/", SellerOrderDetail.as_view(), name="seller-order-detail"),
    path("orders/<str:order_id>/status/", SellerOrderStatus.as_view(), name="seller-order-status"),
]
