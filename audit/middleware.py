from . import context


class AuditContextMiddleware:
    """Binds the request to what it writes, for the audit records' actor and client address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = context.bind(request)
        try:
            return self.get_response(request)
        finally:
            context.unbind(token)
