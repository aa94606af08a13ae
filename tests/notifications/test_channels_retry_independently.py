"""A failing channel is retried with backoff and never loses the others."""

import pytest
from django.core import mail

from grievances.sweep import sweep_deadlines
from notifications.models import Delivery, Notification
from notifications.services import notify
from tests.grievances.factories import at, due_on, lighting_entry

CALLS = []


@pytest.fixture(autouse=True)
def _retry_eagerly(settings):
    # Eager tasks re-run a retry at once (no countdown) unless the Retry is propagated.
    settings.CELERY_TASK_EAGER_PROPAGATES = False


class FlakySms:
    """Fails twice, then works (a gateway with a bad minute)."""

    def send(self, phone, text, idempotency_key=""):
        CALLS.append(phone)
        if len(CALLS) <= 2:
            raise ConnectionError("短信网关超时")


class BrokenSms:
    def send(self, phone, text, idempotency_key=""):
        raise ConnectionError("短信网关不可用")


def test_flaky_sms_is_retried_and_email_and_inbox_still_arrive(
    tree, cast, campaign, settings, django_capture_on_commit_callbacks
):
    settings.ZOUFANG_SMS_BACKEND = "tests.notifications.test_channels_retry_independently.FlakySms"
    CALLS.clear()
    cast.cadre.email = "li@example.com"
    cast.cadre.save()
    due_on(
        lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign, registered_at=at("2026-09-01")),
        "2026-10-09",
    )

    with django_capture_on_commit_callbacks(execute=True):  # deliveries are queued on commit
        run = sweep_deadlines(now=at("2026-10-09"))

    notice = Notification.objects.get(recipient=cast.cadre)
    assert notice.kind == "warning"  # the inbox has it
    assert [m.to for m in mail.outbox] == [["li@example.com"]]  # e-mail went out once
    sms = Delivery.objects.get(notification=notice, channel="sms")
    assert (sms.status, sms.attempts, sms.last_error) == ("sent", 3, "")
    assert Delivery.objects.get(notification=notice, channel="email").status == "sent"
    assert run.finished_at is not None and run.failures == 0


def test_broken_sms_gives_up_after_retries_without_blocking_anything(
    tree, cast, settings, django_capture_on_commit_callbacks
):
    settings.ZOUFANG_SMS_BACKEND = "tests.notifications.test_channels_retry_independently.BrokenSms"
    cast.office.email = "qian@example.com"
    cast.office.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[cast.office, cast.cadre], kind="supervision", title="测试督办", body="请尽快办理")
    failed = Delivery.objects.filter(channel="sms")
    assert failed.count() == 2
    assert set(failed.values_list("status", flat=True)) == {"failed"}
    assert all(d.attempts == 9 and "不可用" in d.last_error for d in failed)  # first try + 8 retries
    assert Delivery.objects.get(channel="email").status == "sent"
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(read_at__isnull=True).count() == 2
