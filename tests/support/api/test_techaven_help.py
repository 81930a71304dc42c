"""Techaven section 14 "Help & Support" and the additions next to it, through HTTP."""

import pytest

from core.storefront import Storefront
from notifications.models import OutboxEvent
from support import services
from support.models import Attachment, Ticket
from tests.conftest import TECHAVEN
from tests.factories.orders import OrderFactory
from tests.factories.support import AppInfoFactory, FaqFactory, HelpArticleFactory, HelpTopicFactory
from tests.support.conftest import png_base64

pytestmark = pytest.mark.django_db

TICKETS = f"{TECHAVEN}/help/tickets"
BODY = {
    "subject": "Issue with my order",
    "category": "orders",
    "message": "I received a damaged product...",
}


def test_help_topics_list_topics_with_their_published_articles(api):
    topic = HelpTopicFactory(title="Orders & Shipping", icon="local_shipping")
    article = HelpArticleFactory(topic=topic, title="Track my order", slug="track")
    HelpArticleFactory(topic=topic, is_published=False)
    HelpTopicFactory(is_published=False)
    HelpTopicFactory(storefront=Storefront.CRYPTOSHOP)
    response = api.get(f"{TECHAVEN}/help/topics")
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Help topics retrieved",
        "data": {
            "topics": [
                {
                    "id": f"topic_{topic.pk}",
                    "title": "Orders & Shipping",
                    "icon": "local_shipping",
                    "articles": [
                        {"id": f"art_{article.pk}", "title": "Track my order", "slug": "track"}
                    ],
                }
            ]
        },
    }


def test_help_topics_query_count_is_flat(api, django_assert_max_num_queries):
    HelpArticleFactory()
    with django_assert_max_num_queries(3):
        api.get(f"{TECHAVEN}/help/topics")
    for _ in range(5):
        topic = HelpTopicFactory()
        HelpArticleFactory.create_batch(3, topic=topic)
    with django_assert_max_num_queries(3):
        assert len(api.get(f"{TECHAVEN}/help/topics").json()["data"]["topics"]) == 6


def test_help_endpoints_ignore_a_bad_token(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer nonsense")
    assert api.get(f"{TECHAVEN}/help/topics").status_code == 200
    assert api.get(f"{TECHAVEN}/help/faqs").status_code == 200


def test_article_body_by_slug(api):
    article = HelpArticleFactory(slug="how-to-track-order", body="Open Orders.")
    response = api.get(f"{TECHAVEN}/help/articles/how-to-track-order")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["id"] == f"art_{article.pk}"
    assert data["slug"] == "how-to-track-order"
    assert data["body"] == "Open Orders."
    assert data["topic"] == {"id": f"topic_{article.topic.pk}", "title": article.topic.title}


def test_unknown_unpublished_or_other_storefront_article_answers_404(api):
    HelpArticleFactory(slug="hidden", is_published=False)
    HelpArticleFactory(slug="cs", topic=HelpTopicFactory(storefront=Storefront.CRYPTOSHOP))
    for slug in ("nope", "hidden", "cs"):
        response = api.get(f"{TECHAVEN}/help/articles/{slug}")
        assert response.status_code == 404
        assert response.json()["success"] is False
        assert response.json()["errors"] == {}


def test_faqs(api):
    faq = FaqFactory(question="How do I return a product?", answer="Go to...", category="Returns")
    FaqFactory(storefront=Storefront.CRYPTOSHOP)
    response = api.get(f"{TECHAVEN}/help/faqs")
    assert response.status_code == 200
    assert response.json()["message"] == "FAQs retrieved"
    assert response.json()["data"] == {
        "faqs": [
            {
                "id": f"faq_{faq.pk}",
                "question": "How do I return a product?",
                "answer": "Go to...",
                "category": "Returns",
            }
        ]
    }


def test_app_info_is_the_techaven_record(api):
    AppInfoFactory(storefront=Storefront.CRYPTOSHOP, app_name="CryptoShop")
    AppInfoFactory(force_update=True, min_version="1.1.0", instagram_url="")
    response = api.get(f"{TECHAVEN}/app/info")
    assert response.status_code == 200
    assert response.json()["message"] == "App info retrieved"
    data = response.json()["data"]
    assert data == {
        "app_name": "Techaven",
        "version": "1.2.0",
        "min_version": "1.1.0",
        "force_update": True,
        "update_url": "https://play.google.com/store/apps/details?id=mw.techaven.app",
        "terms_url": "https://techaven.mw/terms",
        "privacy_url": "https://techaven.mw/privacy",
        "support_email": "support@techaven.mw",
        "support_phone": "+265991234567",
        "social_links": {
            "facebook": "https://facebook.com/techavenmw",
            "twitter": "https://twitter.com/techavenmw",
        },
    }


def test_app_info_missing_answers_404(api):
    response = api.get(f"{TECHAVEN}/app/info")
    assert response.status_code == 404
    assert response.json()["success"] is False


def test_submit_ticket_answers_201_with_number_and_open_status(th_client, th_user):
    order = OrderFactory(buyer=th_user)
    body = {**BODY, "order_id": f"ord_{order.uid}", "attachments": [png_base64()]}
    response = th_client.post(TICKETS, body, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True
    assert body["message"] == "Support ticket created"
    data = body["data"]
    ticket = Ticket.objects.get()
    year = ticket.created_at.year
    assert data == {
        "ticket_id": f"tkt_{ticket.uid}",
        "ticket_number": f"SUP-{year}-0001",
        "status": "open",
    }
    assert ticket.storefront == "techaven"
    assert ticket.user == th_user
    assert ticket.category == "orders"
    assert ticket.order_ref == f"ord_{order.uid}"
    attachment = Attachment.objects.get()
    assert attachment.image.name.endswith(".png")
    event = OutboxEvent.objects.get()
    assert event.name == "support.ticket_created"
    assert event.storefront == "techaven"
    assert event.data["id"] == data["ticket_id"]
    assert event.data["ticketNumber"] == data["ticket_number"]


def test_ticket_numbers_count_up_per_year(th_client):
    numbers = [th_client.post(TICKETS, BODY, format="json").json()["data"] for _ in range(3)]
    assert [n["ticket_number"][-4:] for n in numbers] == ["0001", "0002", "0003"]


def test_submit_ticket_needs_a_token(api):
    response = api.post(TICKETS, BODY, format="json")
    assert response.status_code == 401
    assert response.json()["success"] is False
    assert api.get(TICKETS).status_code == 401
    assert api.get(f"{TICKETS}/tkt_abc").status_code == 401


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"subject": ""}, "subject"),
        ({"subject": "  "}, "subject"),
        ({"message": ""}, "message"),
        ({"attachments": ["bm90IGFuIGltYWdl"]}, "attachments"),  # "not an image"
        ({"attachments": ["%%%"]}, "attachments"),
        ({"attachments": "abc"}, "attachments"),
        ({"attachments": [png_base64()] * 6}, "attachments"),
    ],
)
def test_bad_ticket_input_answers_400_and_creates_nothing(th_client, change, field):
    response = th_client.post(TICKETS, {**BODY, **change}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert field in body["errors"]
    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists()
    assert not OutboxEvent.objects.exists()


def test_oversized_attachment_answers_400(th_client, settings):
    settings.SUPPORT_ATTACHMENT_MAX_BYTES = 2048
    big = png_base64(400, 400)  # noisy enough? a flat PNG compresses; pad with a bigger image
    import base64
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.effect_noise((200, 200), 80).convert("RGB").save(out, "PNG")
    big = base64.b64encode(out.getvalue()).decode()
    response = th_client.post(TICKETS, {**BODY, "attachments": [big]}, format="json")
    assert response.status_code == 400
    assert "attachments" in response.json()["errors"]
    assert "larger than" in response.json()["message"]
    assert not Ticket.objects.exists()


def test_order_id_of_someone_else_is_refused(th_client):
    someone_elses = OrderFactory()
    response = th_client.post(TICKETS, {**BODY, "order_id": f"ord_{someone_elses.uid}"})
    assert response.status_code == 400
    assert "order_id" in response.json()["errors"]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("ref", ["ord_nosuchorder", "789", "tkt_abc"])
def test_order_id_that_is_no_order_is_refused(th_client, ref):
    response = th_client.post(TICKETS, {**BODY, "order_id": ref})
    assert response.status_code == 400
    assert "order_id" in response.json()["errors"]


def test_order_id_of_ones_own_order_is_kept_on_the_ticket(th_client, th_user):
    mine = OrderFactory(buyer=th_user)
    response = th_client.post(TICKETS, {**BODY, "order_id": f"ord_{mine.uid}"})
    assert response.status_code == 201
    assert Ticket.objects.get().order_ref == f"ord_{mine.uid}"


def test_my_tickets_list_with_messages_and_pagination(th_client, th_user, th_other_client):
    for i in range(3):
        th_client.post(TICKETS, {**BODY, "subject": f"Mine {i}"}, format="json")
    th_other_client.post(TICKETS, {**BODY, "subject": "Not mine"}, format="json")
    response = th_client.get(TICKETS, {"limit": 2})
    assert response.status_code == 200
    data = response.json()["data"]
    assert [t["subject"] for t in data["tickets"]] == ["Mine 2", "Mine 1"]
    assert data["pagination"] == {
        "current_page": 1,
        "total_pages": 2,
        "total_items": 3,
        "items_per_page": 2,
        "has_next": True,
        "has_previous": False,
    }
    ticket = data["tickets"][0]
    assert ticket["status"] == "open"
    assert ticket["priority"] == "medium"
    assert ticket["order_id"] is None
    assert ticket["ticket_number"].startswith("SUP-")
    message = ticket["messages"][0]
    assert message["message"] == BODY["message"]
    assert message["is_staff"] is False
    assert message["author"]["name"] == th_user.full_name
    assert message["attachments"] == []


def test_my_tickets_filter_by_status(th_client, th_user, agent, make_ticket):
    a = make_ticket(th_user, subject="A")
    make_ticket(th_user, subject="B")
    services.ticket_status_set(ticket_id=a.pk, staff=agent, status="RESOLVED")
    data = th_client.get(TICKETS, {"status": "resolved"}).json()["data"]
    assert [t["subject"] for t in data["tickets"]] == ["A"]
    assert data["tickets"][0]["resolved_at"] is not None
    assert th_client.get(TICKETS, {"status": "RESOLVED"}).status_code == 400


def test_my_tickets_query_count_is_flat(
    th_client, th_user, agent, make_ticket, django_assert_max_num_queries
):
    make_ticket(th_user, attachments=[png_base64()])
    with django_assert_max_num_queries(10) as one:
        th_client.get(TICKETS)
    queries_for_one = len(one)
    for i in range(8):
        t = make_ticket(th_user, subject=f"T{i}", attachments=[png_base64()])
        services.ticket_reply(ticket_id=t.pk, staff=agent, content="On it")
    with django_assert_max_num_queries(queries_for_one):
        data = th_client.get(TICKETS).json()["data"]
    assert len(data["tickets"]) == 9
    assert data["tickets"][0]["messages"][0]["attachments"][0].startswith("http://")


def test_my_ticket_by_id_with_staff_reply(th_client, th_user, agent, make_ticket):
    ticket = make_ticket(th_user)
    services.ticket_reply(ticket_id=ticket.pk, staff=agent, content="On it")
    response = th_client.get(f"{TICKETS}/tkt_{ticket.uid}")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["ticket_id"] == f"tkt_{ticket.uid}"
    assert [m["is_staff"] for m in data["messages"]] == [False, True]
    assert data["messages"][1]["message"] == "On it"


def test_another_users_ticket_answers_404(th_client, th_other_client, make_ticket):
    ticket = make_ticket(th_other_client.user)
    for response in (
        th_client.get(f"{TICKETS}/tkt_{ticket.uid}"),
        th_client.post(f"{TICKETS}/tkt_{ticket.uid}/messages", {"message": "x"}, format="json"),
    ):
        assert response.status_code == 404
        assert response.json()["success"] is False
    assert th_client.get(f"{TICKETS}/ticket_{ticket.uid}").status_code == 404


def test_reply_on_my_ticket_cannot_be_staff_and_reopens_resolved(
    th_client, th_user, agent, make_ticket
):
    ticket = make_ticket(th_user)
    services.ticket_status_set(ticket_id=ticket.pk, staff=agent, status="RESOLVED")
    response = th_client.post(
        f"{TICKETS}/tkt_{ticket.uid}/messages",
        {"message": "Not fixed", "is_staff": True, "isStaff": True},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["data"]["is_staff"] is False
    ticket.refresh_from_db()
    assert ticket.status == "OPEN"
    assert ticket.resolved_at is None
    empty = th_client.post(f"{TICKETS}/tkt_{ticket.uid}/messages", {"message": ""}, format="json")
    assert empty.status_code == 400
    assert "message" in empty.json()["errors"]


def test_attachment_may_be_a_data_url(th_client):
    body = {**BODY, "attachments": [f"data:image/png;base64,{png_base64()}"]}
    assert th_client.post(TICKETS, body, format="json").status_code == 201
    assert Attachment.objects.count() == 1


def test_a_staff_reply_leaves_the_status_alone(th_user, agent, make_ticket):
    ticket = make_ticket(th_user)
    services.ticket_reply(ticket_id=ticket.pk, staff=agent, content="On it")
    ticket.refresh_from_db()
    assert ticket.status == "OPEN"


def test_faqs_query_count_is_flat(api, django_assert_max_num_queries):
    FaqFactory()
    with django_assert_max_num_queries(2):
        api.get(f"{TECHAVEN}/help/faqs")
    FaqFactory.create_batch(10)
    with django_assert_max_num_queries(2):
        assert len(api.get(f"{TECHAVEN}/help/faqs").json()["data"]["faqs"]) == 11
