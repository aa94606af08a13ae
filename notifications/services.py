"""Writes of the notifications: put messages in inboxes, queue and send their deliveries, mark read."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import CharField, IntegerField, Q, Value
from django.utils import timezone

from campaigns.lib.sql import insert_select
from campaigns.services import enqueue

from .channels import channel
from .models import Channel, ChannelSettings, Delivery, DeliveryStatus, Notification

if TYPE_CHECKING:
    from collections.abc import Iterable

    from campaigns.models import User
    from grievances.models import Grievance

logger = logging.getLogger(__name__)

# A "sending" mark older than this is a send whose worker died (a channel call is given far less:
# see the SMS backends' and the mail server's timeouts); younger, a send still in flight.
SENDING_STALE = timedelta(minutes=10)


def delivery_filters(config: ChannelSettings | None = None) -> dict[str, Q]:
    """Which recipients get which external channel, as Q objects on Notification (set-based use)."""
    config = config or ChannelSettings.load()
    wanted = {}
    # Keys are plain strings: they travel to the channel tasks as arguments.
    if config.email_enabled:
        wanted[Channel.EMAIL.value] = ~Q(recipient__email="")
    if config.sms_enabled:
        wanted[Channel.SMS.value] = ~Q(recipient__phone="") & Q(kind__in=config.sms_kind_list())
    return wanted


@transaction.atomic
def notify(
    *,
    recipients: Iterable[User | None],
    kind: str,
    title: str,
    body: str = "",
    grievance: Grievance | None = None,
    url: str = "",
) -> list[Notification]:
    """Put a message in each recipient's inbox and queue its e-mail/SMS deliveries (after commit)."""
    now = timezone.now()
    seen, rows = set(), []
    for user in recipients:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                recipient=user, kind=kind, grievance=grievance, title=title, body=body, url=url, created_at=now
            )
        )
    created = Notification.objects.bulk_create(rows)
    ids = [n.pk for n in created]
    if ids:
        queue_deliveries(ids)
    return created


def queue_deliveries(notification_ids: list[int], config: ChannelSettings | None = None) -> None:
    """Ask each enabled external channel's task to deliver these messages: an outbox row in the
    messages' own transaction, so a broker that is away delays them and loses none."""
    from .tasks import deliver_channel

    for name in delivery_filters(config):
        enqueue(deliver_channel, channel=name, notification_ids=list(notification_ids))


def queue_sweep_deliveries(sweep_id: int, config: ChannelSettings | None = None) -> None:
    """Ask each enabled external channel's task to deliver what one sweep wrote (once per sweep)."""
    from .tasks import deliver_channel

    for name in delivery_filters(config):
        enqueue(deliver_channel, key=f"deliver:{name}:sweep:{sweep_id}", channel=name, sweep_id=sweep_id)


def materialise_deliveries(
    channel_name: str,
    *,
    notification_ids: Iterable[int] | None = None,
    sweep_id: int | None = None,
    config: ChannelSettings | None = None,
) -> int:
    """The pending Delivery rows of one channel for these messages (or this sweep's): one
    INSERT ... SELECT, run by the channel's own task so the sweep never waits for it."""
    condition = delivery_filters(config).get(channel_name)
    if condition is None:
        return 0
    qs = Notification.objects.filter(condition).order_by()
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    if sweep_id is not None:
        qs = qs.filter(notice__sweep_id=sweep_id)
    rows = qs.annotate(
        _channel=Value(channel_name, output_field=CharField()),
        _status=Value(DeliveryStatus.PENDING.value, output_field=CharField()),
        _attempts=Value(0, output_field=IntegerField()),
        _error=Value("", output_field=CharField()),
    ).values_list("pk", "_channel", "_status", "_attempts", "_error")
    return insert_select(Delivery, ["notification_id", "channel", "status", "attempts", "last_error"], rows)


def send_pending(
    channel_name: str,
    *,
    notification_ids: Iterable[int] | None = None,
    sweep_id: int | None = None,
    final: bool = False,
) -> int:
    """Send the channel's pending deliveries (of these notifications or of this sweep); one failure
    does not stop the others. Returns the number still failing or in flight (the task retries them).

    Each delivery is marked "sending" before its channel is called, always with the same key
    (`Delivery.idempotency_key`). A mark younger than `SENDING_STALE` is another worker's send in
    flight: left alone. An older one is a worker that died after calling the channel and before
    recording its answer: sent again with the same key, which a channel that takes keys answers
    with the first message id instead of a second message."""
    now = timezone.now()
    qs = Delivery.objects.filter(channel=channel_name).exclude(status__in=[DeliveryStatus.SENT, DeliveryStatus.FAILED])
    if notification_ids is not None:
        qs = qs.filter(notification_id__in=notification_ids)
    if sweep_id is not None:
        qs = qs.filter(notification__notice__sweep_id=sweep_id)
    sender = channel(channel_name)
    failing = 0
    free = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRYING]) | Q(
        status=DeliveryStatus.SENDING, claimed_at__lt=now - SENDING_STALE
    )
    for delivery in qs.select_related("notification__recipient", "notification__grievance").iterator(chunk_size=500):
        claimed = (
            Delivery.objects.filter(free, pk=delivery.pk)
            .filter(status=delivery.status, attempts=delivery.attempts)
            .update(status=DeliveryStatus.SENDING, claimed_at=now)
        )
        if not claimed:
            failing += 1  # in flight elsewhere: looked at again on the task's next try
            continue
        try:
            answer = sender.send(delivery.notification, key=delivery.idempotency_key)
        except Exception as exc:  # a provider may raise anything; record it and go on
            failing += 1
            status = DeliveryStatus.FAILED if final else DeliveryStatus.RETRYING
            Delivery.objects.filter(pk=delivery.pk).update(
                status=status, attempts=delivery.attempts + 1, last_error=str(exc)[:1000]
            )
            logger.warning("delivery %s over %s failed: %s", delivery.pk, channel_name, exc)
            continue
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.SENT,
            attempts=delivery.attempts + 1,
            last_error="",
            sent_at=timezone.now(),
            message_id=str(answer or "")[:200],
        )
    return failing


def mark_read(*, actor: User, ids: Iterable[int] | None = None) -> int:
    """Mark the actor's messages read (all unread ones when `ids` is None). Returns how many."""
    qs = Notification.objects.visible_to(actor).filter(read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
