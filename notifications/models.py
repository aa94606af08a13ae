"""Messages to people: the inbox (`Notification`) and its sending through external channels
(`Delivery`, one per message and channel).

The ledger and visits send through `services.notify()`; the ledger's deadline sweep writes its
messages in one statement and tags them with its run. The tables keep the names they were created
with (`grievances_notification`, `grievances_delivery`): the rows predate this app.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from campaigns.access import Rule, ScopedQuerySet
from campaigns.models import User

# How much of an entry's content a deadline notice shows.
NOTICE_TEXT_CHARS = 60


class NotificationKind(models.TextChoices):
    REMINDER = "reminder", "到期提醒"
    WARNING = "warning", "到期预警"
    SUPERVISION = "supervision", "督办"
    URGE = "urge", "催办"
    BULLETIN = "bulletin", "通报"
    UNSIGNED = "unsigned", "超时未签收"
    URGENT = "urgent", "急难险重"
    HANDLING = "handling", "签收退单与中止"
    FOLLOWUP = "followup", "回头看"
    COVERAGE = "coverage", "走访覆盖"
    PHASE = "phase", "阶段切换"
    OTHER = "other", "其他"


class ChannelSettings(models.Model):
    """One row: which external channels send messages, and which kinds go by SMS. Edited in the admin."""

    email_enabled = models.BooleanField("发送电子邮件", default=True)
    sms_enabled = models.BooleanField("发送短信", default=True)
    sms_kinds = models.JSONField(
        "短信通知类型", default=list, blank=True, help_text="为空时为：warning、supervision、followup"
    )

    class Meta:
        verbose_name = verbose_name_plural = "通知渠道设置"

    def __str__(self):
        return "通知渠道设置"

    @classmethod
    def load(cls):
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj

    def sms_kind_list(self):
        return self.sms_kinds or ["warning", "supervision", "followup"]


class NotificationQuerySet(ScopedQuerySet):
    rules = {
        # Mark read: the recipient only.
        "read": Rule(also=lambda user: Q(recipient=user)),
    }

    def visible_to(self, user):
        """A message is its recipient's alone: not even an admin reads another person's inbox."""
        if not (user and user.is_authenticated):
            return self.none()
        return self.filter(recipient=user)


class Notification(models.Model):
    """A message to one person. The row is the inbox; external channels get a Delivery each."""

    # Indexed by (recipient, read_at) below. No database constraint: the sweep writes millions of
    # messages in one statement to people it has just read, and a deferred check per row at commit
    # costs more than the insert (the ORM still cascades deletes).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
        db_constraint=False,
    )
    kind = models.CharField("类型", max_length=20, choices=NotificationKind.choices, default=NotificationKind.OTHER)
    # grievance and notice come from rows the same transaction just read or wrote; the ORM still
    # cascades deletes, but the database does not re-check 100,000s of keys at commit. No index on
    # grievance: no page or task selects messages by their entry, and entries are never deleted
    # (the admin refuses it); each of the sweep's millions of rows would pay for it.
    grievance = models.ForeignKey(
        "grievances.Grievance",
        verbose_name="问题",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_constraint=False,
        db_index=False,
    )
    notice = models.ForeignKey(
        "grievances.NoticeLog",
        verbose_name="期限通知",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_constraint=False,
        db_index=False,  # the unique (notice, recipient) index leads with it
    )
    # The sweep that wrote it (shown in the admin). Not indexed: a sweep's delivery task finds its
    # messages through their notices (`notice__sweep`, the notices' (sweep, kind) index and the
    # (notice, recipient) index below), which costs the sweep's insert of each message nothing.
    sweep = models.ForeignKey(
        "grievances.SweepRun",
        verbose_name="扫描",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    title = models.CharField("标题", max_length=200)
    # Empty on the deadline sweep's messages: their text is their entry's (see `text`), and the
    # sweep writes millions of rows in one statement, whose size is most of its cost.
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        db_table = "grievances_notification"
        verbose_name = verbose_name_plural = "消息通知"
        ordering = ["-created_at", "-id"]
        constraints = [
            # One message per person per deadline notice, however many roles they hold.
            models.UniqueConstraint(
                fields=["notice", "recipient"], condition=Q(notice__isnull=False), name="notification_once_per_notice"
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_inbox_idx")]

    def __str__(self):
        return self.title

    @property
    def is_read(self):
        return self.read_at is not None

    @property
    def text(self):
        """The message's text: its body, or for a deadline notice its entry's number and the start
        of its content. Shown in the inbox and the API and sent by e-mail."""
        if self.body or self.notice_id is None or self.grievance_id is None:
            return self.body
        return f"问题 #{self.grievance_id}：{self.grievance.content[:NOTICE_TEXT_CHARS]}"


class Channel(models.TextChoices):
    INBOX = "inbox", "站内消息"
    EMAIL = "email", "电子邮件"
    SMS = "sms", "短信"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    RETRYING = "retrying", "重试中"
    FAILED = "failed", "发送失败"


class DeliveryQuerySet(ScopedQuerySet):
    """Sending is the worker's; an admin watches the deliveries to the people they manage."""

    def visible_to(self, user):
        return self.filter(notification__recipient__in=User.objects.actionable_by(user, "watch").values("pk"))


class Delivery(models.Model):
    """Sending one notification through one external channel; retried with backoff on failure."""

    # Indexed by the unique (notification, channel) below, which leads with it.
    notification = models.ForeignKey(
        Notification, verbose_name="通知", on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    status = models.CharField("状态", max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    last_error = models.TextField("最近错误", blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    # Marked "sending" with its key before the channel is called: a worker that dies between the
    # channel's answer and this row's update leaves it so, and the task sends it again only once
    # the mark is stale, with the same key (see services.send_pending).
    claimed_at = models.DateTimeField("开始发送时间", null=True, blank=True)
    # What the channel answered for the key (a gateway's message id, the e-mail's Message-ID).
    message_id = models.CharField("渠道消息编号", max_length=200, blank=True, default="", db_default="")

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        db_table = "grievances_delivery"
        verbose_name = verbose_name_plural = "通知发送"
        constraints = [models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel")]
        indexes = [models.Index(fields=["channel", "status"], name="delivery_channel_status_idx")]

    def __str__(self):
        return f"{self.get_channel_display()} {self.get_status_display()}"

    @property
    def idempotency_key(self) -> str:
        """Handed to the channel with every attempt: a provider that takes one sends it once."""
        return f"zoufang-delivery-{self.pk}"
