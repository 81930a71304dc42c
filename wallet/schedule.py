import environ

BEAT = {
    # the safety net of provider callbacks and refund tasks: see wallet/services/reconcile.py
    "wallet-reconcile-payments": {
        "task": "wallet.tasks.payments_reconcile",
        "schedule": environ.Env().float("PAYMENTS_RECONCILE_INTERVAL_SECONDS", default=180.0),
    },
}

# the BTC→EUR rate readers are served from the cache: see wallet/rates.py
BEAT["wallet-btc-rate-refresh"] = {
    "task": "wallet.tasks.btc_rate_refresh",
    "schedule": environ.Env().int("BTC_RATE_REFRESH_SECONDS", default=60),
}
