"""CryptoShop contract, "Support Endpoints"."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from core.ids import CryptoShopIds
from storefronts.answer_fields import PublicIdField
from storefronts.cryptoshop.base import CryptoShopView
from storefronts.pagination import paginate
from storefronts.schema import PAGE_PARAMS
from support import selectors, services
from support.events import avatar_url, ticket_public_id, user_public_id
from support.models import TicketPriority, TicketStatus


class AuthorSerializer(serializers.Serializer):
    username = serializers.CharField()
    avatar = serializers.SerializerMethodField()

    def get_avatar(self, user) -> str | None:
        request = self.context.get("request")
        return avatar_url(user, request.build_absolute_uri("/") if request else None)


class MessageSerializer(serializers.Serializer):
    id = PublicIdField(CryptoShopIds.MESSAGE)
    ticketId = serializers.SerializerMethodField()
    userId = serializers.SerializerMethodField()
    content = serializers.CharField()
    isStaff = serializers.BooleanField(source="is_staff")
    createdAt = serializers.DateTimeField(source="created_at")
    user = AuthorSerializer(source="author")

    def get_ticketId(self, message) -> str:
        return ticket_public_id(message.ticket)

    def get_userId(self, message) -> str:
        return user_public_id(message.author)


class TicketCreatedSerializer(serializers.Serializer):
    id = serializers.SerializerMethodField()
    userId = serializers.SerializerMethodField()
    subject = serializers.CharField()
    content = serializers.CharField()
    status = serializers.ChoiceField(choices=TicketStatus.values)
    priority = serializers.ChoiceField(choices=TicketPriority.values)
    category = serializers.CharField()
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    def get_id(self, ticket) -> str:
        return ticket_public_id(ticket)

    def get_userId(self, ticket) -> str:
        return user_public_id(ticket.user)


class TicketSerializer(TicketCreatedSerializer):
    resolvedAt = serializers.DateTimeField(source="resolved_at", allow_null=True)
    messages = MessageSerializer(many=True)


class TicketCreateIn(serializers.Serializer):
    subject = serializers.CharField(max_length=services.SUBJECT_MAX)
    content = serializers.CharField(max_length=services.CONTENT_MAX)
    priority = serializers.ChoiceField(choices=TicketPriority.values, required=False)
    category = serializers.CharField(
        max_length=services.CATEGORY_MAX, required=False, allow_blank=True
    )


class MessageIn(serializers.Serializer):
    content = serializers.CharField(max_length=services.CONTENT_MAX)


class TicketFilterIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=TicketStatus.values, required=False)
    category = serializers.CharField(required=False, allow_blank=True, max_length=100)


class SupportView(CryptoShopView):
    @extend_schema(
        parameters=[
            *PAGE_PARAMS,
            OpenApiParameter("status", OpenApiTypes.STR, enum=TicketStatus.values),
            OpenApiParameter("category", OpenApiTypes.STR),
        ],
        responses={200: TicketSerializer(many=True)},
    )
    def get(self, request):
        page_number, limit = self.page_params()
        filters = TicketFilterIn(data=request.query_params)
        filters.is_valid(raise_exception=True)
        tickets = selectors.ticket_list_for_user(
            user=request.user,
            status=filters.validated_data.get("status"),
            category=filters.validated_data.get("category"),
        )
        page = paginate(tickets, page=page_number, limit=limit)
        data = TicketSerializer(page.items, many=True, context={"request": request}).data
        return self.ok(data, page=page)

    @extend_schema(request=TicketCreateIn, responses={201: TicketCreatedSerializer})
    def post(self, request):
        body = self.validated_body(TicketCreateIn)
        # anything else in the body (an `isStaff`, a `status`) is ignored on purpose
        ticket = services.ticket_create(user=request.user, **body)
        return self.ok(TicketCreatedSerializer(ticket).data, status=201)


class SupportTicketView(CryptoShopView):
    @extend_schema(responses={200: TicketSerializer})
    def get(self, request, ticket_id: str):
        ticket = selectors.ticket_get_for_user(
            user=request.user, uid=CryptoShopIds.TICKET.parse(ticket_id)
        )
        return self.ok(TicketSerializer(ticket, context={"request": request}).data)


class SupportMessagesView(CryptoShopView):
    @extend_schema(request=MessageIn, responses={201: MessageSerializer})
    def post(self, request, ticket_id: str):
        ticket = selectors.ticket_get_for_user(
            user=request.user, uid=CryptoShopIds.TICKET.parse(ticket_id)
        )
        body = self.validated_body(MessageIn)
        message = services.ticket_message_add(
            ticket=ticket, author=request.user, content=body["content"]
        )
        return self.ok(MessageSerializer(message, context={"request": request}).data, status=201)


urlpatterns = [
    path("support", SupportView.as_view()),
    path("support/<str:ticket_id>", SupportTicketView.as_view()),
    path("support/<str:ticket_id>/messages", SupportMessagesView.as_view()),
]
