"""The audit trail: one append-only, hash-chained table.

Each record carries the hash of the record before it (`prev_hash`) and its own (`hash`, an
HMAC-SHA256 over its content and `prev_hash` under `ZOUFANG_SECURITY["AUDIT_KEY"]`), so a record
changed, removed or slipped in breaks the chain at that point (`services.verify`). Nothing in the
application updates or deletes a record: the model and its queryset refuse, and on PostgreSQL a
trigger makes the database refuse UPDATE and DELETE whoever asks.
"""

import pgtrigger
from django.core.exceptions import PermissionDenied
from django.db import models

from campaigns.access import Rule, ScopedQuerySet, scope
from campaigns.choices import Role


class Event(models.TextChoices):
    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOGOUT = "logout", "退出"
    TOKEN_LOGIN = "token_login", "令牌登录"
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"
    ACCESS = "access", "访问"
    REVEAL = "reveal", "查看完整个人信息"
    EXPORT = "export", "导出"
    DOWNLOAD = "download", "下载报告"
    CONFIG = "config", "配置变更"
    SECURITY = "security", "安全事件"
    ARCHIVE = "archive", "审计归档"


class AppendOnly(PermissionDenied):
    """Audit records are never changed or deleted."""


class RecordQuerySet(ScopedQuerySet):
    # Reading is the audit administrators'; nobody has a write rule.
    rules = {"read": Rule((Role.AUDITOR,), label="查阅、检索、导出审计记录")}

    def visible_to(self, user):
        """The audit administrators' (and the installation superuser's) to read, nobody else's."""
        s = scope(user)
        return self if s.is_authenticated and s.has_role(Role.AUDITOR) else self.none()

    def update(self, **kwargs):
        raise AppendOnly("审计记录不可修改")

    def delete(self):
        raise AppendOnly("审计记录不可删除")

    def bulk_create(self, *args, **kwargs):
        raise AppendOnly("审计记录只能逐条追加（audit.services.record）")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnly("审计记录不可修改")


class Record(models.Model):
    at = models.DateTimeField("时间", db_index=True)
    event = models.CharField("事件", max_length=20, choices=Event.choices, db_index=True)
    # Plain values, not foreign keys: deleting a person must neither cascade into the trail nor
    # rewrite it (SET_NULL would be an UPDATE).
    actor_id = models.BigIntegerField("操作人ID", null=True, blank=True, db_index=True)
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    remote_addr = models.GenericIPAddressField("客户端地址", null=True, blank=True)
    object_type = models.CharField("对象类型", max_length=100, blank=True, db_index=True)
    object_id = models.CharField("对象ID", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    data = models.JSONField("附加信息", default=dict, blank=True)
    prev_hash = models.CharField("前一条哈希", max_length=64)
    hash = models.CharField("本条哈希", max_length=64, unique=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "审计记录"
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_record_object")]
        triggers = [
            pgtrigger.Protect(name="audit_record_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_event_display()} {self.actor_name}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("审计记录不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("审计记录不可删除")
