"""Every write of the events layer. See each module's docstring for its rules."""

from notifications.services.devices import device_register
from notifications.services.inbox import notification_mark_all_read, notification_mark_read
from notifications.services.relay import event_retry, outbox_prune, outbox_relay_run
from notifications.services.webhooks import (
    webhook_deliveries_due,
    webhook_delivery_attempt,
    webhook_delivery_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_log_prune,
)

__all__ = [
    "device_register",
    "event_retry",
    "notification_mark_all_read",
    "notification_mark_read",
    "outbox_prune",
    "outbox_relay_run",
    "webhook_deliveries_due",
    "webhook_delivery_attempt",
    "webhook_delivery_redeliver",
    "webhook_endpoint_create",
    "webhook_endpoint_delete",
    "webhook_log_prune",
]
