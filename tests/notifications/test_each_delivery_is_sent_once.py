"""Each delivery reaches its channel with the same idempotency key on every try. The send path
marks it "sending" before the call: a task run twice sends nothing more, and a worker that dies
between the gateway's answer and recording it leaves the mark; once the mark is stale the task
sends again with the same key, which the gateway answers with the first message id: one SMS."""

from datetime import timedelta

import pytest
from django.core import mail

from notifications import channels
from notifications.models import Delivery
from notifications.services import notify
from notifications.tasks import deliver_channel


class WorkerKilledAfterTheGatewayAnswered(channels.MemorySmsBackend):
    """The gateway takes the message; the worker process is killed before it hears back."""

    def send(self, phone, text, idempotency_key=""):
        super().send(phone, text, idempotency_key=idempotency_key)
        raise SystemExit("worker killed")


@pytest.fixture(autouse=True)
def gateway(settings):
    settings.ZOUFANG_SMS_BACKEND = "notifications.channels.MemorySmsBackend"
    settings.CELERY_TASK_EAGER_PROPAGATES = False
    channels.sms_outbox.clear()
    yield channels.sms_outbox
    channels.sms_outbox.clear()


@pytest.fixture
def reachable(cast):
    cast.cadre.email, cast.cadre.phone = "li@example.com", "13900001111"
    cast.cadre.save()
    return cast.cadre


def _deliver(channel, notice):
    return deliver_channel.apply(kwargs={"channel": channel, "notification_ids": [notice.pk]})


def test_the_delivery_task_run_twice_sends_each_message_once(reachable, gateway, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the outbox hands the tasks over on commit
        (notice,) = notify(recipients=[reachable], kind="supervision", title="测试督办", body="请尽快办理")
    _deliver("sms", notice)
    _deliver("email", notice)

    assert [m["phone"] for m in gateway] == ["13900001111"]
    assert len(mail.outbox) == 1
    sms = Delivery.objects.get(notification=notice, channel="sms")
    assert (sms.status, sms.attempts, sms.message_id) == ("sent", 1, gateway[0]["id"])
    assert gateway[0]["key"] == sms.idempotency_key
    email = Delivery.objects.get(notification=notice, channel="email")
    assert email.status == "sent" and email.message_id == mail.outbox[0].extra_headers["Message-ID"]


def test_a_worker_killed_between_send_and_record_does_not_send_twice(reachable, gateway, settings, _frozen_clock):
    (notice,) = notify(recipients=[reachable], kind="supervision", title="测试督办", body="请尽快办理")
    settings.ZOUFANG_SMS_BACKEND = f"{__name__}.WorkerKilledAfterTheGatewayAnswered"
    with pytest.raises(SystemExit):
        _deliver("sms", notice)
    sms = Delivery.objects.get(notification=notice, channel="sms")
    assert sms.status == "sending" and len(gateway) == 1  # sent, not recorded

    # The task runs again at once (a retry, a second copy): the send may still be in flight.
    settings.ZOUFANG_SMS_BACKEND = "notifications.channels.MemorySmsBackend"
    _deliver("sms", notice)
    sms.refresh_from_db()
    assert sms.status == "sending" and len(gateway) == 1

    # Redelivered after the worker's death: the stale mark is sent again with the same key.
    _frozen_clock.shift(timedelta(minutes=11))
    _deliver("sms", notice)
    sms.refresh_from_db()
    assert len(gateway) == 1, gateway
    assert (sms.status, sms.message_id) == ("sent", gateway[0]["id"])
    _deliver("sms", notice)
    assert len(gateway) == 1
