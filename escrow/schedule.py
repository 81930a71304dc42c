from core.beat import job, seconds_env

BEAT = {
    # auto-release, reminders, funding and cancellations: see escrow/tasks.py
    "escrow-sweep": job(
        "escrow.tasks.escrows_sweep", seconds_env("ESCROW_SWEEP_INTERVAL_SECONDS", 300.0)
    ),
}
