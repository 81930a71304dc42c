"""CryptoShop "Support Endpoints" through HTTP."""

import re

import pytest

from notifications.models import OutboxEvent
from support import services
from support.models import Message, Ticket, TicketStatus
from tests.conftest import CRYPTOSHOP

pytestmark = pytest.mark.django_db

URL = f"{CRYPTOSHOP}/support"
BODY = {
    "subject": "Product not delivered",
    "content": "I ordered a product but haven't received it yet.",
    "priority": "MEDIUM",
    "category": "Delivery",
}


def test_create_ticket_answers_201_with_the_documented_ticket(cs_client, cs_account):
    response = cs_client.post(URL, BODY, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True
    data = body["data"]
    assert set(data) == {
        "id",
        "userId",
        "subject",
        "content",
        "status",
        "priority",
        "category",
        "createdAt",
        "updatedAt",
    }
    assert data["id"].startswith("ticket_")
    assert data["userId"] == f"user_{cs_account.user.uid}"
    assert data["status"] == "OPEN"
    assert data["priority"] == "MEDIUM"
    assert data["category"] == "Delivery"
    ticket = Ticket.objects.get()
    assert ticket.storefront == "cryptoshop"
    assert ticket.number.startswith("SUP-")
    # the content is the conversation's first message
    assert list(ticket.messages.values_list("content", "is_staff")) == [(BODY["content"], False)]


def test_create_ticket_publishes_support_ticket_created_with_the_ticket_object(
    cs_client, cs_account
):
    data = cs_client.post(URL, BODY, format="json").json()["data"]
    event = OutboxEvent.objects.get()
    assert event.name == "support.ticket_created"
    assert event.storefront == "cryptoshop"
    assert event.user_id == cs_account.user.pk
    assert event.data["id"] == data["id"]
    assert event.data["subject"] == BODY["subject"]
    assert event.data["status"] == "OPEN"


def test_create_ticket_defaults_priority_and_category(cs_client):
    response = cs_client.post(URL, {"subject": "Hi", "content": "Hello"}, format="json")
    assert response.status_code == 201
    assert response.json()["data"]["priority"] == "MEDIUM"
    assert response.json()["data"]["category"] == "General"


def test_create_ticket_in_access_token_body_shape(cs_account):
    from rest_framework.test import APIClient

    response = APIClient().post(
        URL, {"access_token": cs_account.access_token, "data": BODY}, format="json"
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"subject": ""}, "subject"),
        ({"subject": "   "}, "subject"),
        ({"content": ""}, "content"),
        ({"priority": "CRITICAL"}, "priority"),
        ({"priority": "medium"}, "priority"),
        ({"category": "x" * 51}, "category"),
    ],
)
def test_bad_ticket_input_answers_400_validation_error_and_creates_nothing(
    cs_client, change, field
):
    response = cs_client.post(URL, {**BODY, **change}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert body["code"] == "VALIDATION_ERROR"
    assert field in body["details"]
    assert not Ticket.objects.exists()
    assert not OutboxEvent.objects.exists()


def test_missing_subject_is_a_validation_error(cs_client):
    response = cs_client.post(URL, {"content": "x"}, format="json")
    assert response.status_code == 400
    assert "subject" in response.json()["details"]


def test_support_endpoints_need_a_token(api):
    for response in (
        api.get(URL),
        api.post(URL, BODY, format="json"),
        api.get(f"{URL}/ticket_abc"),
        api.post(f"{URL}/ticket_abc/messages", {"content": "x"}, format="json"),
    ):
        assert response.status_code == 401
        assert response.json()["success"] is False
        assert response.json()["code"] == "AUTHENTICATION_REQUIRED"


def test_get_ticket_shows_the_conversation(cs_client, cs_account, agent, make_ticket):
    ticket = make_ticket(cs_account.user, content="First")
    services.ticket_reply(ticket_id=ticket.pk, staff=agent, content="We are on it")
    response = cs_client.get(f"{URL}/ticket_{ticket.uid}")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["id"] == f"ticket_{ticket.uid}"
    assert data["resolvedAt"] is None
    first, reply = data["messages"]
    assert first["content"] == "First"
    assert first["isStaff"] is False
    assert first["ticketId"] == data["id"]
    assert first["userId"] == f"user_{cs_account.user.uid}"
    assert first["user"] == {"username": cs_account.user.username, "avatar": None}
    assert first["id"].startswith("msg_")
    assert reply["isStaff"] is True
    assert reply["userId"] == f"staff_{agent.uid}"
    assert reply["user"]["username"] == agent.username


def test_another_users_ticket_answers_404(cs_client, cs_other_client, make_ticket):
    ticket = make_ticket(cs_other_client.user)
    for response in (
        cs_client.get(f"{URL}/ticket_{ticket.uid}"),
        cs_client.post(f"{URL}/ticket_{ticket.uid}/messages", {"content": "hi"}, format="json"),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "RESOURCE_NOT_FOUND"
    assert ticket.messages.count() == 1


def test_unknown_and_malformed_ticket_ids_answer_404(cs_client):
    assert cs_client.get(f"{URL}/ticket_nope").status_code == 404
    assert cs_client.get(f"{URL}/tkt_nope").status_code == 404
    assert cs_client.get(f"{URL}/12").status_code == 404


def test_add_message_answers_201_and_cannot_post_as_staff(cs_client, cs_account, make_ticket):
    ticket = make_ticket(cs_account.user)
    response = cs_client.post(
        f"{URL}/ticket_{ticket.uid}/messages",
        {"content": "Here's more information.", "isStaff": True},
        format="json",
    )
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["isStaff"] is False
    assert data["ticketId"] == f"ticket_{ticket.uid}"
    assert data["userId"] == f"user_{cs_account.user.uid}"
    assert data["content"] == "Here's more information."
    assert Message.objects.filter(is_staff=True).count() == 0


def test_create_ticket_ignores_is_staff_and_status_in_the_body(cs_client):
    response = cs_client.post(URL, {**BODY, "isStaff": True, "status": "RESOLVED"}, format="json")
    assert response.status_code == 201
    assert response.json()["data"]["status"] == "OPEN"
    assert not Message.objects.filter(is_staff=True).exists()


def test_add_message_publishes_support_message_created(cs_client, cs_account, make_ticket):
    ticket = make_ticket(cs_account.user)
    OutboxEvent.objects.all().delete()
    data = cs_client.post(
        f"{URL}/ticket_{ticket.uid}/messages", {"content": "More"}, format="json"
    ).json()["data"]
    event = OutboxEvent.objects.get()
    assert event.name == "support.message_created"
    assert event.notification is None  # the user wrote it; nobody to notify
    assert event.data == {
        "ticketId": f"ticket_{ticket.uid}",
        "message": {
            "id": data["id"],
            "content": "More",
            "isStaff": False,
            "user": {"username": cs_account.user.username, "avatar": None},
            "createdAt": data["createdAt"],
        },
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", data["createdAt"])


def test_empty_message_is_refused(cs_client, cs_account, make_ticket):
    ticket = make_ticket(cs_account.user)
    response = cs_client.post(f"{URL}/ticket_{ticket.uid}/messages", {"content": ""}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert ticket.messages.count() == 1


def test_writing_on_a_resolved_ticket_reopens_it(cs_client, cs_account, agent, make_ticket):
    ticket = make_ticket(cs_account.user)
    services.ticket_status_set(ticket_id=ticket.pk, staff=agent, status="RESOLVED")
    ticket.refresh_from_db()
    assert ticket.resolved_at is not None
    OutboxEvent.objects.all().delete()

    response = cs_client.post(
        f"{URL}/ticket_{ticket.uid}/messages", {"content": "Still broken"}, format="json"
    )
    assert response.status_code == 201
    data = cs_client.get(f"{URL}/ticket_{ticket.uid}").json()["data"]
    assert data["status"] == "OPEN"
    assert data["resolvedAt"] is None
    names = list(OutboxEvent.objects.values_list("name", flat=True))
    assert names == ["support.message_created", "support.ticket_updated"]


def test_writing_on_a_closed_ticket_answers_409(cs_client, cs_account, agent, make_ticket):
    ticket = make_ticket(cs_account.user)
    services.ticket_status_set(ticket_id=ticket.pk, staff=agent, status="CLOSED")
    response = cs_client.post(
        f"{URL}/ticket_{ticket.uid}/messages", {"content": "Hello?"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "TICKET_CLOSED"
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.messages.count() == 1


def test_list_shows_only_my_tickets_with_messages_and_pagination(
    cs_client, cs_account, cs_other_client, make_ticket
):
    for i in range(3):
        make_ticket(cs_account.user, subject=f"Mine {i}")
    make_ticket(cs_other_client.user, subject="Not mine")
    response = cs_client.get(URL, {"limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["pagination"] == {"page": 1, "limit": 2, "total": 3, "pages": 2}
    assert [t["subject"] for t in body["data"]] == ["Mine 2", "Mine 1"]
    assert len(body["data"][0]["messages"]) == 1
    second = cs_client.get(URL, {"limit": 2, "page": 2}).json()
    assert [t["subject"] for t in second["data"]] == ["Mine 0"]
    assert cs_client.get(URL).json()["pagination"]["limit"] == 12


def test_list_filters_by_status_and_category(cs_client, cs_account, agent, make_ticket):
    a = make_ticket(cs_account.user, subject="A", category="Delivery")
    make_ticket(cs_account.user, subject="B", category="Payments")
    services.ticket_status_set(ticket_id=a.pk, staff=agent, status="IN_PROGRESS")
    by_status = cs_client.get(URL, {"status": "IN_PROGRESS"}).json()["data"]
    assert [t["subject"] for t in by_status] == ["A"]
    by_category = cs_client.get(URL, {"category": "payments"}).json()["data"]
    assert [t["subject"] for t in by_category] == ["B"]


def test_list_refuses_unknown_status_and_bad_page(cs_client):
    response = cs_client.get(URL, {"status": "DONE"})
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert cs_client.get(URL, {"page": "0"}).status_code == 400


def test_list_query_count_does_not_grow_with_tickets_and_messages(
    cs_client, cs_account, agent, make_ticket, django_assert_max_num_queries
):
    ticket = make_ticket(cs_account.user)
    services.ticket_reply(ticket_id=ticket.pk, staff=agent, content="reply")
    with django_assert_max_num_queries(8) as one:
        assert len(cs_client.get(URL).json()["data"]) == 1
    queries_for_one = len(one)
    for i in range(10):
        t = make_ticket(cs_account.user, subject=f"T{i}")
        services.ticket_reply(ticket_id=t.pk, staff=agent, content="reply")
        cs_client.post(f"{URL}/ticket_{t.uid}/messages", {"content": "again"}, format="json")
    with django_assert_max_num_queries(queries_for_one):
        data = cs_client.get(URL).json()["data"]
    assert len(data) == 11
    assert len(data[0]["messages"]) == 3
