import environ

BEAT = {
    # auto-release, reminders, funding and cancellations: see escrow/tasks.py
    "escrow-sweep": {
        "task": "escrow.tasks.escrows_sweep",
        "schedule": environ.Env().float("ESCROW_SWEEP_INTERVAL_SECONDS", default=300.0),
    },
}
