"""The maintained rollup of the campaign figures: each unit's own rows and its subtree's sum, per
campaign, so that a city's dashboard sums a few hundred stored rows instead of scanning 1.6
million households.

Exact by construction:
- the rows are counted by `selectors.unit_rows()`, the same aggregate SQL as the live figures, and
  summed with the same `_add` arithmetic (integers; the average time to solve as a weighted sum of
  microseconds), so a rolled-up figure equals the live one;
- database triggers record every unit whose households, categories, visits, entries or events are
  written (`StaleUnit`), in the writing transaction, COPY and set-based updates included;
- `rebuild()` (the beat task `reports.rebuild_figure_rollup`, every minute) recounts those units,
  plus the units where a running problem's deadline passed since the last run (the overdue figure
  moves with the clock), and sums their ancestors again;
- the figures use the rollup only when it was rebuilt within `MAX_AGE`, and say when
  (`rolled_up_at`); otherwise, and for any date range, they are counted live.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.db.models.fields.json import KeyTransform
from django.utils import timezone

from campaigns.choices import Level
from campaigns.models import Campaign, OrgUnit, child_path
from grievances.models import Grievance
from grievances.selectors import (
    RATE_KEYS,
    fold_rates,
    handling_rates,
    overdue_problems,
    rate_aggregates,
    rates_in,
    rates_qs,
)

from . import selectors
from .models import FigureRollup, FigureRollupState, HandlingRollup, StaleUnit

MAX_AGE = timedelta(minutes=1)
FULL = 0  # the StaleUnit that asks for a full rebuild (the org tree moved)
BATCH = 2000


def _empty() -> dict[str, Any]:
    return {"row": selectors._empty(), "focus": {}, "cube": {}, "entries": defaultdict(int), "visits": defaultdict(int)}


def _merge(into: dict[str, Any], part: dict[str, Any]) -> None:
    for key, value in part["row"].items():
        into["row"][key] += value
    for pk, (total, visited) in part["focus"].items():
        cell = into["focus"].setdefault(pk, [0, 0])
        cell[0] += total
        cell[1] += visited
    for key, (n, explained, overdue) in part["cube"].items():
        cell = into["cube"].setdefault(key, [0, 0, 0])
        cell[0] += n
        cell[1] += explained
        cell[2] += overdue
    for week, n in part["entries"].items():
        into["entries"][week] += n
    for week, n in part["visits"].items():
        into["visits"][week] += n


def _copy(part: dict[str, Any]) -> dict[str, Any]:
    result = _empty()
    _merge(result, part)
    return result


def _dump(part: dict[str, Any]) -> dict[str, Any]:
    row = dict(part["row"])
    row["_avg_sum"] = row["_avg_sum"] // timedelta(microseconds=1)
    return {
        "row": row,
        "focus": {str(pk): v for pk, v in part["focus"].items()},
        "cube": [[*key, *v] for key, v in part["cube"].items()],
        "entries": {w.isoformat(): n for w, n in part["entries"].items()},
        "visits": {w.isoformat(): n for w, n in part["visits"].items()},
    }


def _load_row(row: dict[str, Any] | None) -> dict[str, Any]:
    result = selectors._empty()
    if row:
        result.update(row)
        result["_avg_sum"] = timedelta(microseconds=row["_avg_sum"])
    return result


def _load(data: dict[str, Any] | None) -> dict[str, Any]:
    result = _empty()
    if not data:
        return result
    result["row"] = _load_row(data["row"])
    result["focus"] = {int(pk): list(v) for pk, v in data["focus"].items()}
    result["cube"] = {tuple(c[:4]): list(c[4:]) for c in data["cube"]}
    for w, n in data["entries"].items():
        result["entries"][date.fromisoformat(w)] = n
    for w, n in data["visits"].items():
        result["visits"][date.fromisoformat(w)] = n
    return result


def rolled_up(f: selectors.Filters, now: datetime, focus_ids: list[int]) -> selectors.Parts | None:
    """The figures' parts summed from the rollup, or None when it is missing or too old."""
    state = _fresh(f.campaign, now, focus_ids)
    if state is None:
        return None
    kids = list(OrgUnit.objects.filter(parent_id=f.unit.pk).values("pk", "name", "level", "path", "parent_id"))
    departments = [k["pk"] for k in kids if k["level"] == Level.DEPARTMENT]
    # The unit's own and its functional units' rows whole; of the listed children only the
    # accumulated row of their subtree, cut out by the database (not their cubes and weeks).
    stored = FigureRollup.objects.filter(campaign=f.campaign)
    whole = dict(stored.filter(unit_id__in=[f.unit.pk, *departments]).values_list("unit_id", "data"))
    if f.unit.pk not in whole:
        return None
    child_rows = dict(
        stored.filter(unit_id__in=[k["pk"] for k in kids if k["level"] != Level.DEPARTMENT]).values_list(
            "unit_id", KeyTransform("row", KeyTransform("tree", "data"))
        )
    )
    unit = whole[f.unit.pk]
    own = _load(unit["self"])
    rows, children = {}, []
    for kid in kids:
        if kid["level"] == Level.DEPARTMENT:
            _merge(own, _load((whole.get(kid["pk"]) or {}).get("tree")))  # a functional unit's rows are 本级
        else:
            children.append(kid)
            rows[kid["path"]] = _load_row(child_rows.get(kid["pk"]))
    rows[""] = own["row"]
    tree = _load(unit["tree"])
    cube = [
        {"category_id": c, "kind": k, "status": s, "resolved_level": lv, "n": n, "explained": e, "overdue": o}
        for (c, k, s, lv), (n, e, o) in tree["cube"].items()
    ]
    return selectors.Parts(
        now=now,
        children=children,
        rows=rows,
        totals=tree["row"],
        focus_counts=tree["focus"],
        cube=sorted(cube, key=selectors.cube_key),
        entries_by_week=dict(tree["entries"]),
        visit_weeks=dict(tree["visits"]),
        rolled_up_at=state.built_at,
    )


def _fresh(campaign: Campaign, now: datetime, focus_ids: list[int] | None = None) -> FigureRollupState | None:
    state = FigureRollupState.objects.filter(campaign=campaign).first()
    if state is None or now - state.built_at > MAX_AGE:
        return None
    if focus_ids is not None and sorted(state.focus) != sorted(focus_ids):
        return None
    return state


_FIGURES_GEN = "reports:figures-generation"


def figures_generation() -> int:
    from django.core.cache import cache

    return cache.get_or_set(_FIGURES_GEN, 1, None)


def bump_figures_generation(*args, **kwargs) -> None:
    """A write the figures read live besides the ledger (violations, receptions, the org tree's
    names and level names): every cached set of figures is stale once it commits."""
    from django.core.cache import cache

    def bump():
        try:
            cache.incr(_FIGURES_GEN)
        except ValueError:
            cache.set(_FIGURES_GEN, 2, None)

    transaction.on_commit(bump)


def served(f: selectors.Filters, what: str, compute: Callable[[], Any]) -> Any:
    """`compute()`, cached while the rollup it is summed from stays the same: keyed by the time of
    the rebuild, the ledger's generation (the typical cases, the petition marks) and the figures'
    generation (the scores, the receptions, the names), and never kept over MAX_AGE, so nothing in
    it is older than the rollup's own minute. Figures counted live (a date range, or a rollup over
    a minute old) are never cached."""
    from django.core.cache import cache

    from grievances.selectors import ledger_generation

    if f.start is not None or f.end is not None or f.unit_ids is not None:
        return compute()
    state = _fresh(f.campaign, timezone.now())
    if state is None:
        return compute()
    key = (
        f"reports:figures:{what}:{f.campaign.pk}:{f.unit.pk}:{state.built_at.timestamp()}"
        f":{ledger_generation()}:{figures_generation()}"
    )
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, int(MAX_AGE.total_seconds()))
    return value


def rates(f: selectors.Filters, now: datetime | None = None) -> dict[str, Any]:
    """The 三率 under `f.unit` (`grievances.selectors.handling_rates()`), summed from the rollup's
    (unit, handling unit) rows when it is fresh and there is no date range, otherwise counted live.
    Two grouped SELECTs over a few rows per unit, whatever the number of entries."""
    now = now or timezone.now()
    window = f.window("registered_at")
    if f.start is not None or f.end is not None or f.unit_ids is not None or _fresh(f.campaign, now) is None:
        return handling_rates(campaign=f.campaign, unit=f.unit, window=window)
    from django.db.models import Sum

    rows = HandlingRollup.objects.filter(rates_in(f.unit.path), campaign=f.campaign).order_by()
    sums = {key: Sum(key) for key in RATE_KEYS} | {"_days": Sum("answer_days")}
    return fold_rates(
        f.unit,
        rows.filter(handling_unit__isnull=False).values("handling_unit_id").annotate(**sums),
        rows.annotate(child=child_path(f.unit.path, "unit__path")).values("child").annotate(**sums),
    )


def _recount_rates(campaign: Campaign, units: set[int] | None) -> None:
    """Recount the (unit, handling unit) rows of `units` (None: the whole campaign), BATCH units
    at a time."""
    stored = HandlingRollup.objects.filter(campaign=campaign)
    if units is None:
        stored.delete()
        batches = [Q()]
    else:
        ids = sorted(units)
        batches = [Q(unit_id__in=ids[i : i + BATCH]) for i in range(0, len(ids), BATCH)]
    for where in batches:
        if units is not None:
            stored.filter(where).delete()
        counted = rates_qs(campaign, where).values("unit_id", "handling_unit_id").annotate(**rate_aggregates())
        HandlingRollup.objects.bulk_create(
            (
                HandlingRollup(
                    campaign=campaign,
                    unit_id=row["unit_id"],
                    handling_unit_id=row["handling_unit_id"],
                    answer_days=row["_days"] or 0,
                    **{key: row[key] or 0 for key in RATE_KEYS},
                )
                for row in counted.iterator(chunk_size=BATCH)
            ),
            batch_size=BATCH,
        )


def rebuild(*, now: datetime | None = None) -> dict[str, int]:
    """Bring every campaign's rollup up to `now`: recount the units written to since the last run
    (and those where a deadline passed), then their ancestors; a campaign without a rollup, or
    whose focus categories changed, is counted whole. Returns the units recounted per campaign."""
    now = now or timezone.now()
    done = {}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(hashtext('zf_figure_rollup'))")
                cur.execute("SET LOCAL work_mem = '64MB'")
        stale = set(StaleUnit.objects.values_list("unit_id", flat=True))
        ids = sorted(stale)
        for i in range(0, len(ids), BATCH):
            StaleUnit.objects.filter(unit_id__in=ids[i : i + BATCH]).delete()
        states = {s.campaign_id: s for s in FigureRollupState.objects.select_for_update()}
        for campaign in Campaign.objects.select_related("territory").order_by("pk"):
            focus_ids = sorted(campaign.focus_categories.values_list("pk", flat=True))
            state = states.get(campaign.pk)
            if state is None or FULL in stale or sorted(state.focus) != focus_ids:
                done[campaign.pk] = _build(campaign, now, focus_ids, None)
                _recount_rates(campaign, None)
            else:
                crossed = (
                    Grievance.objects.filter(campaign=campaign, due_at__gte=state.built_at)
                    .filter(overdue_problems(now))
                    .values_list("unit_id", flat=True)
                )
                changed = stale | set(crossed.distinct().order_by())
                done[campaign.pk] = _build(campaign, now, focus_ids, changed) if changed else 0
                if stale:
                    # The 三率 do not move with the clock: only written units are recounted.
                    _recount_rates(campaign, stale)
            FigureRollupState.objects.update_or_create(
                campaign=campaign, defaults={"built_at": now, "focus": focus_ids}
            )
    return done


def _build(campaign: Campaign, now: datetime, focus_ids: list[int], changed: set[int] | None) -> int:
    territory = campaign.territory
    inside = OrgUnit.objects.filter(path__startswith=territory.path)
    if changed is None:
        units = {u["pk"]: u for u in inside.values("pk", "parent_id", "depth", "path")}
        recount = set(units)
        f = selectors.Filters(campaign=campaign, unit=territory)
        existing = {}
    else:
        paths = inside.filter(pk__in=changed).values_list("pk", "path")
        recount = {pk for pk, _p in paths}
        if not recount:
            return 0
        ancestors = {int(seg) for _pk, path in paths for seg in path.split("/") if seg}
        affected = recount | ancestors
        units = {
            u["pk"]: u
            for u in inside.filter(Q(pk__in=affected) | Q(parent_id__in=affected)).values(
                "pk", "parent_id", "depth", "path"
            )
        }
        f = selectors.Filters(campaign=campaign, unit=territory, unit_ids=tuple(sorted(recount)))
        existing = dict(
            FigureRollup.objects.filter(campaign=campaign, unit_id__in=list(units)).values_list("unit_id", "data")
        )
    counted = selectors.unit_rows(f, now, focus_ids)
    affected = recount if changed is None else (recount | {pk for pk in ancestors if pk in units})

    def own(pk: int) -> dict[str, Any]:
        if pk in recount:
            rows = counted.get(pk)
            if rows is None:
                return _empty()
            part = _empty()
            part["row"] = rows["row"]
            part["focus"] = rows["focus"]
            part["cube"] = rows["cube"]
            part["entries"].update(rows["entries"])
            part["visits"].update(rows["visits"])
            return part
        return _load((existing.get(pk) or {}).get("self"))

    kids = defaultdict(list)
    for u in units.values():
        if u["parent_id"] in units:
            kids[u["parent_id"]].append(u["pk"])
    trees, selves = {}, {}
    for pk in sorted(affected, key=lambda pk: -units[pk]["depth"]):
        selves[pk] = own(pk)
        tree = _copy(selves[pk])
        for kid in kids[pk]:
            _merge(tree, trees[kid] if kid in trees else _load((existing.get(kid) or {}).get("tree")))
        trees[pk] = tree
    done = sorted(affected)
    for i in range(0, len(done), BATCH):
        FigureRollup.objects.filter(campaign=campaign, unit_id__in=done[i : i + BATCH]).delete()
    FigureRollup.objects.bulk_create(
        (
            FigureRollup(campaign=campaign, unit_id=pk, data={"self": _dump(selves[pk]), "tree": _dump(trees[pk])})
            for pk in done
        ),
        batch_size=BATCH,
    )
    return len(recount)
