"""Password rule of 等保 2.0 level 3 (at least three kinds of character) and the phone number rule
every app applies to the phones people give."""

import re
import string

from django.core.exceptions import ValidationError


class CharacterClassValidator:
    def __init__(self, min_classes=3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        kinds = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(c in string.punctuation or c == " " for c in password),
        ]
        if sum(kinds) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        return f"密码须包含大写字母、小写字母、数字、特殊符号中的至少{self.min_classes}种。"


# Mobile numbers (1[3-9] + 9 digits) or landlines with area code (010-12345678, 0531-1234567):
# neither the area code after its leading 0 nor the local number starts with 0 ("00000000000").
_PHONE_RE = re.compile(r"^(?:1[3-9]\d{9}|0[1-9]\d{1,2}-?[1-9]\d{6,7})$", re.ASCII)
# Full-width digits (０-９, Ｘ) pasted from a document: refused with a message saying so, like
# every other character outside ASCII; only the case of the final X is normalised (GB 11643 has
# X, people type x).
FULL_WIDTH = re.compile(r"[\uff10-\uff19\uff38\uff58]")
FULL_WIDTH_MESSAGE = "请使用半角数字（不要使用全角字符）"


def phone_error(value: str) -> str | None:
    if FULL_WIDTH.search(value):
        return f"联系电话{FULL_WIDTH_MESSAGE}"
    if not _PHONE_RE.match(value):
        return "联系电话格式不正确（应为11位手机号或带区号的固定电话）"
    return None


# What a unit's name (街道、社区、网格、部门) never holds and what would let it reach beyond text in
# a PDF, a stylesheet or a spreadsheet: control and invisible formatting characters (a newline, a
# NUL, a right-to-left override, zero-width spaces), markup and style punctuation, and URL or CSS
# constructs. Chinese names use full-width （）、“” and are unaffected.
_NAME_FORBIDDEN = re.compile(r"[<>{}\\\"'`;]|url\s*\(|expression\s*\(|@import|://", re.IGNORECASE)
NAME_FORMULA_PREFIXES = ("=", "+", "-", "@")


def validate_unit_name(value: str) -> None:
    import unicodedata

    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in value):
        raise ValidationError("名称不能包含换行、制表符或不可见字符", code="name_control")
    if _NAME_FORBIDDEN.search(value):
        raise ValidationError("名称不能包含 < > { } \\ \" ' ` ; 或网址、样式代码", code="name_markup")
    if value.strip().startswith(NAME_FORMULA_PREFIXES):
        raise ValidationError("名称不能以 = + - @ 开头", code="name_formula")
