"""Celery wrappers: load ids, call a service. Every task is safe to run twice or concurrently."""

from celery import shared_task

from .channels import ChannelError
from .services import materialise_deliveries, send_pending

# Exponential backoff: 1, 2, 4, ... minutes, at most an hour apart, about a day in all.
DELIVERY_RETRY = {"autoretry_for": (ChannelError,), "retry_backoff": 60, "retry_backoff_max": 3600, "max_retries": 8}


# The task name is older than this module and stays: retries waiting in the broker (up to a day of
# them) carry it.
@shared_task(bind=True, name="grievances.deliver_channel", acks_late=True, **DELIVERY_RETRY)
def deliver_channel(self, channel, notification_ids=None, sweep_id=None):
    """Send one channel's pending deliveries; raise (and so retry later) while some still fail."""
    final = self.request.retries >= self.max_retries
    materialise_deliveries(channel, notification_ids=notification_ids, sweep_id=sweep_id)
    failing = send_pending(channel, notification_ids=notification_ids, sweep_id=sweep_id, final=final)
    if failing and not final:
        raise ChannelError(f"{channel}: {failing} 条发送失败，稍后重试")
    return failing
