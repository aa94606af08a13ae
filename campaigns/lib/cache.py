"""Cache backends for which the cache is an optimisation: an unreachable Redis (or a full disk
under the file cache) makes every read a miss and every write a no-op, so the caller falls back to
the database. The first failure is logged, then one line per minute at most while it lasts."""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger(__name__)

LOG_EVERY_SECONDS = 60


def _cache_errors() -> tuple[type[BaseException], ...]:
    from redis.exceptions import RedisError

    return (RedisError, OSError, EOFError)


class ForgivingCacheMixin:
    """get → default, set/add/delete/touch → False, incr → ValueError (as for a missing key) while
    the cache is away."""

    _last_logged = 0.0

    def _failed(self, operation: str, exc: BaseException) -> None:
        now = time.monotonic()
        if now - ForgivingCacheMixin._last_logged >= LOG_EVERY_SECONDS:
            ForgivingCacheMixin._last_logged = now
            log.warning("cache unavailable (%s: %s); reading from the database", operation, type(exc).__name__)

    def _guard(self, operation, fallback, *args, **kwargs):
        try:
            return getattr(super(), operation)(*args, **kwargs)
        except _cache_errors() as exc:
            self._failed(operation, exc)
            if isinstance(fallback, BaseException):
                raise fallback from exc
            return fallback

    def get(self, key, default=None, version=None):
        return self._guard("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._guard("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._guard("has_key", False, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):  # noqa: A003
        return self._guard("set", None, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("add", False, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("set_many", list(data), data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._guard("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._guard("delete_many", None, keys, version)

    def incr(self, key, delta=1, version=None):
        return self._guard("incr", ValueError(f"cache unavailable: {key}"), key, delta, version)

    def clear(self):
        return self._guard("clear", False)


class ForgivingRedisCache(ForgivingCacheMixin, RedisCache):
    pass


class ForgivingFileBasedCache(ForgivingCacheMixin, FileBasedCache):
    pass
