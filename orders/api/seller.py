"""Seller back office: a seller sees their shops' orders and fulfils them."""

from __future__ import annotations

import django_filters
from django.urls import path
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import generics, serializers
from rest_framework.filters import OrderingFilter, SearchFilter
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


class SellerOrderFilter(django_filters.FilterSet):
    """`status`: an internal status (another is a 400); `is_paid`: true or false."""

    status = django_filters.ChoiceFilter(choices=Status.choices)

    class Meta:
        model = Order
        fields = ["status", "is_paid"]


class SellerOrderList(SellerViewMixin, generics.ListAPIView):
    """Orders of my shops, newest first. `?status=` an internal status, `?is_paid=`,
    `?search=` the order number, the buyer's username or a product name, `?ordering=`
    one of created_at, total_minor, status, number (`-` for descending)."""

    serializer_class = SellerOrderOut
    filter_backends = [DjangoFilterBackend, SearchFilter, OrderingFilter]
    filterset_class = SellerOrderFilter
    search_fields = ["number", "buyer__username", "items__product_name"]
    ordering_fields = ["created_at", "total_minor", "status", "number"]

    def get_queryset(self):
        return selectors.shop_orders(shops=seller_shops(self.request.user))


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
