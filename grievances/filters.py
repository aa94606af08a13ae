"""The ledger's filters, declared once: the API list and export run them through DjangoFilterBackend
(the OpenAPI parameters come from here), the ledger pages render their form."""

from datetime import datetime, time, timedelta
from functools import cached_property

import django_filters
from django import forms
from django.db.models import Max, Min, Q

from campaigns import calendar
from campaigns.access import scope
from campaigns.filters import CHOICE_ERRORS, ChoiceInFilter, FilterForm, FlagCheckbox, FlagFilter, ScopedIdFilter
from campaigns.models import Campaign, OrgUnit, Role, User

from . import selectors
from .choices import Kind, Source, Status, Tier
from .models import Grievance, GrievanceCategory, handling_units_for
from .taxonomy import OPINION_GROUPS, in_opinion_group

ORDERING_LABELS = {
    "-registered_at": "登记时间（新→旧）",
    "registered_at": "登记时间（旧→新）",
    "due_at": "办结期限（近→远）",
    "-due_at": "办结期限（远→近）",
    "status": "状态",
    "plan_due_at": "方案期限（近→远）",
    "tier": "层级",
    "id": "编号（小→大）",
    "-id": "编号（大→小）",
}

# What the page offers, the default first: a form submitted untouched keeps the default order.
PAGE_ORDERINGS = ["-registered_at", "registered_at", "due_at", "-due_at", "status"]


class LedgerOrdering(django_filters.OrderingFilter):
    """`?ordering=` one of `selectors.ORDERINGS`, each with its own tie-breakers."""

    def __init__(self, *args, **kwargs):
        kwargs["choices"] = [(key, ORDERING_LABELS.get(key, key)) for key in selectors.ORDERINGS]
        kwargs.setdefault("empty_label", None)
        kwargs.setdefault("error_messages", CHOICE_ERRORS)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        keys = [key for key in value or () if key]
        if not keys:
            return qs  # the ledger's own order: newest first
        return qs.order_by(*(f for key in keys for f in selectors.ORDERINGS[key]))


def _in_category(qs, rows):
    return qs.filter(Q(category__in=rows) | Q(category__parent__in=rows))


def _in_unit(qs, rows):
    unit = rows.only("path").first()
    if unit is None:
        return qs.none()
    return qs.filter(Q(unit__path__startswith=unit.path) | Q(handling_unit__path__startswith=unit.path))


def _in_home_unit(qs, rows):
    # The unit an entry belongs to (its household's or its registration's), as the figures count.
    unit = rows.only("path").first()
    if unit is None:
        return qs.none()
    return qs.filter(unit__path__startswith=unit.path)


class LedgerForm(FilterForm):
    """The filter form of the ledger pages (their ids: `f-q`, `f-status`, …)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "f-%s")
        super().__init__(*args, **kwargs)
        # The page offers the orderings people sort by; the API takes every key.
        self.fields["ordering"].widget.choices = [(k, ORDERING_LABELS[k]) for k in PAGE_ORDERINGS]


class LedgerFilter(django_filters.FilterSet):
    """The ledger's filters on the entries the user may see, deadlines annotated (`selectors.ledger`).

    `queryset` is the scoped start (default: what the user may see; the export passes what they
    may export); `request` gives the user. Labels are the page's, help texts the API's.
    """

    # Declared in the order they narrow the query (the SQL, and the cached count's key, follow it).
    status = ChoiceInFilter(choices=Status.choices, label="状态", help_text="状态（逗号分隔）")
    tier = ChoiceInFilter(choices=Tier.choices, label="层级", help_text="层级（逗号分隔）")
    kind = django_filters.ChoiceFilter(
        choices=Kind.choices, label="类型", help_text="类型", empty_label="全部", error_messages=CHOICE_ERRORS
    )
    source = ChoiceInFilter(choices=Source.choices, label="来源", help_text="来源（逗号分隔）")
    category = ScopedIdFilter(
        GrievanceCategory.objects.all(),
        lookup=_in_category,
        picker="categories",
        label="类别",
        help_text="类别（含下级类别）",
    )
    unit = ScopedIdFilter(
        lambda f: f.reachable_units(),
        lookup=_in_unit,
        picker="units",
        label="单位",
        help_text="所属或责任单位（含下级）",
    )
    campaign = ScopedIdFilter(Campaign.objects.all(), label="走访活动", help_text="走访活动")
    home_unit = ScopedIdFilter(
        lambda f: OrgUnit.objects.visible_to(f.user),
        lookup=_in_home_unit,
        label="所属单位",
        help_text="所属单位（含下级，不含交办给它的；统计数字按此计）",
        widget=forms.HiddenInput,
    )
    registered_from = django_filters.DateFilter(
        method="filter_registered_from",
        label="登记日期起",
        help_text="登记日期起（含当日，北京时间）",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    registered_to = django_filters.DateFilter(
        method="filter_registered_to",
        label="登记日期止",
        help_text="登记日期止（含当日，北京时间）",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    opinion_group = django_filters.ChoiceFilter(
        choices=list(OPINION_GROUPS),
        method="filter_opinion_group",
        label="意见类别",
        help_text="群众意见分类（生产生活困难、诉求、对党委政府、对干部作风）",
        empty_label="全部",
        error_messages=CHOICE_ERRORS,
    )
    figure = django_filters.ChoiceFilter(
        choices=list(selectors.FIGURE_LABELS.items()),
        method="filter_figure",
        label="统计口径",
        help_text="统计数字所计的条目（docs/figures.md），不含已合并、已撤回的",
        empty_label="全部",
        error_messages=CHOICE_ERRORS,
    )
    case_owner = ScopedIdFilter(
        lambda f: f.reachable_leaders(),
        picker="leaders",
        picker_label="display_name",
        label="包案领导",
        help_text="包案领导",
        widget=forms.Select(attrs={"id": "f-owner"}),
    )
    overdue = FlagFilter(narrow="only_overdue", label="已超期", help_text="办结已超期")
    plan_overdue = FlagFilter(narrow="only_plan_overdue", label="方案已超期", help_text="方案已超期")
    due_this_week = FlagFilter(
        narrow="only_due_this_week", label="本周到期", help_text="本周到期", widget=FlagCheckbox(attrs={"id": "f-week"})
    )
    hardship = FlagFilter(narrow="only_hardship", label="特殊困难户", help_text="特殊困难户")
    routed = FlagFilter(narrow="only_routed", label="交办给我单位的", help_text="交办给我单位的")
    owned = FlagFilter(narrow="only_owned", label="我包案的", help_text="我包案的")
    open = FlagFilter(
        narrow="only_open", label="未了结", help_text="未了结（已销号、已合并、已撤回、建议已答复的除外）"
    )
    q = django_filters.CharFilter(
        method="filter_q",
        label="搜索",
        help_text="全文搜索",
        widget=forms.SearchInput(attrs={"placeholder": "反映内容、反映人"}),
    )
    ordering = LedgerOrdering(label="排序", help_text="排序")

    class Meta:
        model = Grievance
        fields = []
        form = LedgerForm

    def __init__(self, data=None, queryset=None, *, request, now=None, **kwargs):
        self.user = request.user
        self.now = selectors.ledger_clock(now)
        if queryset is None:
            queryset = Grievance.objects.visible_to(self.user)
        # Always bound: no query string still means the annotated ledger (filter_queryset).
        super().__init__({} if data is None else data, queryset, request=request, **kwargs)

    def filter_queryset(self, queryset):
        # The deadline annotations read the same minute as the overdue filters.
        return super().filter_queryset(selectors.ledger(self.user, qs=queryset, now=self.now))

    def covers(self, qs=None) -> str:
        """What the filtered rows are, in words, for an export's title: the unit, the span of
        registration dates and each filter set (a valid FilterSet; `qs` defaults to its rows)."""
        data = self.form.cleaned_data
        qs = self.qs if qs is None else qs
        unit = self.filters["unit"].allowed().filter(pk=data["unit"]).first() if data.get("unit") else None
        if unit is None:
            unit = OrgUnit.objects.visible_to(self.user).order_by("depth", "path").first()
        span = qs.order_by().aggregate(first=Min("registered_at"), last=Max("registered_at"))
        if span["first"] is None:
            dates = "无"
        else:
            first, last = (calendar.local_date(span[k]).isoformat() for k in ("first", "last"))
            dates = first if first == last else f"{first}至{last}"
        parts = [f"单位：{unit.name if unit else '—'}", f"登记时间：{dates}"]
        chosen = []
        for name, f in self.filters.items():
            value = data.get(name)
            if name in ("unit", "ordering") or value in (None, "", [], False):
                continue
            if isinstance(f, ScopedIdFilter):
                row = f.allowed().filter(pk=value).first()
                text = (getattr(row, "display_name", None) or str(row)) if row else str(value)
            elif isinstance(f, FlagFilter):
                chosen.append(str(f.label))
                continue
            elif hasattr(f, "extra") and f.extra.get("choices"):
                labels = dict(f.extra["choices"])
                values = value if isinstance(value, list | tuple) else [value]
                text = "、".join(str(labels.get(v, v)) for v in values)
            else:
                text = str(value)
            chosen.append(f"{f.label}：{text}")
        parts.append("筛选：" + ("；".join(chosen) if chosen else "无"))
        parts.append("导出时间：" + self.now.astimezone(calendar.SHANGHAI).strftime("%Y-%m-%d %H:%M"))
        return "　".join(parts)

    # --- what the page's pickers offer, and what an id may name
    @cached_property
    def categories(self):
        return GrievanceCategory.objects.visible_to(self.user).filter(parent__isnull=True)

    @cached_property
    def units(self):
        return handling_units_for(self.user).order_by("path").only("id", "name", "level", "depth", "path")

    @cached_property
    def leaders(self):
        return selectors.leaders_for(self.user)

    def reachable_units(self):
        """Units the user sees, and the routing targets the picker offers (a district's departments)."""
        seen = OrgUnit.objects.visible_to(self.user).values("pk")
        return OrgUnit.objects.filter(Q(pk__in=seen) | Q(pk__in=self.units.values("pk")))

    def reachable_leaders(self):
        """People the user sees, and the leaders over the user's units the picker offers."""
        seen = User.objects.visible_to(self.user).values("pk")
        return User.objects.filter(Q(pk__in=seen) | Q(pk__in=self.leaders.values("pk")))

    # --- filters that need more than a lookup
    def filter_q(self, qs, name, value):
        ordering = [key for key in self.form.cleaned_data.get("ordering") or () if key] or ["-registered_at"]
        return selectors.search(qs, value, newest_first=ordering == ["-registered_at"])

    def filter_registered_from(self, qs, name, value):
        return qs.filter(registered_at__gte=datetime.combine(value, time.min, tzinfo=calendar.SHANGHAI))

    def filter_registered_to(self, qs, name, value):
        return qs.filter(
            registered_at__lt=datetime.combine(value + timedelta(days=1), time.min, tzinfo=calendar.SHANGHAI)
        )

    def filter_opinion_group(self, qs, name, value):
        return qs.filter(in_opinion_group(value))

    def filter_figure(self, qs, name, value):
        conditions = selectors.figure_conditions(self.now) | selectors.rate_conditions()
        return qs.collected().filter(conditions[value])

    def only_overdue(self, qs):
        return qs.running().filter(due_at__lt=self.now)

    def only_plan_overdue(self, qs):
        return qs.awaiting_plan().filter(plan_due_at__lt=self.now)

    def only_due_this_week(self, qs):
        today = calendar.local_date(self.now)
        sunday = today + timedelta(days=6 - today.weekday())  # a calendar week, not a deadline
        return qs.running().filter(due_at__gte=self.now, due_at__lte=calendar.end_of_day(sunday))

    def only_hardship(self, qs):
        return qs.filter(household__is_hardship=True)

    def only_routed(self, qs):
        s = scope(self.user)
        return qs if s.is_superuser else qs.filter(handling_unit_id__in=s.unit_ids([Role.HANDLER, Role.OFFICE]))

    def only_owned(self, qs):
        return qs.filter(case_owner=self.user)

    def only_open(self, qs):
        return qs.open()
