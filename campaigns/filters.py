"""Reading a query string, one way for every list, page and endpoint.

A list declares a django-filter `FilterSet` of the filters below: the API runs it through
`DjangoFilterBackend` (drf-spectacular documents its parameters from it), the page renders the same
FilterSet's form. Other query strings are read by a form of these fields, or, for one value a page
may ignore when it is bad, by `query_id()` / `query_flag()`, which parse exactly as the fields do.
"""

import django_filters
from django import forms
from django_filters.widgets import BaseCSVWidget

from .api_base import MAX_ID

TRUE = frozenset({"1", "true", "yes", "on", "是"})
FALSE = frozenset({"0", "false", "no", "off", "否"})
CHOICE_ERRORS = {"invalid_choice": "“%(value)s”不是可选的值"}


def parse_id(value):
    """The whole number a query-string value spells (ASCII digits only), or None.

    A number longer than any key comes back as MAX_ID + 1: it names no row (and converting
    thousands of digits would fail)."""
    value = "" if value is None else str(value).strip()
    if not (value.isascii() and value.isdigit()):
        return None
    return int(value) if len(value) <= len(str(MAX_ID)) else MAX_ID + 1


def parse_flag(value):
    """True or False from a query string (checkboxes send "1" or "on", scripts "true"), or None."""
    value = "" if value is None else str(value).strip().lower()
    return True if value in TRUE else False if value in FALSE else None


def query_id(data, key):
    """The id under `key` of a query string, or None when it is blank, not a number, or beyond any
    database key (it could name no row, and would overflow the query)."""
    pk = parse_id(data.get(key))
    return pk if pk is not None and pk <= MAX_ID else None


def query_flag(data, key):
    """Whether the flag under `key` of a query string is set."""
    return parse_flag(data.get(key)) is True


# --- form fields and widgets -------------------------------------------------------------------


class IdField(forms.Field):
    """An id from a query string: blank is None, anything but a whole number is refused.

    With `max_value=MAX_ID` a number beyond any key is refused too; without, it is left to the
    filter, which lets it name nothing (like a missing id)."""

    widget = forms.TextInput
    default_error_messages = {"invalid": "应为正整数"}

    def __init__(self, *, max_value=None, **kwargs):
        self.max_value = max_value
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values or not str(value).strip():
            return None
        pk = parse_id(value)
        if pk is None or (self.max_value is not None and pk > self.max_value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return pk


class FlagCheckbox(forms.CheckboxInput):
    """A checkbox that sends "1" and hands the field what the query string says, for it to judge
    (Django's own reads any text as checked)."""

    def __init__(self, attrs=None):
        super().__init__(attrs, check_test=lambda value: parse_flag(value) is True)

    def format_value(self, value):
        return "1"

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class FlagField(forms.Field):
    """Yes or no from a query string (`parse_flag`): blank is None, anything else is refused."""

    widget = FlagCheckbox
    default_error_messages = {"invalid": "应为 1（是）或 0（否）"}

    def to_python(self, value):
        if value in self.empty_values or not str(value).strip():
            return None
        flag = parse_flag(value)
        if flag is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return flag


class FilterForm(forms.Form):
    """The form of a FilterSet on a page (its `Meta.form`). Help texts describe the API's parameters
    (drf-spectacular reads them from the filters); a page does not show them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.help_text = ""


class CSVSelect(BaseCSVWidget, forms.Select):
    """One value picked on a page, several comma-separated in a query string (`a,b`: shown as text
    so that they survive the next submit)."""

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        return value if value is None else [v.strip() for v in value]


# --- filters -----------------------------------------------------------------------------------


class PickerMixin:
    """On a page the filter is a select of the rows the FilterSet's `picker` attribute holds, read
    when the page renders it (never for an API request)."""

    def __init__(self, *args, picker=None, picker_value="pk", picker_label="name", empty_label="全部", **kwargs):
        self.picker = picker
        self.picker_value = picker_value
        self.picker_label = picker_label
        self.picker_empty = empty_label
        super().__init__(*args, **kwargs)

    def picker_rows(self):
        return getattr(self.parent, self.picker)

    def _picker_choices(self):
        rows = ((getattr(r, self.picker_value), getattr(r, self.picker_label)) for r in self.picker_rows())
        return [("", self.picker_empty), *rows]

    @property
    def field(self):
        if self.picker and not hasattr(self, "_field"):
            attrs = getattr(self.extra.get("widget"), "attrs", None)
            self.extra["widget"] = forms.Select(attrs=attrs, choices=self._picker_choices)
        return super().field


class PickerCharFilter(PickerMixin, django_filters.CharFilter):
    pass


class IdFilter(django_filters.NumberFilter):
    """A list filter by id (`?campaign=3`), parsed by `IdField`."""

    field_class = IdField

    def get_max_validator(self):
        return None  # IdField bounds the number itself


class ScopedIdFilter(PickerMixin, IdFilter):
    """A list filter by id (`?unit=3`) through the user's scope: an id the user cannot see filters
    to nothing, exactly like a missing one (and so does a number beyond any key).

    `queryset` is declared unscoped (`GrievanceCategory.objects.all()`) and narrowed to
    `visible_to(user)`, or is a callable taking the FilterSet and giving the rows an id may name.
    `lookup(qs, rows)` narrows the list by the (at most one) row named; by default
    `field_name__in=rows`: a subquery, not one more query.
    """

    def __init__(self, queryset, *args, lookup=None, **kwargs):
        self.queryset = queryset
        self.lookup = lookup
        super().__init__(*args, **kwargs)

    def allowed(self):
        if callable(self.queryset):
            return self.queryset(self.parent)
        return self.queryset.visible_to(self.parent.request.user)

    def filter(self, qs, value):
        if value is None:
            return qs
        if not 0 < value <= MAX_ID:
            return qs.none()
        rows = self.allowed().filter(pk=value)
        if self.lookup is not None:
            return self.lookup(qs, rows)
        return qs.filter(**{f"{self.field_name}__in": rows})


class FlagFilter(django_filters.BooleanFilter):
    """A flag (`?overdue=1`, a checkbox on the page): set, it narrows the list through the
    FilterSet's method named `narrow`; off or absent, it filters nothing."""

    field_class = FlagField

    def __init__(self, *args, narrow, **kwargs):
        self.narrow = narrow
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return getattr(self.parent, self.narrow)(qs) if value else qs


class YesNoFilter(django_filters.BooleanFilter):
    """Yes, no or either (`?visited=1`, `0`, blank), parsed like a flag."""

    field_class = FlagField


class ChoiceInFilter(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    """Values of one choice set, comma-separated (`?status=registered,reviewed`); a select on a page."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", CSVSelect)
        kwargs.setdefault("empty_label", "全部")
        kwargs.setdefault("error_messages", CHOICE_ERRORS)
        super().__init__(*args, **kwargs)
