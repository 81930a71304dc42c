from core.beat import job, seconds_env

BEAT = {
    # the safety net of provider callbacks and refund tasks: see wallet/services/reconcile.py
    "wallet-reconcile-payments": job(
        "wallet.tasks.payments_reconcile", seconds_env("PAYMENTS_RECONCILE_INTERVAL_SECONDS", 180.0)
    ),
    # the books checked against themselves: see wallet/services/audit.py
    "wallet-ledger-audit": job(
        "wallet.tasks.ledger_audit_daily", seconds_env("LEDGER_AUDIT_INTERVAL_SECONDS", 86400.0)
    ),
    # the BTC→EUR rate readers are served from the cache: see wallet/rates.py
    "wallet-btc-rate-refresh": job(
        "wallet.tasks.btc_rate_refresh", seconds_env("BTC_RATE_REFRESH_SECONDS", 60)
    ),
    # deposits to CryptoShop wallets: see wallet/services/btc.py
    "wallet-btc-deposits-scan": job(
        "wallet.tasks.btc_deposits_scan", seconds_env("BTC_POLL_SECONDS", 30)
    ),
    # top-ups nobody approved: see wallet/services/topups.py
    "wallet-topups-expire": job("wallet.tasks.wallet_topups_expire", 300),
}
