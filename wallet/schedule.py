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
