"""The household list's filters, declared once: the API runs them through DjangoFilterBackend (the
OpenAPI parameters come from here), the household pages render their form."""

from functools import cached_property

import django_filters
from django import forms
from django.db.models import Q

from campaigns.access import get_for
from campaigns.api_base import MAX_ID
from campaigns.filters import CHOICE_ERRORS, FilterForm, FlagFilter, IdFilter, PickerCharFilter, YesNoFilter, parse_id
from campaigns.models import Campaign, FocusCategory, OrgUnit
from campaigns.selectors import current_campaign

from . import selectors
from .choices import HouseholdKind
from .models import Household


class HouseholdFilter(django_filters.FilterSet):
    """Households the user may see, annotated for a campaign (`selectors.households`), filtered.

    The campaign is `?campaign=` or the user's current one; a page working on a campaign of its
    own passes it as `campaign=`. A campaign or unit outside the user's scope is a 404, like a
    missing one. Labels are the page's, help texts the API's.
    """

    grid = PickerCharFilter(
        field_name="grid__code",
        picker="grids",
        picker_value="code",
        empty_label="全部网格",
        label="网格",
        help_text="网格编码",
        widget=forms.Select(attrs={"aria-label": "网格"}),
    )
    unit = IdFilter(method="filter_unit", max_value=MAX_ID, label="组织单位", help_text="组织单位ID（含下级）")
    category = PickerCharFilter(
        method="filter_category",
        picker="categories",
        picker_value="code",
        empty_label="全部类别",
        label="重点类别",
        help_text="重点类别编码或ID",
        widget=forms.Select(attrs={"aria-label": "重点类别"}),
    )
    visited = YesNoFilter(
        method="filter_visited",
        label="走访情况",
        help_text="本次活动是否已走访",
        widget=forms.Select(choices=[("", "全部"), ("1", "已走访"), ("0", "未走访")], attrs={"aria-label": "走访情况"}),
    )
    visits_from = django_filters.DateFilter(
        method="filter_nothing", label="走访日期起", help_text="“已走访”只计此日起的走访（含当日）"
    )
    visits_to = django_filters.DateFilter(
        method="filter_nothing", label="走访日期止", help_text="“已走访”只计此日前的走访（含当日）"
    )
    kind = django_filters.ChoiceFilter(
        choices=HouseholdKind.choices,
        label="对象类型",
        help_text="走访对象类型（家庭即农户）",
        widget=forms.Select(attrs={"aria-label": "对象类型"}),
        empty_label="全部类型",
        error_messages=CHOICE_ERRORS,
    )
    focus = YesNoFilter(
        method="filter_focus",
        label="重点户",
        help_text="是否在本次活动的重点走访类别中",
        widget=forms.Select(choices=[("", "全部"), ("1", "重点户"), ("0", "非重点户")], attrs={"aria-label": "重点户"}),
    )
    assigned = YesNoFilter(
        method="filter_assigned",
        label="已分配",
        help_text="本次活动是否已分配走访人（不含包户党员领导）",
        widget=forms.Select(choices=[("", "全部"), ("1", "已分配"), ("0", "未分配")], attrs={"aria-label": "分配情况"}),
    )
    mine = FlagFilter(narrow="only_mine", label="只看分配给我的", help_text="只看分配给我的")
    assigned_to_me = FlagFilter(narrow="only_mine", label="只看分配给我的", help_text="同 mine")
    campaign = IdFilter(method="filter_campaign", max_value=MAX_ID, label="活动", help_text="活动ID（默认当前活动）")
    q = django_filters.CharFilter(
        method="filter_q",
        label="搜索",
        help_text="户主姓名或地址",
        widget=forms.SearchInput(attrs={"placeholder": "户主或地址"}),
    )

    class Meta:
        model = Household
        fields = []
        form = FilterForm

    def __init__(self, data=None, queryset=None, *, request, campaign=None, **kwargs):
        self.user = request.user
        if campaign is not None:
            self.campaign_shown = campaign
        # Always bound: no query string still means the annotated list (filter_queryset).
        super().__init__({} if data is None else data, queryset, request=request, **kwargs)

    @cached_property
    def campaign_shown(self):
        """The campaign the list is about: whose visits and assignments it marks."""
        pk = self.form.cleaned_data.get("campaign") if self.is_valid() else None
        if pk is None:
            return current_campaign(self.request)
        return get_for(self.user, Campaign, pk=pk)

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        rows = selectors.households(
            self.user,
            base=queryset,
            campaign=self.campaign_shown,
            visits_from=data.get("visits_from"),
            visits_to=data.get("visits_to"),
        )
        return super().filter_queryset(rows)

    # --- what the page's pickers offer
    @cached_property
    def grids(self):
        return OrgUnit.objects.visible_to(self.user).household_units().order_by("code")

    @cached_property
    def categories(self):
        return FocusCategory.objects.filter(is_active=True)

    # --- filters that need more than a lookup
    def filter_campaign(self, qs, name, value: int):
        return qs  # the campaign the annotations are for (`campaign_shown`), not a filter of its own

    def filter_unit(self, qs, name, value: int):
        unit = get_for(self.user, OrgUnit, pk=value)
        return qs.filter(grid__path__startswith=unit.path)

    def filter_category(self, qs, name, value):
        pk = parse_id(value)
        if pk is None:
            return qs.filter(categories__code=value)
        return qs.filter(categories=pk) if pk <= MAX_ID else qs.none()

    def filter_nothing(self, qs, name, value):
        return qs  # narrows which visits `is_visited` counts (filter_queryset), not the rows

    def filter_focus(self, qs, name, value):
        return qs.filter(in_focus=value) if "in_focus" in qs.query.annotations else qs

    def filter_assigned(self, qs, name, value):
        return qs.filter(is_assigned=value) if "is_assigned" in qs.query.annotations else qs

    def filter_visited(self, qs, name, value):
        # Without a campaign there is no visit to have made: the flag filters nothing.
        return qs.filter(is_visited=value) if "is_visited" in qs.query.annotations else qs

    def only_mine(self, qs):
        return qs.filter(is_mine=True)

    def filter_q(self, qs, name, value):
        return qs.filter(Q(head_name__contains=value) | Q(address__contains=value))
