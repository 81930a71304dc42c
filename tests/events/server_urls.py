"""URLs of the test servers: Duka's own, plus `POST /cryptoshop/api/test-only/order-status`.

The orders app is built in parallel, so no real endpoint publishes `order.updated` on
this branch yet; this CryptoShop endpoint (same authentication, same envelope) does it
the way an order service will: `publish()` inside its transaction, relay after commit.
"""

from django.db import transaction
from django.urls import path
from rest_framework import serializers

from config.urls import urlpatterns as duka_urlpatterns
from notifications.outbox import publish
from storefronts.cryptoshop.base import CryptoShopView


class OrderStatusIn(serializers.Serializer):
    orderId = serializers.CharField()
    status = serializers.CharField()
    message = serializers.CharField(required=False)


class PublishOrderStatus(CryptoShopView):
    schema = None

    def post(self, request):
        body = OrderStatusIn(data=self.payload)
        body.is_valid(raise_exception=True)
        data = {"id": body.validated_data["orderId"], "status": body.validated_data["status"]}
        if "message" in body.validated_data:
            data["message"] = body.validated_data["message"]
        with transaction.atomic():
            event = publish(
                "order.updated", storefront="cryptoshop", user_id=request.user.pk, data=data
            )
        return self.ok({"eventId": event.pk})


urlpatterns = [
    path("cryptoshop/api/test-only/order-status", PublishOrderStatus.as_view()),
    *duka_urlpatterns,
]
