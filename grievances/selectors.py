"""Reads of the ledger beyond a filter: the annotated ledger, its search, the timeline, duplicates,
the supervision list."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import BooleanField, Case, Exists, F, Func, IntegerField, Min, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.utils import timezone

from campaigns import calendar
from campaigns.access import path_prefixes, scope
from campaigns.choices import HOUSEHOLD_LEVELS, Level, Role
from campaigns.models import OrgUnit, User, child_path

from .choices import (
    ANSWERED_STATUSES,
    AWAITING_PLAN_STATUSES,
    DEADLINE_KINDS,
    DECIDED_STATUSES,
    RUNNING_STATUSES,
    SOLVED_STATUSES,
    Kind,
    Satisfaction,
    Status,
)
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
        # A finished entry has no countdown: null once its clock has stopped.
        remaining_days=Case(
            When(status__in=RUNNING_STATUSES, then=calendar.working_days_between_expr(today, "due_day")),
            default=None,
            output_field=IntegerField(),
        ),
        plan_remaining_days=Case(
            When(status__in=AWAITING_PLAN_STATUSES, then=calendar.working_days_between_expr(today, "plan_due_day")),
            default=None,
            output_field=IntegerField(),
        ),
    )


# --- The ledger's figures as conditions (docs/figures.md, "The ledger") --------------------
# One definition: the report figures count collected entries matching these, and the ledger's
# `?figure=` lists exactly those entries.
FIGURE_LABELS = {
    "grievances_total": "问题建议",
    "problems_total": "问题",
    "suggestions_total": "建议",
    "grievances_solved": "已解决",
    "problems_explained": "解释说明",
    "problems_answered": "已答复（已解决+解释说明）",
    "problems_in_progress": "办理中",
    "grievances_overdue": "超期",
    "suggestions_adopted": "建议采纳",
    "suggestions_decided": "建议已决定",
    "followed_up": "已回访",
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "not_satisfied": "不满意",
    "reopened": "重新办理",
    "typical": "典型案例",
    # The 三率 of receive-and-answer (`handling_rates`): what each rate counts, listed the same way.
    "routed": "已交办（响应率分母）",
    "signed_in_time": "按时签收（响应率分子）",
    "answered": "已答复（按时办结率分母）",
    "answered_on_time": "按时办结（按时办结率分子）",
}


def was_explained() -> Q:
    """Entries with an `explained` step in their history (an uncorrelated IN, hashed once)."""
    return Q(pk__in=GrievanceEvent.objects.filter(to_status=Status.EXPLAINED).values("grievance_id"))


def was_reopened() -> Q:
    """Answered entries sent back to work (the look-back found them unsolved)."""
    return Q(
        pk__in=GrievanceEvent.objects.filter(from_status__in=ANSWERED_STATUSES, to_status__in=RUNNING_STATUSES).values(
            "grievance_id"
        )
    )


def overdue_problems(now: datetime) -> Q:
    """The 超期 figure: problems still in work whose answer deadline has passed at `now`. A
    suggestion is decided, not answered against a deadline, so it is never overdue here."""
    return Q(kind__in=DEADLINE_KINDS, status__in=RUNNING_STATUSES, due_at__lt=now)


def figure_conditions(now: datetime) -> dict[str, Q]:
    """Each ledger figure as a condition on collected entries (merged and withdrawn excluded by the
    caller): explained counts as answered, never as solved; overdue is judged at `now`."""
    problem, suggestion = Q(kind=Kind.PROBLEM), Q(kind=Kind.SUGGESTION)
    explained_step = was_explained()
    return {
        "grievances_total": Q(),
        "problems_total": problem,
        "suggestions_total": suggestion,
        "grievances_solved": problem & Q(status__in=SOLVED_STATUSES) & ~explained_step,
        "problems_explained": problem & (Q(status=Status.EXPLAINED) | (Q(status__in=SOLVED_STATUSES) & explained_step)),
        "problems_answered": problem & Q(status__in=ANSWERED_STATUSES),
        "problems_in_progress": problem & Q(status__in=RUNNING_STATUSES),
        "grievances_overdue": overdue_problems(now),
        "suggestions_adopted": suggestion & Q(status=Status.ADOPTED),
        "suggestions_decided": suggestion & Q(status__in=DECIDED_STATUSES),
        "followed_up": ~Q(satisfaction=""),
        "satisfied": Q(satisfaction=Satisfaction.SATISFIED),
        "basically_satisfied": Q(satisfaction=Satisfaction.BASICALLY_SATISFIED),
        "not_satisfied": Q(satisfaction=Satisfaction.NOT_SATISFIED),
        "reopened": was_reopened(),
        "typical": Q(is_typical=True),
    }


def rate_conditions() -> dict[str, Q]:
    """The entries each count of the 三率 (`handling_rates`) counts, as conditions on collected
    entries: the ledger's `?figure=` lists them with the same definitions."""
    routed = Q(dispatched_at__isnull=False, sign_for_due_at__isnull=False)
    answered = Q(resolved_at__isnull=False, status__in=ANSWERED_STATUSES)
    return {
        "routed": routed,
        "signed_in_time": routed & Q(signed_for_at__lte=F("sign_for_due_at")),
        "answered": answered,
        "answered_on_time": answered & Q(resolved_at__lte=F("due_at")),
    }


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
    return qs.select_related(*LEDGER_RELATED).order_by(*ORDERINGS["-registered_at"])


LEDGER_RELATED = ("unit", "handling_unit", "category", "category__parent", "case_owner", "household")


def ledger_rows(ids: list[int], now: datetime | None = None) -> list[Grievance]:
    """The ledger's rows of `ids` (found by a scoped query), deadlines annotated, in that order:
    read by primary key without the filters and the scope that found them."""
    rank = {pk: i for i, pk in enumerate(ids)}
    rows = annotate_deadlines(Grievance.objects.filter(pk__in=ids), ledger_clock(now)).select_related(*LEDGER_RELATED)
    return sorted(rows, key=lambda row: rank[row.pk]) if ids else []


class _HasBigrams(Func):
    """`zf_bigrams(content) @@ query::tsquery`: the row's content holds every bigram of the query."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        column, query = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        query_sql, query_params = compiler.compile(query)
        return f"zf_bigrams(({column_sql})::text) @@ ({query_sql})::tsquery", (*column_params, *query_params)


def bigram_query(text: str) -> str:
    """The tsquery text ANDing the distinct character bigrams of `text`, upper-cased like the index."""
    upper = text.upper()
    grams = dict.fromkeys(upper[i : i + 2] for i in range(len(upper) - 1))
    return " & ".join("'" + g.replace("\\", "\\\\").replace("'", "''") + "'" for g in grams)


def search(qs: QuerySet[Grievance], text: str, *, newest_first: bool = False) -> QuerySet[Grievance]:
    """Entries whose content contains `text` (Chinese full-text), or whose external reference is `text`.

    On PostgreSQL a term of two characters or more is served by the bigram GIN index (migration
    0014): rows holding all of the term's bigrams (OR the external reference's btree index, a
    BitmapOr), then checked by the LIKE. The index condition stands apart from the LIKE so that
    PostgreSQL does not compute each fetched row's bigrams again as a filter.

    `qs` carries every other filter. Listed `newest_first` (the ledger's default order), a search
    matching more than COUNT_CAP of those rows walks the registration index instead, checking the
    LIKE row by row: one match in fewer than (rows in the ledger / COUNT_CAP) rows, so a page stops
    after a bounded walk rather than fetching and sorting every match. Both find the same rows (a
    row whose content holds the term holds its bigrams), so the total counted once serves both.
    """
    contains = Q(content__icontains=text) | Q(external_ref=text)
    if connection.vendor != "postgresql" or len(text) < 2:
        return qs.filter(contains)
    indexed = qs.filter(Q(_HasBigrams(F("content"), Value(bigram_query(text)))) | Q(external_ref=text)).filter(contains)
    if not newest_first:
        return indexed
    total = cached_count(indexed)
    if total <= COUNT_CAP:
        return indexed
    walked = qs.filter(contains)
    cached_count(walked, known=total)
    return walked


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
    area = (unit.nearest(Level.COMMUNITY) if unit.level in HOUSEHOLD_LEVELS else None) or unit
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


# Totals are counted up to this many rows, then shown as "10000+": a search matching 22,000 entries
# of a city's million costs its first page, not a count of every match.
COUNT_CAP = 10_000


def cached_count(qs: QuerySet, *, cap: int | None = None, known: int | None = None) -> int:
    """`qs.count()` (at most `cap + 1`, default COUNT_CAP + 1, which means "more than the cap"),
    cached per SQL text until the next write to the ledger. `known` stores a total already counted
    for the same rows under another SQL text."""
    import hashlib

    from django.core.cache import cache
    from django.core.exceptions import EmptyResultSet

    limit = COUNT_CAP if cap is None else cap

    def count() -> int:
        # COUNT(*) over a LIMITed subquery: stops after cap + 1 rows.
        return qs.order_by().values("pk")[: limit + 1].count()

    if not COUNT_CACHE_SECONDS:
        return count() if known is None else known
    try:
        sql, params = qs.order_by().query.sql_with_params()
    except EmptyResultSet:  # qs.none(): an unknown unit, or `routed` for a user with no handling unit
        return 0
    digest = hashlib.sha1(f"{sql}|{params!r}".encode()).hexdigest()
    key = f"grievances:count:{ledger_generation()}:{limit}:{digest}"
    value = known if known is not None else cache.get(key)
    if value is None or known is not None:
        value = count() if value is None else value
        cache.set(key, value, COUNT_CACHE_SECONDS)
    return value


class CountCachingPaginator:
    """Mixin for django Paginator over `ledger()`: the total comes from `cached_count`, capped at
    COUNT_CAP + 1 (`capped` then says the true total is larger; the pages reach that far). A page
    is found as its ids alone (the scope, the filters, the order and the limit, without the joins
    and the deadline columns), then its rows are read by id (`ledger_rows`): the plan for the
    filters never carries the joins, and the rows' read never carries the filters."""

    def _get_page(self, object_list, *args, **kwargs):
        if isinstance(object_list, QuerySet):
            object_list = ledger_rows(self._page_ids(object_list))
        return super()._get_page(object_list, *args, **kwargs)

    def _page_ids(self, page: QuerySet) -> list[int]:
        ids = page.values_list("pk", flat=True)
        if connection.vendor != "postgresql":
            return list(ids)
        from django.db import transaction

        # For this one statement: no JIT and no parallel workers, whose start-up (50 ms of JIT
        # compilation at a city's row estimates) is more than a page's walk costs.
        settings = ["jit = off", "max_parallel_workers_per_gather = 0"]
        if tuple(page.query.order_by) == ORDERINGS["-registered_at"] and self.capped:
            # More than COUNT_CAP rows match, so at least one row in (ledger size / COUNT_CAP)
            # does: walking the registration index newest first finds a page within a bounded
            # walk, where sorting every match costs them all. PostgreSQL cannot know that of a
            # LIKE '%…%' and may pick the sort; it is ruled out too.
            settings.append("enable_sort = off")
        outer = connection.in_atomic_block
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL " + "; SET LOCAL ".join(settings))
            found = list(ids)
            if outer:
                # Inside a caller's transaction SET LOCAL would outlive this statement.
                names = [setting.split(" = ")[0] for setting in settings]
                cursor.execute("; ".join(f"SET LOCAL {name} TO DEFAULT" for name in names))
        return found

    @property
    def count(self) -> int:
        if not hasattr(self, "_cached_total"):
            self._cached_total = cached_count(self.object_list)
        return self._cached_total

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP

    @property
    def count_label(self) -> str:
        return f"{COUNT_CAP}+" if self.capped else str(self.count)


def supervision_list(user: User, now: datetime | None = None) -> QuerySet[NoticeLog]:
    """Entries overdue long enough to be on the upper level's supervision list, still unanswered:
    one row per entry (its first listing), with both deadlines and the working days each is overdue.

    `plan_overdue_days` / `due_overdue_days` count working days after the deadline's day up to today
    (null while that deadline is not overdue or no longer runs); `overdue_working_days` is the larger.
    """
    now = now or timezone.now()
    today = calendar.local_date(now)
    listed = NoticeLog.objects.filter(kind=NoticeKind.LISTED).actionable_by(user, "supervise")
    still_overdue = Q(deadline=DeadlineKind.PLAN, grievance__plan_due_at=F("due_at")) | Q(
        deadline=DeadlineKind.DUE, grievance__due_at=F("due_at")
    )
    open_q = Q(grievance__in=watched(DeadlineKind.PLAN)) & Q(deadline=DeadlineKind.PLAN) | Q(
        grievance__in=watched(DeadlineKind.DUE)
    ) & Q(deadline=DeadlineKind.DUE)
    current = listed.filter(still_overdue).filter(open_q)
    # An entry listed for its plan and again for its resolution deadline is one row.
    first = current.order_by().values("grievance").annotate(first=Min("id")).values("first")
    # A 通报 sent for a deadline the entry still has is shown on the row (the level above was told).
    bulletin = NoticeLog.objects.filter(grievance=OuterRef("grievance"), kind=NoticeKind.BULLETIN).filter(
        Q(deadline=DeadlineKind.PLAN, due_at=OuterRef("grievance__plan_due_at"))
        | Q(deadline=DeadlineKind.DUE, due_at=OuterRef("grievance__due_at"))
    )
    plan_running = Q(
        grievance__status__in=AWAITING_PLAN_STATUSES,
        grievance__plan_submitted_at__isnull=True,
        grievance__plan_due_at__lt=now,
    )
    due_running = Q(grievance__status__in=RUNNING_STATUSES, grievance__due_at__lt=now)
    rows = (
        NoticeLog.objects.filter(id__in=first)
        .select_related("grievance__unit", "grievance__handling_unit", "grievance__case_owner")
        .annotate(
            bulletined=Exists(bulletin),
            _plan_day=TruncDate("grievance__plan_due_at", tzinfo=calendar.SHANGHAI),
            _due_day=TruncDate("grievance__due_at", tzinfo=calendar.SHANGHAI),
        )
        .annotate(
            plan_overdue_days=Case(
                When(plan_running, then=calendar.working_days_between_expr("_plan_day", today)),
                default=None,
                output_field=IntegerField(),
            ),
            due_overdue_days=Case(
                When(due_running, then=calendar.working_days_between_expr("_due_day", today)),
                default=None,
                output_field=IntegerField(),
            ),
        )
        .annotate(
            overdue_working_days=Greatest(
                Coalesce("plan_overdue_days", Value(0)), Coalesce("due_overdue_days", Value(0))
            )
        )
    )
    return rows.order_by("-overdue_working_days", "grievance_id")


# --- 三率 of receive-and-answer (接诉即办), per handling unit and per territorial unit ----------
# 响应率 (response_rate): routed entries signed for within the sign-for time ÷ routed entries;
# 按时办结率 (on_time_rate): entries answered by their deadline ÷ entries answered;
# avg_working_days_to_answer: working days from the clock's start to the answer, paused days
# not counted. Returns and pauses are shown beside them. (The campaign figures' own
# `response_rate`, answered ÷ collected, is a different figure and keeps its name there.)
RATE_KEYS = ("routed", "signed_in_time", "answered", "answered_on_time", "returns", "paused_entries")


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def rates_in(unit_path: str) -> Q:
    """The entries the 三率 under a unit count: those belonging to its subtree, and those routed to
    a unit in it (the time a handling unit took counts against it wherever the entry came from)."""
    return Q(unit__path__startswith=unit_path) | Q(handling_unit__path__startswith=unit_path)


def rates_qs(campaign: Campaign, where: Q) -> QuerySet[Grievance]:
    """The campaign's collected entries matching `where`, annotated for `rate_aggregates()`."""
    from django.db.models import ExpressionWrapper, IntegerField

    answered_day = TruncDate("resolved_at", tzinfo=calendar.SHANGHAI)
    start_day = TruncDate(Coalesce("clock_started_at", "registered_at"), tzinfo=calendar.SHANGHAI)
    qs = (
        Grievance.objects.collected()
        .filter(where, campaign=campaign)
        .order_by()
        .annotate(_start_day=start_day, _answer_day=answered_day)
    )
    days = ExpressionWrapper(
        calendar.working_days_between_expr("_start_day", "_answer_day") - F("paused_working_days"),
        output_field=IntegerField(),
    )
    return qs.annotate(_answer_days=days)


def rate_aggregates() -> dict:
    from django.db.models import Count, Sum

    conditions = rate_conditions()
    return {
        **{key: Count("pk", filter=q) for key, q in conditions.items()},
        "returns": Sum("return_count"),
        "paused_entries": Count("pk", filter=Q(paused_working_days__gt=0)),
        "_days": Sum("_answer_days", filter=conditions["answered"]),
    }


def _rates_row(row: dict) -> dict:
    days = row.pop("_days", None) or 0
    out = {k: row.get(k) or 0 for k in RATE_KEYS}
    out["response_rate"] = _rate(out["signed_in_time"], out["routed"])
    out["on_time_rate"] = _rate(out["answered_on_time"], out["answered"])
    out["avg_working_days_to_answer"] = round(days / out["answered"], 1) if out["answered"] else None
    return out


def handling_rates(*, campaign: Campaign, unit: OrgUnit, window: Q | None = None) -> dict:
    """The 三率 of a campaign under `unit`, counted live (`fold_rates` says what it holds).
    Two grouped SELECTs."""
    qs = rates_qs(campaign, rates_in(unit.path) & (window or Q()))
    aggregates = rate_aggregates()
    return fold_rates(
        unit,
        qs.filter(handling_unit__isnull=False).values("handling_unit_id").annotate(**aggregates),
        qs.annotate(child=child_path(unit.path, "unit__path")).values("child").annotate(**aggregates),
    )


def fold_rates(unit: OrgUnit, by_handler_rows: Iterable[dict], by_child_rows: Iterable[dict]) -> dict:
    """The 三率 under `unit` from the counts (`rate_aggregates()`'s keys) of its entries grouped by
    handling unit and by the child unit they belong to (`child`: `campaigns.models.child_path`,
    '' for the unit's own and those from outside it): `by_handling_unit` (the units
    entries were routed to: the time lost to a return or a late sign-for counts against the unit
    holding the entry), `by_unit` (the unit's territorial children, by where entries belong;
    "本级" for the unit's own) and `totals` (the `by_unit` rows together). The live count and the
    maintained rollup (reports.rollup) give the same rows."""
    names = {}
    by_handler = []
    for row in by_handler_rows:
        row = dict(row)
        by_handler.append({"unit": row.pop("handling_unit_id"), **_rates_row(row)})
    names.update(OrgUnit.objects.filter(pk__in=[r["unit"] for r in by_handler]).values_list("pk", "name"))
    children = list(OrgUnit.objects.filter(parent=unit).territorial().values_list("path", "pk", "name"))
    child_of_path = {p: pk for p, pk, _n in children}
    folded: dict[int | None, dict] = {}
    for row in by_child_rows:
        row = dict(row)
        # A functional unit's entries, like the unit's own, are 本级.
        child = child_of_path.get(row.pop("child"))
        acc = folded.setdefault(child, dict.fromkeys((*RATE_KEYS, "_days"), 0))
        for key, value in row.items():
            acc[key] += value or 0
    totals = dict.fromkeys((*RATE_KEYS, "_days"), 0)
    for acc in folded.values():
        for key, value in acc.items():
            totals[key] += value
    by_unit = [{"unit": pk, "name": name, **_rates_row(dict(folded[pk]))} for _p, pk, name in children if pk in folded]
    if None in folded:
        by_unit.append({"unit": unit.pk, "name": "本级", **_rates_row(dict(folded[None]))})
    for r in by_handler:
        r["name"] = names.get(r["unit"], "")
    by_handler.sort(key=lambda r: (r["response_rate"] is None, r["response_rate"] or 0, r["name"]))
    return {"by_handling_unit": by_handler, "by_unit": by_unit, "totals": _rates_row(totals)}
