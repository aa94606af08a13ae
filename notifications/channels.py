"""The channels a message goes out through: the inbox (the row itself), e-mail and SMS.

Every external channel gets a Delivery row per message and is sent by its own Celery task
(`tasks.deliver_channel`) with automatic retries and exponential backoff, so a failing SMS gateway
never holds up e-mail, the inbox or the sweep that wrote the messages. The SMS provider is a class
named by `settings.ZOUFANG_SMS_BACKEND`; the default only logs, so a real provider is a settings
change.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from .models import Channel

logger = logging.getLogger(__name__)

DEFAULT_SMS_BACKEND = "notifications.channels.LoggingSmsBackend"
EXTERNAL_CHANNELS = (Channel.EMAIL, Channel.SMS)


class ChannelError(Exception):
    """A channel could not send; the delivery task retries with backoff."""


class InboxChannel:
    """The inbox needs no sending: the Notification row is the message."""

    name = Channel.INBOX

    def send(self, notification, key=""):
        return ""


class EmailChannel:
    name = Channel.EMAIL

    def send(self, notification, key=""):
        """`key` names the delivery: its Message-ID stays the same when a send is repeated, so the
        receiving mail system can drop the second copy. Returns that Message-ID."""
        address = notification.recipient.email
        if not address:
            raise ChannelError("收件人没有电子邮箱")
        message_id = f"<{key}@{settings.DEFAULT_FROM_EMAIL.rsplit('@', 1)[-1]}>" if key else ""
        headers = {"Message-ID": message_id} if key else {}
        EmailMessage(
            subject=f"【大走访】{notification.title}",
            body=_text(notification),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            headers=headers,
        ).send()
        return message_id


class LoggingSmsBackend:
    """An SMS 'provider' that writes the message to the log (development and the embedded mode).

    A backend's `send(phone, text, idempotency_key)` returns the provider's message id.
    `idempotency_key` is the delivery's: providers that take one (most SMS gateways have an out-id
    or client reference) send a repeated request only once and answer the first message's id."""

    def send(self, phone, text, idempotency_key=""):
        logger.info("SMS to %s (%s): %s", phone, idempotency_key, text)
        return idempotency_key


# What MemorySmsBackend "sent", oldest first (like django.core.mail.outbox for the locmem backend).
sms_outbox = []


class MemorySmsBackend:
    """The test SMS gateway: keeps each message in `sms_outbox` and, like a gateway that takes an
    idempotency key, sends a key it has seen no second time, answering the first message's id."""

    def send(self, phone, text, idempotency_key=""):
        for message in sms_outbox:
            if idempotency_key and message["key"] == idempotency_key:
                return message["id"]
        message = {"id": f"sms-{len(sms_outbox) + 1}", "key": idempotency_key, "phone": phone, "text": text}
        sms_outbox.append(message)
        return message["id"]


class SmsChannel:
    name = Channel.SMS

    def send(self, notification, key=""):
        phone = notification.recipient.phone
        if not phone:
            raise ChannelError("接收人没有手机号")
        backend = import_string(getattr(settings, "ZOUFANG_SMS_BACKEND", DEFAULT_SMS_BACKEND))()
        return backend.send(phone, f"【大走访】{notification.title}", idempotency_key=key)


CHANNELS = {Channel.INBOX: InboxChannel, Channel.EMAIL: EmailChannel, Channel.SMS: SmsChannel}


def channel(name):
    return CHANNELS[name]()


def _text(notification):
    lines = [notification.title, "", notification.text]
    if notification.url:
        lines += ["", f"查看：{notification.url}"]
    return "\n".join(lines)
