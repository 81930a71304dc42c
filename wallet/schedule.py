import environ

BEAT = {
    # the safety net of provider callbacks and refund tasks: see wallet/services/reconcile.py
    "wallet-reconcile-payments": {
        "task": "wallet.tasks.payments_reconcile",
        "schedule": environ.Env().float("PAYMENTS_RECONCILE_INTERVAL_SECONDS", default=180.0),
    },
    # the books checked against themselves: see wallet/services/audit.py
    "wallet-ledger-audit": {
        "task": "wallet.tasks.ledger_audit_daily",
        "schedule": environ.Env().float("LEDGER_AUDIT_INTERVAL_SECONDS", default=86400.0),
    },
}

# the BTC→EUR rate readers are served from the cache: see wallet/rates.py
BEAT["wallet-btc-rate-refresh"] = {
    "task": "wallet.tasks.btc_rate_refresh",
    "schedule": environ.Env().int("BTC_RATE_REFRESH_SECONDS", default=60),
}

# deposits to CryptoShop wallets: see wallet/services/btc.py
BEAT["wallet-btc-deposits-scan"] = {
    "task": "wallet.tasks.btc_deposits_scan",
    "schedule": environ.Env().int("BTC_POLL_SECONDS", default=30),
}
# top-ups nobody approved: see wallet/services/topups.py
BEAT["wallet-topups-expire"] = {
    "task": "wallet.tasks.wallet_topups_expire",
    "schedule": 300,
}
