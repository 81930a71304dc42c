import environ

BEAT = {
    # the safety net of provider callbacks and refund tasks: see wallet/services/reconcile.py
    "wallet-reconcile-payments": {
        "task": "wallet.tasks.payments_reconcile",
        "schedule": environ.Env().float("PAYMENTS_RECONCILE_INTERVAL_SECONDS", default=180.0),
    },
}
