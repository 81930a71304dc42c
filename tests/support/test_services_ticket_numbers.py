"""`SUP-YYYY-NNNN` is unique and gapless per storefront and year, also under concurrency."""

import threading

import pytest
from django.conf import settings
from django.db import connection

from support import events, services
from support.models import Ticket
from tests.factories.accounts import CryptoShopUserFactory, TechavenUserFactory


@pytest.mark.django_db
def test_a_rolled_back_ticket_does_not_burn_its_number(monkeypatch):
    user = TechavenUserFactory()

    def broken(ticket):
        raise RuntimeError("relay table unavailable")

    monkeypatch.setattr(events, "publish_ticket_created", broken)
    with pytest.raises(RuntimeError):
        services.ticket_create(user=user, subject="A", content="x")
    monkeypatch.undo()
    ticket = services.ticket_create(user=user, subject="B", content="x")
    assert ticket.number.endswith("-0001")
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_each_storefront_counts_on_its_own():
    th = services.ticket_create(user=TechavenUserFactory(), subject="A", content="x")
    cs = services.ticket_create(user=CryptoShopUserFactory(), subject="A", content="x")
    assert th.number == cs.number
    assert th.number.endswith("-0001")


@pytest.mark.postgres
@pytest.mark.skipif(
    not settings.USES_POSTGRES,
    reason="needs PostgreSQL: SQLite has no row locks and serialises writers anyway",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_hands_out_gapless_unique_numbers():
    workers = 8
    users = [TechavenUserFactory() for _ in range(workers)]
    barrier = threading.Barrier(workers)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def create(user):
        try:
            barrier.wait()
            ticket = services.ticket_create(user=user, subject="Race", content="x")
            numbers.append(ticket.number)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    year = Ticket.objects.first().created_at.year
    assert sorted(numbers) == [f"SUP-{year}-{n:04d}" for n in range(1, workers + 1)]
    assert sorted(Ticket.objects.values_list("number", flat=True)) == sorted(numbers)
