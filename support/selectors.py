"""Reads used by the storefront APIs, the admin and the services."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import User
from core.ids import TechavenIds
from core.storefront import Storefront
from orders.selectors import order_of_buyer_exists
from support.errors import ticket_not_found
from support.models import AppInfo, Attachment, Faq, HelpArticle, HelpTopic, Message, Ticket


def _conversation() -> Prefetch:
    return Prefetch(
        "messages",
        queryset=Message.objects.select_related("author").prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.all())
        ),
    )


def ticket_list_for_user(
    *, user: User, status: str | None = None, category: str | None = None
) -> QuerySet[Ticket]:
    """The user's own tickets (and the escrow disputes they are the other party of), newest
    first, each with its conversation (three queries)."""
    qs = (
        Ticket.objects.filter(Q(user=user) | Q(counterparty=user))
        .select_related("user")
        .prefetch_related(_conversation())
    )
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category__iexact=category)
    return qs


def ticket_get_for_user(*, user: User, uid: str | None) -> Ticket:
    """Only the owner sees a ticket: someone else's answers exactly like a missing one."""
    ticket = ticket_list_for_user(user=user).filter(uid=uid).first() if uid else None
    if ticket is None:
        raise ticket_not_found()
    return ticket


def help_topics(*, storefront: str) -> QuerySet[HelpTopic]:
    return HelpTopic.objects.filter(storefront=storefront, is_published=True).prefetch_related(
        Prefetch("articles", queryset=HelpArticle.objects.filter(is_published=True))
    )


def help_article_get(*, storefront: str, slug: str) -> HelpArticle | None:
    return (
        HelpArticle.objects.filter(
            storefront=storefront, slug=slug, is_published=True, topic__is_published=True
        )
        .select_related("topic")
        .first()
    )


def faqs(*, storefront: str) -> QuerySet[Faq]:
    return Faq.objects.filter(storefront=storefront, is_published=True)


def app_info_get(*, storefront: str) -> AppInfo | None:
    return AppInfo.objects.filter(storefront=storefront).first()


def user_owns_order(user: User, order_ref: str) -> bool:
    """Is `order_ref` (Techaven `ord_<uid>`) one of `user`'s own orders?"""
    uid = TechavenIds.ORDER.parse(order_ref)
    if uid is None:
        return False
    return order_of_buyer_exists(user=user, storefront=Storefront.TECHAVEN, order_uid=uid)
