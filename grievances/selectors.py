"""Reads of the ledger beyond a filter: the annotated ledger, its search, the timeline, duplicates,
the supervision list."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import BooleanField, Case, F, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from campaigns import calendar
from campaigns.access import path_prefixes, scope
from campaigns.choices import Role
from campaigns.models import OrgUnit, User

from .choices import AWAITING_PLAN_STATUSES, RUNNING_STATUSES
from .models import DeadlineKind, Grievance, GrievanceEvent, NoticeKind, NoticeLog
from .sweep import watched

if TYPE_CHECKING:
    from campaigns.models import Campaign
    from visits.models import Household

ORDERINGS = {
    "registered_at": ("registered_at", "id"),
    "-registered_at": ("-registered_at", "-id"),
    "due_at": ("due_at", "id"),
    "-due_at": ("-due_at", "-id"),
    "plan_due_at": ("plan_due_at", "id"),
    "status": ("status", "-registered_at", "-id"),
    "tier": ("tier", "-registered_at", "-id"),
    "id": ("id",),
    "-id": ("-id",),
}


def annotate_deadlines(qs: QuerySet[Grievance], now: datetime | None = None) -> QuerySet[Grievance]:
    """Overdue flags and remaining working days, computed by the database (filterable, sortable).

    Remaining working days are the calendar's SQL count from today to the due day
    (`calendar.working_days_between_expr`): one SQL statement per page.
    """
    now = now or timezone.now()
    today = calendar.local_date(now)
    return qs.annotate(
        overdue=Case(
            When(status__in=RUNNING_STATUSES, due_at__lt=now, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        plan_overdue=Case(
            When(status__in=AWAITING_PLAN_STATUSES, plan_due_at__lt=now, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        due_day=TruncDate("due_at", tzinfo=calendar.SHANGHAI),
        plan_due_day=TruncDate("plan_due_at", tzinfo=calendar.SHANGHAI),
    ).annotate(
        remaining_days=calendar.working_days_between_expr(today, "due_day"),
        plan_remaining_days=calendar.working_days_between_expr(today, "plan_due_day"),
    )


def ledger_clock(now: datetime | None = None) -> datetime:
    """ "Now" for the ledger, to the minute: deadlines fall at 23:59:59, and a minute's precision keeps
    the SQL text (and its cached count) stable."""
    return (now or timezone.now()).replace(second=0, microsecond=0)


def ledger(user: User, *, qs: QuerySet[Grievance] | None = None, now: datetime | None = None) -> QuerySet[Grievance]:
    """The ledger the user may see, deadlines annotated, newest first (the filters are
    `grievances.filters.LedgerFilter`).

    `qs` is the scoped queryset to start from (default: what the user may see; the export starts
    from what they may export).
    """
    qs = annotate_deadlines(Grievance.objects.visible_to(user) if qs is None else qs, ledger_clock(now))
    qs = qs.select_related("unit", "handling_unit", "category", "category__parent", "case_owner", "household")
    return qs.order_by(*ORDERINGS["-registered_at"])


def search(qs: QuerySet[Grievance], text: str) -> QuerySet[Grievance]:
    """Entries whose content contains `text` (Chinese full-text), or whose external reference is `text`."""
    # PostgreSQL serves this from the trigram GIN index on UPPER(content) (migration 0005).
    # (content OR external_ref) lets PostgreSQL BitmapOr the trigram index with the btree one.
    return qs.filter(Q(content__icontains=text) | Q(external_ref=text))


def own_unit(user: User) -> OrgUnit | None:
    """The caller's lowest unit where they may register: where an entry without a household belongs."""
    s = scope(user)
    units = OrgUnit.objects.territorial().actionable_by(user, "register").filter(pk__in=s.unit_ids())
    return units.order_by("-depth", "path").first()


def leaders_for(user: User) -> QuerySet[User]:
    """Leaders the user may filter the ledger by: those over or under the user's own units."""
    s = scope(user)
    leaders = User.objects.filter(is_active=True)
    if s.is_superuser:
        return leaders.filter(memberships__role=Role.LEADER).distinct().order_by("id")
    above = sorted({a for p in s.paths() for a in path_prefixes(p)})
    # One filter(): the leader's membership itself must be above or under the user's units.
    return (
        leaders.filter(
            Q(memberships__unit__path__in=above) | s.subtree_q("memberships__unit"), memberships__role=Role.LEADER
        )
        .distinct()
        .order_by("id")
    )


def timeline(grievance: Grievance) -> QuerySet[GrievanceEvent]:
    """The entry's history with the history of every entry merged into it, oldest first."""
    ids = [grievance.pk, *Grievance.objects.filter(merged_into=grievance).values_list("pk", flat=True)]
    return GrievanceEvent.objects.filter(grievance_id__in=ids).select_related("actor").order_by("created_at", "id")


def similar_entries(
    *,
    campaign: Campaign,
    unit: OrgUnit,
    content: str,
    household: Household | None = None,
    exclude: int | None = None,
    user: User | None = None,
    limit: int = 5,
) -> list[Grievance]:
    """Likely duplicates of a new entry: same household, or similar text in the same campaign and area.

    The area is the entry's community (its grid's parent). PostgreSQL ranks by pg_trgm similarity;
    elsewhere a character-bigram overlap on recent candidates stands in.
    """
    area = unit.parent if unit.level == "grid" and unit.parent_id else unit
    qs = Grievance.objects.open().filter(campaign=campaign)
    if user is not None:
        qs = qs.filter(pk__in=Grievance.objects.visible_to(user).values("pk"))
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    same_household = qs.filter(household=household) if household is not None else qs.none()
    in_area = qs.filter(unit__path__startswith=area.path)
    found = {g.pk: (1.0, g) for g in same_household.select_related("unit")[:limit]}
    if connection.vendor == "postgresql" and _has_trgm():
        from django.contrib.postgres.search import TrigramSimilarity

        for g in (
            in_area.annotate(sim=TrigramSimilarity("content", content))
            .filter(sim__gte=0.2)
            .order_by("-sim")
            .select_related("unit")[:limit]
        ):
            found.setdefault(g.pk, (g.sim, g))
    else:
        mine = _bigrams(content)
        for g in in_area.select_related("unit").order_by("-registered_at")[:300]:
            sim = _jaccard(mine, _bigrams(g.content))
            if sim >= 0.2:
                found.setdefault(g.pk, (sim, g))
    ranked = sorted(found.values(), key=lambda x: -x[0])[:limit]
    for sim, g in ranked:
        g.similarity = round(float(sim), 2)
    return [g for _sim, g in ranked]


_TRGM = {}


def _has_trgm() -> bool:
    key = connection.alias
    if key not in _TRGM:
        with connection.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            _TRGM[key] = cur.fetchone() is not None
    return _TRGM[key]


def _bigrams(text: str | None) -> set[str]:
    text = "".join(ch for ch in (text or "") if ch.isalnum())
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


# --- cached counts ------------------------------------------------------------------------
# Counting a district's 100,000 entries costs tens of milliseconds even as an index-only scan;
# the count of a given filter set is cached and every write to the ledger invalidates all
# counts at once (a generation number bumped on commit), so a count is never stale.
COUNT_CACHE_SECONDS = 120
_GEN_KEY = "grievances:ledger-generation"


def ledger_generation() -> int:
    from django.core.cache import cache

    return cache.get_or_set(_GEN_KEY, 1, None)


def bump_generation() -> None:
    from django.core.cache import cache

    try:
        cache.incr(_GEN_KEY)
    except ValueError:
        cache.set(_GEN_KEY, 2, None)


def cached_count(qs: QuerySet) -> int:
    """`qs.count()`, cached per SQL text until the next write to the ledger."""
    import hashlib

    from django.core.cache import cache
    from django.core.exceptions import EmptyResultSet

    if not COUNT_CACHE_SECONDS:
        return qs.count()
    try:
        sql, params = qs.order_by().query.sql_with_params()
    except EmptyResultSet:  # qs.none(): an unknown unit, or `routed` for a user with no handling unit
        return 0
    digest = hashlib.sha1(f"{sql}|{params!r}".encode()).hexdigest()
    key = f"grievances:count:{ledger_generation()}:{digest}"
    value = cache.get(key)
    if value is None:
        value = qs.count()
        cache.set(key, value, COUNT_CACHE_SECONDS)
    return value


class CountCachingPaginator:
    """Mixin for django Paginator: the total comes from `cached_count`."""

    @property
    def count(self) -> int:
        if not hasattr(self, "_cached_total"):
            self._cached_total = cached_count(self.object_list)
        return self._cached_total


def supervision_list(user: User) -> QuerySet[NoticeLog]:
    """Entries overdue long enough to be on the upper level's supervision list, still unanswered."""
    listed = (
        NoticeLog.objects.filter(kind=NoticeKind.LISTED)
        .actionable_by(user, "supervise")
        .select_related("grievance__unit", "grievance__handling_unit", "grievance__case_owner")
    )
    still_overdue = Q(deadline=DeadlineKind.PLAN, grievance__plan_due_at=F("due_at")) | Q(
        deadline=DeadlineKind.DUE, grievance__due_at=F("due_at")
    )
    open_q = Q(grievance__in=watched(DeadlineKind.PLAN)) & Q(deadline=DeadlineKind.PLAN) | Q(
        grievance__in=watched(DeadlineKind.DUE)
    ) & Q(deadline=DeadlineKind.DUE)
    return listed.filter(still_overdue).filter(open_q).order_by("due_at", "id")
