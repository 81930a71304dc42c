"""Support staff in the Django admin, and the staff services behind it."""

from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group

from core.errors import DomainError
from notifications.models import OutboxEvent
from support import services
from support.models import Message, Ticket, TicketStatus
from tests.factories.accounts import StaffUserFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/support/ticket/"


class _FormFields(HTMLParser):
    """The inputs a browser would submit from the page's main form (hidden ones included)."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "checkbox"):
            self.fields[a["name"]] = a.get("value") or ""
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self.fields.setdefault(a["name"], "")
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value") or ""
        elif tag == "textarea" and a.get("name"):
            self.fields[a["name"]] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def form_of(response) -> dict[str, str]:
    parser = _FormFields()
    parser.feed(response.content.decode())
    return parser.fields


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


def test_support_group_holds_only_what_support_work_needs(agent):
    perms = set(Group.objects.get(name="Support").permissions.values_list("codename", flat=True))
    assert {"view_ticket", "change_ticket", "add_message", "change_appinfo"} <= perms
    assert {"change_helparticle", "add_helparticle", "change_faq"} <= perms
    assert not any(p.startswith("delete_") for p in perms)
    # outside support: only reading the escrow queue (settling takes escrow.resolve_escrow)
    elsewhere = Group.objects.get(name="Support").permissions.exclude(
        content_type__app_label="support"
    )
    assert set(elsewhere.values_list("content_type__app_label", "codename")) == {
        ("escrow", "view_escrow"),
        ("escrow", "view_participant"),
    }


def test_agent_sees_the_queue_with_filters_and_search(agent_client, agent, cs_account, th_user):
    a = services.ticket_create(user=cs_account.user, subject="Wallet empty", content="x")
    b = services.ticket_create(user=th_user, subject="Broken phone", content="y", category="orders")
    services.ticket_assign(ticket_id=b.pk, staff=agent, assignee=agent)
    response = agent_client.get(QUEUE)
    assert response.status_code == 200
    page = response.content.decode()
    assert a.number in page and b.number in page
    assert "Assigned to me" in page
    mine = agent_client.get(QUEUE, {"assigned": "me"}).content.decode()
    assert "Broken phone" in mine and "Wallet empty" not in mine
    unassigned = agent_client.get(QUEUE, {"assigned": "none"}).content.decode()
    assert "Wallet empty" in unassigned and "Broken phone" not in unassigned
    by_storefront = agent_client.get(QUEUE, {"storefront__exact": "cryptoshop"}).content.decode()
    assert "Wallet empty" in by_storefront and "Broken phone" not in by_storefront
    by_category = agent_client.get(QUEUE, {"category": "orders"}).content.decode()
    assert "Broken phone" in by_category and "Wallet empty" not in by_category
    searched = agent_client.get(QUEUE, {"q": "wallet"}).content.decode()
    assert "Wallet empty" in searched and "Broken phone" not in searched
    by_status = agent_client.get(QUEUE, {"status__exact": "CLOSED"}).content.decode()
    assert "Wallet empty" not in by_status


def test_queue_query_count_is_flat(agent_client, cs_account, django_assert_max_num_queries):
    services.ticket_create(user=cs_account.user, subject="one", content="x")
    with django_assert_max_num_queries(40) as one:
        agent_client.get(QUEUE)
    queries_for_one = len(one)
    for i in range(10):
        services.ticket_create(user=cs_account.user, subject=f"t{i}", content="x")
    with django_assert_max_num_queries(queries_for_one):
        agent_client.get(QUEUE)


def test_ticket_page_shows_the_whole_conversation_and_a_reply_box(agent_client, agent, cs_account):
    ticket = services.ticket_create(user=cs_account.user, subject="Help", content="First words")
    services.ticket_reply(ticket_id=ticket.pk, staff=agent, content="Staff words")
    response = agent_client.get(f"{QUEUE}{ticket.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "First words" in page and "Staff words" in page
    assert 'name="reply"' in page
    # existing messages are shown, never editable
    assert 'name="messages-0-content"' not in page
    assert 'name="messages-0-DELETE"' not in page


def test_reply_and_resolve_from_the_ticket_page(agent_client, agent, cs_account):
    ticket = services.ticket_create(user=cs_account.user, subject="Help", content="Broken")
    OutboxEvent.objects.all().delete()
    url = f"{QUEUE}{ticket.pk}/change/"
    data = form_of(agent_client.get(url))
    data.update(reply="We sent a new one.", status="RESOLVED", assigned_to=str(agent.pk))
    response = agent_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    assert ticket.resolved_at is not None
    assert ticket.assigned_to == agent
    reply = ticket.messages.get(is_staff=True)
    assert reply.author == agent
    assert reply.content == "We sent a new one."
    events = list(OutboxEvent.objects.order_by("id"))
    assert [e.name for e in events] == ["support.message_created", "support.ticket_updated"]
    message_event, status_event = events
    assert message_event.user_id == cs_account.user.pk
    assert message_event.data["ticketId"] == f"ticket_{ticket.uid}"
    assert message_event.data["message"]["isStaff"] is True
    assert message_event.data["message"]["user"]["username"] == agent.username
    assert message_event.notification["type"] == "SUPPORT_REPLY"
    assert message_event.notification["data"]["ticketId"] == f"ticket_{ticket.uid}"
    assert set(message_event.notification) == {"type", "title", "body", "data"}
    assert status_event.data["status"] == "RESOLVED"
    assert status_event.notification["data"]["status"] == "RESOLVED"


def test_saving_without_changes_writes_nothing(agent_client, cs_account):
    ticket = services.ticket_create(user=cs_account.user, subject="Help", content="Broken")
    OutboxEvent.objects.all().delete()
    url = f"{QUEUE}{ticket.pk}/change/"
    response = agent_client.post(url, form_of(agent_client.get(url)))
    assert response.status_code == 302
    assert ticket.messages.count() == 1
    assert not OutboxEvent.objects.exists()


def test_a_move_out_of_closed_is_refused_on_the_page(agent_client, agent, cs_account):
    ticket = services.ticket_create(user=cs_account.user, subject="Help", content="Broken")
    services.ticket_status_set(ticket_id=ticket.pk, staff=agent, status="CLOSED")
    OutboxEvent.objects.all().delete()
    url = f"{QUEUE}{ticket.pk}/change/"
    data = form_of(agent_client.get(url))
    data.update(status="OPEN", reply="Hello again")
    response = agent_client.post(url, data)
    assert response.status_code == 200  # the form again, with the errors
    page = response.content.decode()
    assert "cannot move from CLOSED to OPEN" in page
    assert "takes no more replies" in page
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert not OutboxEvent.objects.exists()
    assert not Message.objects.filter(is_staff=True).exists()


def test_admin_actions_go_through_the_services(agent_client, agent, cs_account):
    a = services.ticket_create(user=cs_account.user, subject="A", content="x")
    b = services.ticket_create(user=cs_account.user, subject="B", content="x")
    OutboxEvent.objects.all().delete()
    response = agent_client.post(
        QUEUE, {"action": "mark_resolved", "_selected_action": [a.pk, b.pk]}
    )
    assert response.status_code == 302
    assert set(Ticket.objects.values_list("status", flat=True)) == {"RESOLVED"}
    assert OutboxEvent.objects.filter(name="support.ticket_updated").count() == 2
    agent_client.post(QUEUE, {"action": "assign_to_me", "_selected_action": [a.pk]})
    a.refresh_from_db()
    assert a.assigned_to == agent


def test_agent_cannot_add_or_delete_tickets_or_reach_users(agent_client, cs_account):
    ticket = services.ticket_create(user=cs_account.user, subject="A", content="x")
    assert agent_client.get(f"{QUEUE}add/").status_code == 403
    assert agent_client.get(f"{QUEUE}{ticket.pk}/delete/").status_code == 403
    assert agent_client.get("/admin/accounts/user/").status_code in (403, 404)
    assert agent_client.get("/admin/support/helptopic/").status_code == 200
    assert agent_client.get("/admin/support/appinfo/").status_code == 200


def test_status_moves_are_checked(agent, cs_account):
    ticket = services.ticket_create(user=cs_account.user, subject="A", content="x")
    services.ticket_status_set(ticket_id=ticket.pk, staff=agent, status="IN_PROGRESS")
    services.ticket_status_set(ticket_id=ticket.pk, staff=agent, status="RESOLVED")
    services.ticket_status_set(ticket_id=ticket.pk, staff=agent, status="CLOSED")
    ticket.refresh_from_db()
    assert ticket.resolved_at is not None  # it was resolved before it was closed
    with pytest.raises(DomainError) as refused:
        services.ticket_status_set(ticket_id=ticket.pk, staff=agent, status="OPEN")
    assert refused.value.code == "STATUS_MOVE_NOT_ALLOWED"
    with pytest.raises(DomainError):
        services.ticket_status_set(ticket_id=ticket.pk, staff=agent, status="DONE")
    with pytest.raises(DomainError) as closed:
        services.ticket_reply(ticket_id=ticket.pk, staff=agent, content="hi")
    assert closed.value.code == "TICKET_CLOSED"


def test_reopening_clears_resolved_at(agent, cs_account):
    ticket = services.ticket_create(user=cs_account.user, subject="A", content="x")
    services.ticket_status_set(ticket_id=ticket.pk, staff=agent, status="RESOLVED")
    ticket = services.ticket_status_set(ticket_id=ticket.pk, staff=agent, status="OPEN")
    assert ticket.resolved_at is None
    assert OutboxEvent.objects.filter(name="support.ticket_updated").count() == 2


def test_only_staff_reply_and_only_staff_are_assigned(cs_account, agent):
    ticket = services.ticket_create(user=cs_account.user, subject="A", content="x")
    with pytest.raises(DomainError) as not_staff:
        services.ticket_reply(ticket_id=ticket.pk, staff=cs_account.user, content="I am staff")
    assert not_staff.value.kind == "forbidden"
    with pytest.raises(DomainError):
        services.ticket_assign(ticket_id=ticket.pk, staff=agent, assignee=cs_account.user)
    inactive = StaffUserFactory(is_active=False)
    with pytest.raises(DomainError):
        services.ticket_reply(ticket_id=ticket.pk, staff=inactive, content="x")
    assert ticket.messages.count() == 1


def test_staff_cannot_open_tickets(agent):
    with pytest.raises(DomainError):
        services.ticket_create(user=agent, subject="A", content="x")
