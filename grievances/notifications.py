"""Notifications: the in-app inbox and the external channels (e-mail, SMS).

A Notification row *is* the inbox message. Every external channel gets a Delivery row per
message and is sent by its own Celery task (`tasks.deliver_channel`) with automatic retries and
exponential backoff, so a failing SMS gateway never holds up e-mail, the inbox or the sweep.
The SMS provider is a class named by `settings.ZOUFANG_SMS_BACKEND`; the default only logs, so
a real provider is a settings change.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import CharField, IntegerField, Q, Value
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import BackgroundSettings, Channel, Delivery, DeliveryStatus, Notification, NotificationKind

logger = logging.getLogger(__name__)

DEFAULT_SMS_BACKEND = "grievances.notifications.LoggingSmsBackend"
EXTERNAL_CHANNELS = (Channel.EMAIL, Channel.SMS)


class ChannelError(Exception):
    """A channel could not send; the delivery task retries with backoff."""


# --- channels -----------------------------------------------------------------------------
class InboxChannel:
    """The inbox needs no sending: the Notification row is the message."""

    name = Channel.INBOX

    def send(self, notification):
        return None


class EmailChannel:
    name = Channel.EMAIL

    def send(self, notification):
        address = notification.recipient.email
        if not address:
            raise ChannelError("收件人没有电子邮箱")
        send_mail(
            subject=f"【大走访】{notification.title}",
            message=_text(notification),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[address],
        )


class LoggingSmsBackend:
    """An SMS 'provider' that writes the message to the log (development and the embedded mode)."""

    def send(self, phone, text):
        logger.info("SMS to %s: %s", phone, text)


class SmsChannel:
    name = Channel.SMS

    def send(self, notification):
        phone = notification.recipient.phone
        if not phone:
            raise ChannelError("接收人没有手机号")
        backend = import_string(getattr(settings, "ZOUFANG_SMS_BACKEND", DEFAULT_SMS_BACKEND))()
        backend.send(phone, f"【大走访】{notification.title}")


CHANNELS = {Channel.INBOX: InboxChannel, Channel.EMAIL: EmailChannel, Channel.SMS: SmsChannel}


def channel(name):
    return CHANNELS[name]()


def _text(notification):
    lines = [notification.title, "", notification.body]
    if notification.url:
        lines += ["", f"查看：{notification.url}"]
    return "\n".join(lines)


# --- services -----------------------------------------------------------------------------
def delivery_filters(config=None):
    """Which recipients get which external channel, as Q objects on Notification (set-based use)."""
    config = config or BackgroundSettings.load()
    wanted = {}
    # Keys are plain strings: they travel to the channel tasks as arguments.
    if config.email_enabled:
        wanted[Channel.EMAIL.value] = ~Q(recipient__email="")
    if config.sms_enabled:
        wanted[Channel.SMS.value] = ~Q(recipient__phone="") & Q(kind__in=config.sms_kind_list())
    return wanted


@transaction.atomic
def notify(*, recipients, kind, title, body="", grievance=None, url=""):
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


def queue_deliveries(notification_ids, config=None):
    """After commit, ask each enabled external channel's task to deliver these messages."""
    from .tasks import deliver_channel

    for name in delivery_filters(config):
        transaction.on_commit(lambda name=name: dispatch(deliver_channel, name, notification_ids=notification_ids))


def insert_select(model, columns, queryset):
    """INSERT INTO model(columns) <queryset's SELECT> ON CONFLICT DO NOTHING; returns rows inserted.

    One statement whatever the number of rows; portable between PostgreSQL and SQLite.
    """
    sql, params = queryset.query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({cols}) {sql} ON CONFLICT DO NOTHING", params)
        return cursor.rowcount


def materialise_deliveries(channel_name, *, notification_ids=None, sweep_id=None, config=None):
    """The pending Delivery rows of one channel for these messages (or this sweep's): one
    INSERT ... SELECT, run by the channel's own task so the sweep never waits for it."""
    condition = delivery_filters(config).get(channel_name)
    if condition is None:
        return 0
    qs = Notification.objects.filter(condition).order_by()
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    if sweep_id is not None:
        qs = qs.filter(sweep_id=sweep_id)
    rows = qs.annotate(
        _channel=Value(channel_name, output_field=CharField()),
        _status=Value(DeliveryStatus.PENDING.value, output_field=CharField()),
        _attempts=Value(0, output_field=IntegerField()),
        _error=Value("", output_field=CharField()),
    ).values_list("pk", "_channel", "_status", "_attempts", "_error")
    return insert_select(Delivery, ["notification_id", "channel", "status", "attempts", "last_error"], rows)


def dispatch(task, *args, **kwargs):
    """Queue a delivery task; a broker hiccup is logged, never raised into the caller (the sweep
    or a user's request). The deliveries stay pending and are visible on the operations page."""
    try:
        task.delay(*args, **kwargs)
    except Exception:
        logger.exception("could not queue %s%s", task.name, args)


def send_pending(channel_name, *, notification_ids=None, sweep_id=None, final=False):
    """Send the channel's pending deliveries (of these notifications or of this sweep); one failure
    does not stop the others. Returns the number still failing (the task retries them)."""
    qs = Delivery.objects.filter(channel=channel_name).exclude(status__in=[DeliveryStatus.SENT, DeliveryStatus.FAILED])
    if notification_ids is not None:
        qs = qs.filter(notification_id__in=notification_ids)
    if sweep_id is not None:
        qs = qs.filter(notification__sweep_id=sweep_id)
    sender = channel(channel_name)
    failing = 0
    for delivery in qs.select_related("notification__recipient").iterator(chunk_size=500):
        try:
            sender.send(delivery.notification)
        except Exception as exc:  # a provider may raise anything; record it and go on
            failing += 1
            status = DeliveryStatus.FAILED if final else DeliveryStatus.RETRYING
            Delivery.objects.filter(pk=delivery.pk).update(
                status=status, attempts=delivery.attempts + 1, last_error=str(exc)[:1000]
            )
            logger.warning("delivery %s over %s failed: %s", delivery.pk, channel_name, exc)
            continue
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.SENT, attempts=delivery.attempts + 1, last_error="", sent_at=timezone.now()
        )
    return failing


def unread_count(user):
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(*, actor, ids=None):
    """Mark the actor's messages read (all unread ones when `ids` is None). Returns how many."""
    qs = Notification.objects.visible_to(actor).filter(read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


__all__ = ["NotificationKind", "notify", "queue_deliveries", "send_pending", "unread_count", "mark_read"]
