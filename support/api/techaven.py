"""Techaven contract, section 14 "Help & Support", plus what the app needs next to it:
an article's body by slug and the user's own tickets with their conversation."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from core.errors import NotFound
from core.ids import PublicId, TechavenIds
from core.images import base64_max_length
from core.storefront import Storefront
from storefronts.answer_fields import PublicIdField
from storefronts.fields import BoundedListField
from storefronts.pagination import paginate
from storefronts.schema import PAGE_PARAMS
from storefronts.techaven.base import (
    TechavenPaginationSerializer,
    TechavenPublicView,
    TechavenView,
    pagination_block,
)
from support import conf, selectors, services
from support.errors import SupportError
from support.events import avatar_url
from support.models import TicketStatus

STOREFRONT = Storefront.TECHAVEN
STATUS_VALUES = [s.lower() for s in TicketStatus.values]


def _absolute(request, url: str) -> str:
    return request.build_absolute_uri(url) if request else url


# --- help content ----------------------------------------------------------------------------


# help content is staff's, not a user's: its ids are its key with a prefix
ARTICLE_ID = PublicId("art")
TOPIC_ID = PublicId("topic")
FAQ_ID = PublicId("faq")


class ArticleLinkSerializer(serializers.Serializer):
    id = PublicIdField(ARTICLE_ID, source="pk")
    title = serializers.CharField()
    slug = serializers.CharField()


class TopicRefSerializer(serializers.Serializer):
    id = PublicIdField(TOPIC_ID, source="pk")
    title = serializers.CharField()


class TopicSerializer(TopicRefSerializer):
    icon = serializers.CharField()
    articles = ArticleLinkSerializer(many=True)


class TopicsSerializer(serializers.Serializer):
    topics = TopicSerializer(many=True)


class ArticleSerializer(ArticleLinkSerializer):
    body = serializers.CharField()
    topic = TopicRefSerializer()
    updated_at = serializers.DateTimeField()


class FaqSerializer(serializers.Serializer):
    id = PublicIdField(FAQ_ID, source="pk")
    question = serializers.CharField()
    answer = serializers.CharField()
    category = serializers.CharField()


class FaqsSerializer(serializers.Serializer):
    faqs = FaqSerializer(many=True)


class SocialLinksSerializer(serializers.Serializer):
    facebook = serializers.CharField(source="facebook_url", allow_null=True)
    instagram = serializers.CharField(source="instagram_url", allow_null=True)
    twitter = serializers.CharField(source="twitter_url", allow_null=True)

    def to_representation(self, info):
        # links staff left empty are left out rather than sent as ""
        return {k: v for k, v in super().to_representation(info).items() if v}


class AppInfoSerializer(serializers.Serializer):
    app_name = serializers.CharField()
    version = serializers.CharField()
    min_version = serializers.CharField()
    force_update = serializers.BooleanField()
    update_url = serializers.CharField()
    terms_url = serializers.CharField()
    privacy_url = serializers.CharField()
    support_email = serializers.CharField()
    support_phone = serializers.CharField()
    social_links = SocialLinksSerializer(source="*")


class HelpView(TechavenPublicView):
    # help pages ignore every token: a stale one must not turn a public page into a 401
    authentication_classes: list = []


class HelpTopicsView(HelpView):
    @extend_schema(responses={200: TopicsSerializer})
    def get(self, request):
        topics = selectors.help_topics(storefront=STOREFRONT)
        return self.ok(TopicsSerializer({"topics": topics}).data, message="Help topics retrieved")


class HelpArticleView(HelpView):
    @extend_schema(responses={200: ArticleSerializer})
    def get(self, request, slug: str):
        article = selectors.help_article_get(storefront=STOREFRONT, slug=slug)
        if article is None:
            raise NotFound("Article")
        return self.ok(ArticleSerializer(article).data, message="Article retrieved")


class HelpFaqsView(HelpView):
    @extend_schema(responses={200: FaqsSerializer})
    def get(self, request):
        faqs = selectors.faqs(storefront=STOREFRONT)
        return self.ok(FaqsSerializer({"faqs": faqs}).data, message="FAQs retrieved")


class AppInfoView(HelpView):
    @extend_schema(responses={200: AppInfoSerializer})
    def get(self, request):
        info = selectors.app_info_get(storefront=STOREFRONT)
        if info is None:
            raise NotFound("App info")
        return self.ok(AppInfoSerializer(info).data, message="App info retrieved")


# --- tickets -----------------------------------------------------------------------------------


class TicketCreateIn(serializers.Serializer):
    subject = serializers.CharField(max_length=services.SUBJECT_MAX)
    category = serializers.CharField(
        max_length=services.CATEGORY_MAX, required=False, allow_blank=True
    )
    message = serializers.CharField(max_length=services.CONTENT_MAX)
    order_id = serializers.CharField(
        max_length=40, required=False, allow_blank=True, allow_null=True
    )
    # ceilings read at start; the services check the settings as they are at the time
    attachments = BoundedListField(
        child=serializers.CharField(
            trim_whitespace=False, max_length=base64_max_length(conf.attachment_max_bytes())
        ),
        required=False,
        allow_empty=True,
        max_length=conf.max_attachments(),
    )


class TicketCreatedSerializer(serializers.Serializer):
    ticket_id = serializers.SerializerMethodField()
    ticket_number = serializers.CharField(source="number")
    status = serializers.SerializerMethodField()

    def get_ticket_id(self, ticket) -> str:
        return TechavenIds.TICKET(ticket.uid)

    def get_status(self, ticket) -> str:
        return ticket.status.lower()


class AuthorSerializer(serializers.Serializer):
    name = serializers.SerializerMethodField()
    avatar = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.full_name or user.username

    def get_avatar(self, user) -> str | None:
        request = self.context.get("request")
        return avatar_url(user, request.build_absolute_uri("/") if request else None)


class MessageSerializer(serializers.Serializer):
    id = PublicIdField(TechavenIds.MESSAGE)
    message = serializers.CharField(source="content")
    is_staff = serializers.BooleanField()
    author = AuthorSerializer()
    attachments = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_attachments(self, message) -> list[str]:
        request = self.context.get("request")
        return [_absolute(request, a.image.url) for a in message.attachments.all()]


class TicketSerializer(TicketCreatedSerializer):
    subject = serializers.CharField()
    category = serializers.CharField()
    priority = serializers.SerializerMethodField()
    order_id = serializers.SerializerMethodField()
    messages = MessageSerializer(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)

    def get_priority(self, ticket) -> str:
        return ticket.priority.lower()

    def get_order_id(self, ticket) -> str | None:
        return ticket.order_ref or None


class TicketListSerializer(serializers.Serializer):
    tickets = TicketSerializer(many=True)
    pagination = TechavenPaginationSerializer()


class MessageIn(serializers.Serializer):
    message = serializers.CharField(max_length=services.CONTENT_MAX)


class TicketFilterIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=STATUS_VALUES, required=False)


class HelpTicketsView(TechavenView):
    @extend_schema(
        parameters=[
            *PAGE_PARAMS,
            OpenApiParameter("status", OpenApiTypes.STR, enum=STATUS_VALUES),
        ],
        responses={200: TicketListSerializer},
        operation_id="help_tickets_list",
    )
    def get(self, request):
        page_number, limit = self.page_params()
        filters = TicketFilterIn(data=request.query_params)
        filters.is_valid(raise_exception=True)
        status = filters.validated_data.get("status")
        tickets = selectors.ticket_list_for_user(
            user=request.user, status=status.upper() if status else None
        )
        page = paginate(tickets, page=page_number, limit=limit)
        data = {
            "tickets": TicketSerializer(page.items, many=True, context={"request": request}).data,
            "pagination": pagination_block(page),
        }
        return self.ok(data, message="Support tickets retrieved")

    @extend_schema(request=TicketCreateIn, responses={201: TicketCreatedSerializer})
    def post(self, request):
        data = self.validated_body(TicketCreateIn)
        try:
            ticket = services.ticket_create(
                user=request.user,
                subject=data["subject"],
                content=data["message"],
                category=data.get("category"),
                order_ref=data.get("order_id") or "",
                attachments=data.get("attachments") or [],
            )
        except SupportError as exc:
            # the service speaks CryptoShop's field name for the first message
            if exc.field == "content":
                exc.field = "message"
            raise
        return self.ok(
            TicketCreatedSerializer(ticket).data, message="Support ticket created", status=201
        )


class HelpTicketView(TechavenView):
    @extend_schema(responses={200: TicketSerializer})
    def get(self, request, ticket_id: str):
        ticket = selectors.ticket_get_for_user(
            user=request.user, uid=TechavenIds.TICKET.parse(ticket_id)
        )
        return self.ok(
            TicketSerializer(ticket, context={"request": request}).data,
            message="Support ticket retrieved",
        )


class HelpTicketMessagesView(TechavenView):
    @extend_schema(request=MessageIn, responses={201: MessageSerializer})
    def post(self, request, ticket_id: str):
        ticket = selectors.ticket_get_for_user(
            user=request.user, uid=TechavenIds.TICKET.parse(ticket_id)
        )
        body = self.validated_body(MessageIn)
        message = services.ticket_message_add(
            ticket=ticket, author=request.user, content=body["message"]
        )
        return self.ok(
            MessageSerializer(message, context={"request": request}).data,
            message="Message sent",
            status=201,
        )


urlpatterns = [
    path("help/topics", HelpTopicsView.as_view()),
    path("help/articles/<str:slug>", HelpArticleView.as_view()),
    path("help/faqs", HelpFaqsView.as_view()),
    path("help/tickets", HelpTicketsView.as_view()),
    path("help/tickets/<str:ticket_id>", HelpTicketView.as_view()),
    path("help/tickets/<str:ticket_id>/messages", HelpTicketMessagesView.as_view()),
    path("app/info", AppInfoView.as_view()),
]
