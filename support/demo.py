"""Help content, app info, a few tickets and a demo support agent (development only).

`seed_demo` runs this inside its own transaction, so the tickets are written directly rather
than through the (durable) services, and publish no events: they are history, not news.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.storefront import Storefront
from support.models import (
    AppInfo,
    Faq,
    HelpArticle,
    HelpTopic,
    Message,
    Ticket,
    TicketPriority,
    TicketStatus,
)
from support.permissions import support_group
from support.services import ticket_number_next

DEMO_AGENT = ("agent", "agent12345")

TOPICS = {
    Storefront.TECHAVEN: [
        (
            "Orders & Shipping",
            "local_shipping",
            [
                (
                    "How to track my order?",
                    "how-to-track-order",
                    "Open Orders in the app and tap the order: its status history shows where "
                    "it is. You also get a notification each time it moves.",
                ),
                (
                    "Shipping costs and delivery times",
                    "shipping-costs-delivery",
                    "Delivery in Lilongwe and Blantyre takes 1–2 working days; elsewhere in "
                    "Malawi 3–5. The shipping cost is shown at checkout before you pay.",
                ),
            ],
        ),
        (
            "Payments & Wallet",
            "account_balance_wallet",
            [
                (
                    "Paying with mobile money",
                    "paying-with-mobile-money",
                    "Choose Airtel Money or TNM Mpamba at checkout and approve the prompt on "
                    "your phone. The order is confirmed as soon as the payment arrives.",
                ),
            ],
        ),
        (
            "Returns & Refunds",
            "assignment_return",
            [
                (
                    "How do returns work?",
                    "how-returns-work",
                    "You can return an unused product within 7 days of delivery. Open a "
                    "support ticket with the order number and we will arrange the pickup.",
                ),
            ],
        ),
    ],
    Storefront.CRYPTOSHOP: [
        (
            "Escrow",
            "lock",
            [
                (
                    "How escrow protects you",
                    "how-escrow-works",
                    "Your BTC is held until you give the seller the release code after "
                    "delivery. If something goes wrong, raise a dispute and staff decide.",
                ),
            ],
        ),
    ],
}

FAQS = {
    Storefront.TECHAVEN: [
        (
            "How do I return a product?",
            "To return a product, go to your order history, open the order and contact "
            "support from there within 7 days of delivery.",
            "Returns",
        ),
        (
            "Which payment methods do you accept?",
            "Airtel Money, TNM Mpamba, cards and your Techaven wallet.",
            "Payments",
        ),
        (
            "Can I change my delivery address?",
            "Yes, until the order is shipped: contact support with the new address.",
            "Orders",
        ),
    ],
    Storefront.CRYPTOSHOP: [
        (
            "Do you keep my personal data?",
            "No. Accounts are anonymous: an access token and, if you like, 2FA.",
            "Privacy",
        ),
        (
            "How long does a BTC deposit take?",
            "It is credited after one confirmation on the network.",
            "Wallet",
        ),
    ],
}

APP_INFO = {
    Storefront.TECHAVEN: {
        "app_name": "Techaven",
        "version": "1.0.0",
        "min_version": "1.0.0",
        "force_update": False,
        "update_url": "https://play.google.com/store/apps/details?id=mw.techaven.app",
        "terms_url": "https://techaven.mw/terms",
        "privacy_url": "https://techaven.mw/privacy",
        "support_email": "support@techaven.mw",
        "support_phone": "+265991234567",
        "facebook_url": "https://facebook.com/techavenmw",
        "instagram_url": "https://instagram.com/techavenmw",
        "twitter_url": "https://twitter.com/techavenmw",
    },
    Storefront.CRYPTOSHOP: {
        "app_name": "CryptoShop",
        "version": "1.0.0",
        "min_version": "1.0.0",
        "force_update": False,
        "terms_url": "https://cryptoshop.example/terms",
        "privacy_url": "https://cryptoshop.example/privacy",
        "support_email": "support@cryptoshop.example",
    },
}


def _agent() -> User:
    agent, created = User.objects.get_or_create(
        username=DEMO_AGENT[0], defaults={"is_staff": True, "storefront": None}
    )
    if created:
        agent.set_password(DEMO_AGENT[1])
        agent.full_name = "Support Agent"
        agent.save(update_fields=["password", "full_name"])
    agent.groups.add(support_group())
    return agent


@transaction.atomic  # the ticket number's counter row is locked until the ticket is written
def _ticket(user: User, agent: User, subject: str, lines: list[tuple[bool, str]], **kw) -> None:
    if Ticket.objects.filter(user=user, subject=subject).exists():
        return
    created = timezone.now() - timedelta(days=2)
    ticket = Ticket.objects.create(
        storefront=user.storefront,
        number=ticket_number_next(storefront=user.storefront, year=created.year),
        user=user,
        subject=subject,
        content=lines[0][1],
        created_at=created,
        **kw,
    )
    for i, (is_staff, content) in enumerate(lines):
        Message.objects.create(
            ticket=ticket,
            author=agent if is_staff else user,
            is_staff=is_staff,
            content=content,
            created_at=created + timedelta(hours=i),
        )


def seed() -> list[str]:
    for storefront, topics in TOPICS.items():
        for position, (title, icon, articles) in enumerate(topics):
            topic, _ = HelpTopic.objects.get_or_create(
                storefront=storefront, title=title, defaults={"icon": icon, "position": position}
            )
            for order, (a_title, slug, body) in enumerate(articles):
                if not HelpArticle.objects.filter(storefront=storefront, slug=slug).exists():
                    HelpArticle.objects.create(
                        topic=topic, title=a_title, slug=slug, body=body, position=order
                    )
    for storefront, faqs in FAQS.items():
        for position, (question, answer, category) in enumerate(faqs):
            Faq.objects.get_or_create(
                storefront=storefront,
                question=question,
                defaults={"answer": answer, "category": category, "position": position},
            )
    for storefront, info in APP_INFO.items():
        AppInfo.objects.get_or_create(storefront=storefront, defaults=info)

    agent = _agent()
    th_user = User.objects.filter(storefront=Storefront.TECHAVEN, email="demo@techaven.mw").first()
    cs_user = User.objects.filter(storefront=Storefront.CRYPTOSHOP, username="cryptodemo").first()
    if th_user:
        _ticket(
            th_user,
            agent,
            "Issue with my order",
            [
                (False, "I received a damaged product, the screen is cracked."),
                (True, "Sorry to hear that! Could you send a photo of the damage?"),
            ],
            category="orders",
            status=TicketStatus.IN_PROGRESS,
            assigned_to=agent,
        )
    if cs_user:
        _ticket(
            cs_user,
            agent,
            "Product not delivered",
            [(False, "I ordered a product but haven't received it yet.")],
            category="Delivery",
            priority=TicketPriority.HIGH,
        )
    return [
        "help topics, articles, FAQs and app info for techaven and cryptoshop",
        f"support agent login: {DEMO_AGENT[0]} / {DEMO_AGENT[1]} at /admin/ (Support group)",
    ]
