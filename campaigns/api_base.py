"""Conventions every API endpoint follows: scoped querysets, pagination, error bodies."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, viewsets
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError

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
    """Every error body is {"code", "detail"} (+ "errors" per field for bad input)."""
    if isinstance(exc, DomainError):
        body = {"code": exc.code, "detail": exc.message}
        if exc.fields:
            body["errors"] = exc.fields
        return Response(body, status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
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


class ScopedQuerysetMixin:
    """Every queryset goes through the model's `visible_to(user)`: out of scope is 404."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class ScopedReadOnlyViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedModelViewSet(ScopedQuerysetMixin, viewsets.ModelViewSet):
    pass
