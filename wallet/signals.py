"""What the wallet tells the domains above it (escrow) without importing them."""

import django.dispatch

# Sent after commit when a deposit credited a BTC wallet: `account_id`, `user_id`. Escrows
# waiting for that buyer's balance are funded by it.
btc_wallet_credited = django.dispatch.Signal()
