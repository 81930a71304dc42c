"""CryptoShop contract, "Webhooks": POST /api/webhooks, plus list and delete of one's own."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from core.errors import NotFound
from core.ids import CryptoShopIds
from notifications import selectors, services
from notifications.mapping import WEBHOOK_EVENT_ALIASES, WEBHOOK_EVENTS
from storefronts.answer_fields import PublicIdField
from storefronts.cryptoshop.base import CryptoShopView
from storefronts.fields import BoundedListField
from storefronts.pagination import paginate
from storefronts.schema import PAGE_PARAMS


class WebhookInSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2048)
    events = BoundedListField(
        child=serializers.ChoiceField(choices=[*WEBHOOK_EVENTS, *WEBHOOK_EVENT_ALIASES]),
        allow_empty=False,
        max_length=len(WEBHOOK_EVENTS) + len(WEBHOOK_EVENT_ALIASES),
    )
    secret = serializers.CharField(min_length=1, max_length=255, trim_whitespace=False)


class WebhookSerializer(serializers.Serializer):
    id = PublicIdField(CryptoShopIds.WEBHOOK)
    url = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField())
    active = serializers.BooleanField(source="is_active")
    createdAt = serializers.DateTimeField(source="created_at")


class WebhookListView(CryptoShopView):
    @extend_schema(
        parameters=[
            *PAGE_PARAMS,
        ],
        responses={200: WebhookSerializer(many=True)},
    )
    def get(self, request):
        page, limit = self.page_params()
        result = paginate(
            selectors.webhook_endpoint_list(user=request.user), page=page, limit=limit
        )
        return self.ok(WebhookSerializer(result.items, many=True).data, page=result)

    @extend_schema(request=WebhookInSerializer, responses={201: WebhookSerializer})
    def post(self, request):
        body = self.validated_body(WebhookInSerializer)
        endpoint = services.webhook_endpoint_create(user=request.user, **body)
        return self.ok(WebhookSerializer(endpoint).data, message="Webhook created", status=201)


class WebhookDetailView(CryptoShopView):
    @extend_schema(request=None, responses={200: None})
    def delete(self, request, webhook_id: str):
        uid = CryptoShopIds.WEBHOOK.parse(webhook_id)
        if uid is None:
            raise NotFound("Webhook")
        services.webhook_endpoint_delete(user=request.user, uid=uid)
        return self.ok(message="Webhook deleted")


urlpatterns = [
    path("webhooks", WebhookListView.as_view()),
    path("webhooks/<str:webhook_id>", WebhookDetailView.as_view()),
]
