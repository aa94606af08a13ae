"""Masked personal data for people who may not read it in full: a household's ID number and phone
in lists, a reporter's phone in an exported ledger. Who may read what in full is the caller's rule."""


def mask_id_number(value: str) -> str:
    """110105********1234: region code and last four stay readable."""
    if not value:
        return value
    if len(value) <= 10:
        return value[:2] + "*" * (len(value) - 2)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """138****5678."""
    if not value:
        return value
    if len(value) <= 7:
        return value[:1] + "*" * (len(value) - 1)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_personal(value: str) -> str:
    """An ID number or a phone, masked as lists show it (the audit trail's masking of both)."""
    value = str(value or "")
    if len(value) >= 15 and value[:6].isdigit():
        return mask_id_number(value)
    return mask_phone(value)
