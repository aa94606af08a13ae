"""Writing to the audit chain and checking it."""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from campaigns.lib.masking import mask_id_number, mask_phone

from . import context
from .models import Record

GENESIS = "0" * 64
# pg_advisory_xact_lock key for appending: records are chained one at a time.
_LOCK_KEY = 0x5A460001


def _jsonable(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


_PHONE_WORDS = ("phone", "mobile", "tel")
_ID_WORDS = ("id_number", "id_card", "idcard")


def mask_value(key: str, value):
    """Personal data in a record's changes, masked as lists show it."""
    k = key.lower()
    if isinstance(value, list):
        return [mask_value(key, v) for v in value]
    if not isinstance(value, str) or not value or value == "None":
        return value
    if any(w in k for w in _ID_WORDS):
        return mask_id_number(value)
    if any(w in k for w in _PHONE_WORDS):
        return mask_phone(value)
    return value


def mask_changes(changes: dict) -> dict:
    return {k: mask_value(k, v) for k, v in (changes or {}).items()}


def content_hash(fields: dict, prev_hash: str) -> str:
    body = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    key = settings.ZOUFANG_SECURITY["AUDIT_KEY"].encode()
    return hmac.new(key, f"{prev_hash}\n{body}".encode(), hashlib.sha256).hexdigest()


def _fields(r: Record) -> dict:
    return {
        "at": r.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "event": r.event,
        "actor_id": r.actor_id,
        "actor_name": r.actor_name,
        "remote_addr": r.remote_addr,
        "object_type": r.object_type,
        "object_id": r.object_id,
        "object_repr": r.object_repr,
        "changes": r.changes,
        "data": r.data,
    }


def record(
    event: str,
    *,
    actor=None,
    obj=None,
    object_type: str = "",
    object_id="",
    object_repr: str = "",
    changes: dict | None = None,
    data: dict | None = None,
    request=None,
    remote_addr: str | None = None,
) -> Record:
    """Append one record to the chain. The actor and client address default to the current
    request's; personal data in `changes` is masked."""
    request = request or context.current_request()
    if actor is None:
        actor = context.current_actor()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
    r = Record(
        at=timezone.now(),
        event=event,
        actor_id=getattr(actor, "pk", None),
        actor_name=(getattr(actor, "get_username", lambda: "")() if actor is not None else "")[:150],
        remote_addr=remote_addr or context.client_ip(request),
        object_type=object_type,
        object_id=str(object_id or "")[:64],
        object_repr=str(object_repr or "")[:200],
        changes=_jsonable(mask_changes(changes or {})),
        data=_jsonable(data or {}),
    )
    # Inside the caller's transaction without a savepoint of its own: a change whose record
    # cannot be written is not committed either.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        # (SQLite: the IMMEDIATE transaction already holds the database's one write lock.)
        last = Record.objects.order_by("-id").values_list("hash", flat=True).first()
        r.prev_hash = last or GENESIS
        r.hash = content_hash(_fields(r), r.prev_hash)
        r.save()
    return r


@dataclass
class Break:
    record_id: int
    reason: str

    def __str__(self):
        return f"审计记录 #{self.record_id}：{self.reason}"


def verify(batch: int = 2000) -> tuple[int, Break | None]:
    """Walk the chain in order: (records checked, the first broken link or None)."""
    prev, checked, last_id = GENESIS, 0, 0
    qs = Record.objects.order_by("id")
    while True:
        rows = list(qs.filter(id__gt=last_id)[:batch])
        if not rows:
            return checked, None
        for r in rows:
            if r.prev_hash != prev:
                return checked, Break(r.pk, "与前一条记录的哈希不符（前一条被删除、插入或修改）")
            if not hmac.compare_digest(content_hash(_fields(r), r.prev_hash), r.hash):
                return checked, Break(r.pk, "内容与其哈希不符（记录被修改）")
            prev, last_id = r.hash, r.pk
            checked += 1
