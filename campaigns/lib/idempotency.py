"""Creates a phone or browser may retry name themselves with a `client_id` (a UUID the client makes
when it shows the form): the same key again answers the first object and writes nothing.

A model taking part has a unique, nullable `client_id` and a `replayed = False` class attribute;
`owner` names the foreign key to the user who made the object: the key of someone else's object is
a 409, so a key never opens another person's record."""

import uuid
from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, models, transaction

from campaigns.errors import Conflict

M = TypeVar("M", bound=models.Model)


def first_for_key(queryset: "models.QuerySet[M]", client_id: uuid.UUID, actor, *, owner: str) -> M | None:
    """The object created under `client_id` (its `replayed` set), or None; someone else's: Conflict."""
    first = queryset.filter(client_id=client_id).first()
    if first is None:
        return None
    if actor is None or getattr(first, f"{owner}_id") != actor.pk:
        raise Conflict("该提交编号已被使用", code="client_id_taken")
    first.replayed = True
    return first


def create_once(
    queryset: "models.QuerySet[M]", client_id: uuid.UUID | None, actor, create: Callable[[], M], *, owner: str
) -> M:
    """`create()` (which stores `client_id` on what it makes), unless that key made an object
    already: then that object. Two submits of one key at once: the unique key decides."""
    if client_id is None:
        return create()
    first = first_for_key(queryset, client_id, actor, owner=owner)
    if first is not None:
        return first
    try:
        with transaction.atomic():
            return create()
    except IntegrityError:
        first = first_for_key(queryset, client_id, actor, owner=owner)
        if first is None:
            raise
        return first
