"""Personal data at rest: AES-GCM encrypted columns and the keyed hash (HMAC) beside them.

`EncryptedCharField` stores `v1:<key id>:<base64(nonce | ciphertext | tag)>` and gives the plain
text back on read, so code that shows or masks a value never sees the ciphertext. A random nonce
makes every stored value different, so nothing can be looked up by it: exact-match lookups,
duplicate detection and the roster's match key use `hmac_of(value)` in a column beside it.

Keys come from settings.DATA_KEYS (env `ZOUFANG_DATA_KEYS`, a comma-separated list of base64
32-byte keys): values are encrypted with the first and decrypted with whichever one they name,
so a new key goes first and `manage.py rotate_data_keys` re-encrypts every row with it.
The key id is the first 8 hex digits of the key's SHA-256, not the key's place in the list.
"""

import base64
import binascii
import functools
import hashlib
import hmac
import os
from collections.abc import Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.lookups import Exact

PREFIX = "v1:"


@functools.cache
def _keys() -> tuple[tuple[str, AESGCM], ...]:
    keys = []
    for text in settings.DATA_KEYS:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
        if len(raw) != 32:
            raise ImproperlyConfigured("ZOUFANG_DATA_KEYS: every key is 32 bytes, base64-encoded")
        keys.append((hashlib.sha256(raw).hexdigest()[:8], AESGCM(raw)))
    if not keys:
        raise ImproperlyConfigured("ZOUFANG_DATA_KEYS is empty")
    return tuple(keys)


@functools.cache
def _hmac_key() -> bytes:
    return settings.DATA_HMAC_KEY.encode()


@functools.cache
def _hmac_base():
    """An HMAC keyed once: each value's hash starts from a copy of it, which skips the key
    padding and the two hash set-ups hmac.new() repeats for every value."""
    return hmac.new(_hmac_key(), digestmod=hashlib.sha256)


def reset_keys() -> None:
    """Forget the cached keys (after settings change: tests, rotation)."""
    _keys.cache_clear()
    _hmac_key.cache_clear()
    _hmac_base.cache_clear()


def encrypt(value: str) -> str:
    """The stored form of `value` ("" stays "": a blank field is not personal data)."""
    if not value:
        return ""
    kid, aead = _keys()[0]
    nonce = os.urandom(12)
    blob = nonce + aead.encrypt(nonce, value.encode(), kid.encode())
    return f"{PREFIX}{kid}:{base64.b64encode(blob).decode()}"


def encrypt_many(values: Sequence[str]) -> list[str]:
    """`encrypt` for many values at once (a roster's rows): one cipher object, the nonces from
    one read of the system's random source, the per-value work in one local loop."""
    if not values:
        return []
    kid, aead = _keys()[0]
    prefix, aad = f"{PREFIX}{kid}:", kid.encode()
    seal, b64 = aead.encrypt, binascii.b2a_base64
    nonces = os.urandom(12 * len(values))
    out = []
    append = out.append
    for i, value in enumerate(values):
        if value:
            nonce = nonces[12 * i : 12 * i + 12]
            append(prefix + b64(nonce + seal(nonce, value.encode(), aad), newline=False).decode("ascii"))
        else:
            append("")
    return out


def decrypt(stored: str) -> str:
    """The plain text of a stored value; a value not (yet) encrypted is returned as it is."""
    if not stored or not stored.startswith(PREFIX):
        return stored or ""
    kid, _, b64 = stored[len(PREFIX) :].partition(":")
    for key_id, aead in _keys():
        if key_id == kid:
            blob = base64.b64decode(b64)
            return aead.decrypt(blob[:12], blob[12:], kid.encode()).decode()
    raise ImproperlyConfigured(f"no key {kid} in ZOUFANG_DATA_KEYS to decrypt a stored value")


def needs_rotation(stored: str) -> bool:
    """Is `stored` in clear or under a key other than the first?"""
    if not stored:
        return False
    return not stored.startswith(f"{PREFIX}{_keys()[0][0]}:")


def hmac_of(value: str) -> str:
    """The keyed hash of a value for exact-match lookups ("" for a blank value)."""
    if not value:
        return ""
    h = _hmac_base().copy()
    h.update(value.encode())
    return h.hexdigest()


class EncryptedCharField(models.CharField):
    """A CharField stored AES-GCM encrypted. `max_length` is the plain text's, as forms and
    serializers check it; the column is wide enough for the ciphertext. `hmac_field` names the
    column that save() (and bulk_create) fill with the value's HMAC; bulk_update must set it."""

    def __init__(self, *args, hmac_field: str = "", **kwargs):
        self.hmac_field = hmac_field
        self.plain_length = kwargs.get("max_length") or 100
        kwargs["max_length"] = self.plain_length
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.hmac_field:
            kwargs["hmac_field"] = self.hmac_field
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        if self.hmac_field:
            setattr(model_instance, self.hmac_field, hmac_of(decrypt(value)))
        return value

    def db_type(self, connection):
        return models.CharField(max_length=self.column_length).db_type(connection)

    def cast_db_type(self, connection):
        return self.db_type(connection)

    @property
    def column_length(self) -> int:
        # v1: + 8-hex key id + ":" + base64 of 12 + 16 + 4 * plain bytes.
        return len(PREFIX) + 9 + 4 * ((28 + 4 * self.plain_length + 2) // 3)

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value

    def value_to_string(self, obj):
        # Serialized (dumpdata, fixtures) as stored: a dump is no copy of the data in clear.
        return encrypt(self.value_from_object(obj) or "")

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value and not value.startswith(PREFIX):
            return encrypt(value)
        return value

    def get_lookup(self, lookup_name):
        if lookup_name not in ("exact", "isnull"):
            raise TypeError(f"{self.name} is encrypted: look it up through its HMAC column")
        return super().get_lookup(lookup_name)


@EncryptedCharField.register_lookup
class _BlankExact(Exact):
    """`field=""` still works (is it blank?); any other value would never match a random nonce."""

    lookup_name = "exact"

    def get_prep_lookup(self):
        if self.rhs not in ("", None):
            raise TypeError(f"{self.lhs.target.name} is encrypted: look it up through its HMAC column")
        return super().get_prep_lookup()


def reencrypt(model, batch: int = 2000, extra=None) -> int:
    """Write every row's encrypted fields again under the first key, with their HMACs: encrypts
    rows stored in clear (data migrations) and re-encrypts under a new key (rotate_data_keys).
    `extra(obj)` may change more fields, returning their names. Returns the rows rewritten."""
    fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedCharField)]
    names = [f.attname for f in fields]
    todo = model._base_manager.only("pk", *names).order_by("pk")
    done = 0
    last = 0
    while True:
        objs = list(todo.filter(pk__gt=last)[:batch])
        if not objs:
            return done
        last = objs[-1].pk
        more = set()
        for obj in objs:
            for f in fields:
                if f.hmac_field:
                    setattr(obj, f.hmac_field, hmac_of(getattr(obj, f.attname) or ""))
            if extra:
                more |= set(extra(obj))
        update = names + [f.hmac_field for f in fields if f.hmac_field] + sorted(more)
        model._base_manager.bulk_update(objs, update, batch_size=500)
        done += len(objs)
