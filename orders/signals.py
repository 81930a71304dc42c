"""What the orders domain tells the domains above it (escrow) without importing them."""

import django.dispatch

# Sent inside the transaction of every status move, after the move, with the order locked:
# `order`, `previous` (Status), `actor` (Actor), `user` (or None). A receiver may refuse the
# move by raising a DomainError: the whole move then rolls back and the caller gets the error.
order_moved = django.dispatch.Signal()
