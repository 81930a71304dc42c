"""The only place escrow rows are locked. Order of locks everywhere: the order, then its
escrow, then the ledger's accounts (in pk order) — the order's own status moves lock the
order first too, so the two never wait on each other crosswise."""

from __future__ import annotations

from .models import Escrow


def escrow_lock(escrow_id: int) -> Escrow:
    return Escrow.objects.select_for_update(of=("self",)).get(pk=escrow_id)
