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
