"""Conventions every API endpoint follows: scoped querysets and ids, error bodies."""

import logging
from typing import ClassVar

import django_filters
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.relations import MANY_RELATION_KWARGS
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from .access import can, holds
from .errors import RETRY_AFTER_SECONDS, DomainError, FileMissing, Unavailable, is_infrastructure_error
from .throttling import throttled_message

log = logging.getLogger(__name__)

MAX_ID = 2**63 - 1  # the largest database key: a bigger number cannot name a row and would overflow a query

_CODES = {
    400: ("invalid", "输入有误"),
    401: ("not_authenticated", "请先登录"),
    403: ("permission_denied", "您没有执行此操作的权限"),
    404: ("not_found", "未找到"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "数据已被他人修改，请刷新后重试"),
    429: ("throttled", "请求过于频繁，请稍后再试"),
}


def exception_handler(exc, context):
    """Every error body is {"code", "detail"} (+ "errors" per field for bad input). A database,
    broker or storage failure is a 503 with Retry-After, never a path or a driver's message."""
    if isinstance(exc, FileNotFoundError):
        exc = FileMissing()
    elif is_infrastructure_error(exc):
        log.error("infrastructure unavailable: %s", type(exc).__name__, exc_info=exc)
        set_rollback()
        exc = Unavailable()
    if isinstance(exc, DomainError):
        body = {"code": exc.code, "detail": exc.message}
        if exc.fields:
            body["errors"] = exc.fields
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if exc.status == 503 else None
        return Response(body, status=exc.status, headers=headers)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.Throttled):
        response.data = {"code": "throttled", "detail": throttled_message(exc.wait)}
        return response
    code, default = _CODES.get(response.status_code, ("error", "请求失败"))
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        first = _first_message(errors)
        response.data = {"code": code, "detail": first or default, "errors": errors}
    else:
        detail = data.get("detail", default) if isinstance(data, dict) else default
        if response.status_code == 404:
            detail = default  # never say why: outside the scope looks the same as missing
        response.data = {"code": getattr(getattr(exc, "detail", None), "code", code) or code, "detail": str(detail)}
        if response.status_code == 404:
            response.data["code"] = "not_found"
    return response


def _first_message(errors):
    if isinstance(errors, dict):
        for key, value in errors.items():
            msg = _first_message(value)
            if msg:
                return msg if key == "non_field_errors" else f"{key}：{msg}"
    elif isinstance(errors, list):
        for value in errors:
            msg = _first_message(value)
            if msg:
                return msg
    elif errors:
        return str(errors)
    return ""


class ScopedViewSetMixin:
    """Scope a viewset by construction: declare `queryset = Model.objects.all()`, and every list,
    detail and write starts from `visible_to(request.user)` (outside it is a 404).

    `object_actions` maps a viewset action to the model's access rule that the object must grant
    (`{"partial_update": "edit", "confirm": "confirm"}`): visible but not granted is a 403.
    Schema generation runs as an anonymous user, for whom `visible_to` is empty: no guard needed.
    """

    object_actions: ClassVar[dict[str, str]] = {}

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    def get_object(self):
        obj = super().get_object()
        rule = self.object_actions.get(self.action)
        if rule is not None and not can(self.request.user, rule, obj):
            raise exceptions.PermissionDenied()
        return obj


class ReplayCreateMixin:
    """A create whose `client_id` made an object already (the service set its `replayed`, see
    campaigns.lib.idempotency) answers that object with 200 instead of 201."""

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        replayed = getattr(serializer.instance, "replayed", False)
        code = status.HTTP_200_OK if replayed else status.HTTP_201_CREATED
        return Response(serializer.data, status=code, headers=self.get_success_headers(serializer.data))


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedGenericViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    pass


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    pass


class ClientIdField(serializers.UUIDField):
    """The key a client makes for a write it may send twice (a phone's queue, a retry after a
    timeout): the same key again answers the first object (campaigns.lib.idempotency)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("help_text", "客户端生成的提交编号（UUID）：同一编号再次提交时返回第一次的结果，不重复创建")
        super().__init__(**kwargs)


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """An id in a request body, resolved through the acting user's scope.

    `queryset` is declared unscoped (`Model.objects.all()`); the field narrows it to
    `visible_to(user)`, or to `actionable_by(user, action)` when `action` is given. An id outside
    that answers exactly like a missing one: 400 with the field's Chinese message.
    """

    default_error_messages = {
        "required": "此项为必填项",
        "null": "此项不能为空",
        "does_not_exist": "所选对象不存在或不在您的管辖范围内",
        "incorrect_type": "应为数字编号",
    }

    def __init__(self, *, action: str | None = None, allowed: tuple[str, ...] = (), **kwargs):
        self.access_action = action
        # Rules the view will ask `campaigns.access.allowed()` about: read with the row.
        self.access_allowed = allowed
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            raise ImproperlyConfigured(f"{type(self.parent).__name__} needs the request in its context")
        qs = super().get_queryset()
        if self.access_action:
            return qs.actionable_by(request.user, self.access_action)
        if self.access_allowed:
            return qs.with_allowed(request.user, *self.access_allowed)
        return qs.visible_to(request.user)

    @classmethod
    def many_init(cls, *args, max_length=None, **kwargs):
        list_kwargs = {key: kwargs[key] for key in kwargs if key in MANY_RELATION_KWARGS}
        return ScopedManyRelatedField(child_relation=cls(*args, **kwargs), max_length=max_length, **list_kwargs)

    def to_pk(self, data):
        """The database key `data` names, or the field's Chinese error."""
        if isinstance(data, bool):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            pk = int(data)
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 0 < pk <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return pk

    def to_internal_value(self, data):
        return super().to_internal_value(self.to_pk(data))


class ScopedManyRelatedField(serializers.ManyRelatedField):
    """A list of ids (`ScopedRelatedField(many=True, ...)`), resolved in one query through the same
    scope: one id outside it refuses the whole list, with the field's Chinese message."""

    default_error_messages = {
        "not_a_list": "应为编号列表",
        "empty": "请至少选择一项",
        "max_length": "一次最多 {max_length} 项",
    }

    def __init__(self, *args, max_length=None, **kwargs):
        self.max_length = max_length
        super().__init__(*args, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str | dict) or not hasattr(data, "__iter__"):
            self.fail("not_a_list", input_type=type(data).__name__)
        data = list(data)
        if not self.allow_empty and not data:
            self.fail("empty")
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        child = self.child_relation
        pks = [child.to_pk(item) for item in data]
        found = child.get_queryset().in_bulk(set(pks))
        for pk in pks:
            if pk not in found:
                child.fail("does_not_exist", pk_value=pk)
        return [found[pk] for pk in pks]


class HoldsRule(permissions.BasePermission):
    """Only users holding a role of the view's `required_rule` (model, action) somewhere: an endpoint
    listing what a rule grants answers 403 to someone it never grants anything, like its page."""

    def has_permission(self, request, view):
        model, action = view.required_rule
        return holds(request.user, model, action)


class ScopedModelChoiceFilter(django_filters.ModelChoiceFilter):
    """A list filter by id (`?campaign=3`), through the user's scope like `ScopedRelatedField`: an id
    outside it is refused exactly like a missing one, never "valid but no rows"."""

    def __init__(self, *args, action: str | None = None, **kwargs):
        self.access_action = action
        kwargs.setdefault("error_messages", {"invalid_choice": "所选对象不存在或不在您的管辖范围内"})
        super().__init__(*args, **kwargs)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        user = getattr(request, "user", None)
        if user is None:
            return qs.none()
        return qs.actionable_by(user, self.access_action) if self.access_action else qs.visible_to(user)
