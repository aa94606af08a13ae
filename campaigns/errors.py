"""Domain errors: a stable code and a Chinese message; one API handler renders them all."""


class DomainError(Exception):
    code = "domain_error"
    message = "操作无法完成"
    status = 400

    def __init__(self, message=None, *, code=None, status=None, fields=None):
        self.message = message or self.message
        self.code = code or self.code
        self.status = status or self.status
        self.fields = fields or {}
        super().__init__(self.message)


class Conflict(DomainError):
    code = "conflict"
    message = "数据已被他人修改，请刷新后重试"
    status = 409


class NotAllowed(DomainError):
    code = "not_allowed"
    message = "您没有执行此操作的权限"
    status = 403


class InvalidInput(DomainError):
    code = "invalid"
    message = "输入有误"
    status = 400


class Unavailable(DomainError):
    """The database, the broker or the file store cannot be reached: nothing the user did wrong,
    try again shortly."""

    code = "unavailable"
    message = "系统繁忙，请稍后重试"
    status = 503


class FileMissing(DomainError):
    """A row names a file the store no longer has (cleaned up, lost with a disk, not restored)."""

    code = "file_missing"
    message = "文件不存在或已被清理，请重新生成或联系管理员"
    status = 404


RETRY_AFTER_SECONDS = 30


def user_message(exc: BaseException, fallback: str = "系统错误，请稍后重试") -> str:
    """What a user may read of an exception: a domain error's message, never a driver's text or a
    server path (an OSError names the file)."""
    if isinstance(exc, DomainError):
        return exc.message
    if is_infrastructure_error(exc):
        return Unavailable.message
    return fallback


def infrastructure_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean a piece of infrastructure is away rather than a bug: a lost or
    refused database connection, the broker, the file store (disk full, read-only, gone)."""
    from django.db import InterfaceError, OperationalError
    from kombu.exceptions import KombuError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (OperationalError, InterfaceError, KombuError, RedisConnectionError, RedisTimeoutError, OSError)


def is_infrastructure_error(exc: BaseException) -> bool:
    """A missing file is not one: the store answered, the file is gone (FileMissing, a 404)."""
    return isinstance(exc, infrastructure_errors()) and not isinstance(exc, FileNotFoundError)
