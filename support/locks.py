"""The only place support code takes row locks."""

from __future__ import annotations

from support.models import Ticket, TicketCounter


def ticket_lock(ticket_id: int) -> Ticket:
    return Ticket.objects.select_for_update(of=("self",)).get(pk=ticket_id)


def ticket_counter_lock(*, storefront: str, year: int) -> TicketCounter:
    """The (storefront, year) counter row, created on first use, locked FOR UPDATE.

    INSERT … ON CONFLICT DO NOTHING first, so two first tickets of a year never race on the
    unique constraint; then every creator queues on the same row lock.
    """
    TicketCounter.objects.bulk_create(
        [TicketCounter(storefront=storefront, year=year, last=0)], ignore_conflicts=True
    )
    return TicketCounter.objects.select_for_update().get(storefront=storefront, year=year)
