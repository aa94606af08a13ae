"""The maintained rollup of the figures (reports.rollup) equals the live count, per unit, after
random writes: new and moved households, focus categories, visits made and deleted, entries walked
through their transitions, merged and withdrawn, a roster import, and deadlines passing by. The
dashboard and /api/stats/ say when it was rebuilt, and count live once it is over a minute old."""

import random
from datetime import timedelta

import pytest
import time_machine
from django.db.models import Q
from django.utils import timezone

from campaigns.models import CalendarDay, FocusCategory
from grievances.choices import FINAL_STATUSES, Kind
from grievances.selectors import handling_rates, rates_qs
from reports.models import StaleUnit
from reports.rollup import rates, rebuild
from reports.selectors import Filters, campaign_figures
from tests.grievances.factories import GrievanceFactory
from tests.visits.factories import HouseholdFactory, VisitFactory, roster_xlsx
from tests.visits.test_roster_import import good_rows, upload
from visits.choices import HouseholdKind
from visits.models import Household, Visit

pytestmark = pytest.mark.django_db

PROBLEM_STATUSES = ["registered", "reviewed", "assigned", "planned", "resolved", "explained", "followed_up", "closed"]
SUGGESTION_STATUSES = ["registered", "assigned", "adopted", "not_adopted"]


def _units(tree):
    return [tree.district, tree.street_a, tree.street_b, tree.community_a, tree.community_b, tree.grid_a1]


def _without_clock(figures):
    return {k: v for k, v in figures.items() if k not in ("generated_at", "rolled_up_at")}


def _agree(campaign, tree):
    """Rebuild, then every unit's figures from the rollup equal the live count, in every shape."""
    with time_machine.travel(timezone.now(), tick=False):
        rebuild()
        assert not StaleUnit.objects.exists()
        for unit in _units(tree):
            f = Filters(campaign=campaign, unit=unit)
            for shape in ({}, {"detail": False}, {"visits_by_unit": True}):
                rolled = campaign_figures(f, **shape)
                live = campaign_figures(f, rollup=False, **shape)
                assert rolled["rolled_up_at"] is not None and live["rolled_up_at"] is None
                assert _without_clock(rolled) == _without_clock(live), (unit.name, shape)
            # The 三率: summed from the (unit, handling unit) rows, equal to the live count.
            assert rates(f) == handling_rates(campaign=campaign, unit=unit), unit.name


def on_line(a, b):
    return a.path.startswith(b.path) or b.path.startswith(a.path)


def _write(rng, api, campaign, tree, cast, round_no):
    grids = [tree.grid_a1, tree.grid_a2, tree.grid_b1, tree.grid_c1]
    units = [*grids, tree.community_a, tree.street_b, tree.district]
    focus = list(campaign.focus_categories.all())
    for _ in range(6):
        kind = rng.choice([HouseholdKind.HOUSEHOLD, HouseholdKind.HOUSEHOLD, HouseholdKind.SHOP, HouseholdKind.SCHOOL])
        home = HouseholdFactory(grid=rng.choice(grids), kind=kind)
        if focus and rng.random() < 0.5:
            home.categories.add(*rng.sample(focus, rng.randint(1, len(focus))))
    homes = list(Household.objects.all())
    for _ in range(8):
        visit = VisitFactory(campaign=campaign, household=rng.choice(homes), visitor=cast.admin)
        if rng.random() < 0.2:
            Visit.objects.filter(pk=visit.pk).update(is_followup=True)  # a look-back visit
    # A set-based move of a household to another grid, and a deleted visit.
    Household.objects.filter(pk=rng.choice(homes).pk).update(grid=rng.choice(grids))
    Visit.objects.filter(pk=Visit.objects.order_by("?").values("pk")[:1]).delete()
    survivors = []
    for i in range(8):
        kind = rng.choice([Kind.PROBLEM, Kind.PROBLEM, Kind.SUGGESTION])
        status = rng.choice(PROBLEM_STATUSES if kind == Kind.PROBLEM else SUGGESTION_STATUSES)
        unit = rng.choice(units)
        g = GrievanceFactory(
            campaign=campaign,
            unit=unit,
            # Routed to its own unit, a department, or a unit above or below it on its line (a
            # street handling the district's own entry counts in that street's 三率 too).
            handling_unit=rng.choice(
                [None, tree.department, *(u for u in units if on_line(u, unit)), tree.street_a, tree.community_a]
                if unit == tree.district
                else [None, tree.department, *(u for u in units if on_line(u, unit))]
            ),
            resolved_at=timezone.now() - timedelta(days=rng.randint(0, 20)) if rng.random() < 0.3 else None,
            kind=kind,
            status=status,
            overdue=status in ("registered", "assigned") and rng.random() < 0.5,
            is_typical=rng.random() < 0.2,
            # Not satisfied cannot be closed (重新办理).
            satisfaction=rng.choice(
                ["satisfied", "basically_satisfied"] + (["not_satisfied"] if status != "closed" else [])
            ),
        )
        survivors.append(g)
        if i % 4 == 3:
            # Found unsolved on the look-back: sent back to work.
            GrievanceFactory(campaign=campaign, unit=unit, path=["assign", "resolve", "follow_up", "reopen"])
    GrievanceFactory(
        campaign=campaign,
        unit=rng.choice(units),
        status="merged",
        merged_into=next(g for g in survivors if g.status not in FINAL_STATUSES),
    )
    GrievanceFactory(campaign=campaign, unit=rng.choice(units), status="withdrawn")
    if round_no == 1:
        response = upload(api, cast.office, roster_xlsx(good_rows(tree, n=5)))
        assert response.status_code in (201, 202), response.content
        job = response.json()["id"]
        confirm = api(cast.office).post(f"/api/households/import/{job}/confirm/")
        assert confirm.status_code in (200, 202), confirm.content
        assert Household.objects.filter(head_name__in=[f"张{i}" for i in range(1, 6)]).count() == 5


def test_the_rollup_equals_the_live_count_after_random_writes(api, campaign, tree, cast):
    rng = random.Random(16)
    hardship = FocusCategory.objects.order_by("pk")[:2]
    campaign.focus_categories.set(hardship)
    _agree(campaign, tree)  # the first rebuild counts the campaign whole
    for round_no in range(3):
        _write(rng, api, campaign, tree, cast, round_no)
        # Every write left its unit in the triggers' list, in its own transaction.
        assert StaleUnit.objects.exists()
        _agree(campaign, tree)
    # A changed set of focus categories is counted whole again.
    campaign.focus_categories.set(FocusCategory.objects.order_by("pk")[:3])
    _agree(campaign, tree)
    # A holiday declared inside an answered entry's working time: its working days to the answer
    # change, so the 三率 are counted again (the calendar's trigger asks for a full rebuild).
    now = timezone.now()
    GrievanceFactory(
        campaign=campaign,
        unit=tree.grid_a1,
        handling_unit=tree.street_a,
        registered_at=now - timedelta(days=20),
        status="resolved",
        resolved_at=now - timedelta(days=1),
    )
    rebuild()
    f = Filters(campaign=campaign, unit=tree.street_a)
    before = rates(f)
    entry = (
        rates_qs(campaign, Q(resolved_at__isnull=False))
        .values("_start_day", "_answer_day")
        .order_by("_start_day")
        .first()
    )
    day = next(
        entry["_start_day"] + timedelta(days=n)
        for n in range(1, (entry["_answer_day"] - entry["_start_day"]).days)
        if (entry["_start_day"] + timedelta(days=n)).weekday() < 5
        and not CalendarDay.objects.filter(date=entry["_start_day"] + timedelta(days=n)).exists()
    )
    CalendarDay.objects.create(date=day, is_workday=False, name="测试假日")
    assert StaleUnit.objects.filter(unit_id=0).exists()
    assert handling_rates(campaign=campaign, unit=tree.street_a) != before
    _agree(campaign, tree)
    # Deadlines pass with no write at all: the units where one passed are counted again.
    traveller = time_machine.travel(timezone.now() + timedelta(days=30), tick=True)
    with traveller:
        assert not StaleUnit.objects.exists()
        _agree(campaign, tree)


def test_the_figures_say_when_the_rollup_was_rebuilt_and_count_live_when_it_is_old(api, client, campaign, tree, cast):
    GrievanceFactory(campaign=campaign, unit=tree.grid_a1)
    with time_machine.travel(timezone.now(), tick=False):
        rebuild()
        stats = api(cast.leader).get("/api/stats/", {"campaign": campaign.pk, "org_unit": tree.district.pk}).json()
        assert stats["rolled_up_at"] is not None and stats["grievances_total"] == 1
        client.force_login(cast.leader)
        page = client.get("/reports/", {"campaign": campaign.pk, "org_unit": tree.district.pk}).content.decode()
        assert "统计汇总表每分钟更新" in page
    GrievanceFactory(campaign=campaign, unit=tree.grid_a1)
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        stats = api(cast.leader).get("/api/stats/", {"campaign": campaign.pk, "org_unit": tree.district.pk}).json()
        # Over a minute old: counted live, the new entry included.
        assert stats["rolled_up_at"] is None and stats["grievances_total"] == 2
        rebuild()
        stats = api(cast.leader).get("/api/stats/", {"campaign": campaign.pk, "org_unit": tree.district.pk}).json()
        assert stats["rolled_up_at"] is not None and stats["grievances_total"] == 2


def test_figures_served_from_the_rollup_are_cached_until_a_write_they_read(
    api, client, campaign, tree, cast, django_capture_on_commit_callbacks
):
    """While the rollup is fresh, /api/stats/ and the dashboard are cached, but every write that
    the figures read besides the rollup (a typical case, a confirmed violation, a renamed unit)
    shows at once, and a rebuild replaces them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from grievances import services as ledger
    from tests.reports.factories import ViolationFactory

    entry = GrievanceFactory(campaign=campaign, unit=tree.grid_a1)
    params = {"campaign": campaign.pk, "org_unit": tree.district.pk}
    client.force_login(cast.leader)

    def stats():
        with CaptureQueriesContext(connection) as queries:
            body = api(cast.leader).get("/api/stats/", params).json()
        return body, len(queries.captured_queries)

    with time_machine.travel(timezone.now(), tick=False):
        rebuild()
        first, counted = stats()
        again, cached = stats()
        assert again == first and cached < counted / 2, (cached, counted)
        assert first["typical_cases"] == []
        # (each write's invalidation runs when it commits)
        with django_capture_on_commit_callbacks(execute=True):
            ledger.update_grievance(actor=cast.admin, grievance=entry, version=entry.version, is_typical=True)
        assert [c["id"] for c in stats()[0]["typical_cases"]] == [entry.pk]
        confirmed = {s["id"]: s["confirmed"] for s in stats()[0]["scores"]}
        with django_capture_on_commit_callbacks(execute=True):
            ViolationFactory(campaign=campaign, unit=tree.community_a)
        assert {s["id"]: s["confirmed"] for s in stats()[0]["scores"]}[tree.community_a.pk] == (
            confirmed[tree.community_a.pk] + 1
        )
        with django_capture_on_commit_callbacks(execute=True):
            tree.street_a.name = "改名街道"
            tree.street_a.save()
        assert "改名街道" in [c["name"] for c in stats()[0]["children"]]
        assert "改名街道" in client.get("/reports/", params).content.decode()
        # A write counted by the rollup waits for its rebuild, as the time beside the figures says.
        with django_capture_on_commit_callbacks(execute=True):
            GrievanceFactory(campaign=campaign, unit=tree.grid_a1)
        assert stats()[0]["grievances_total"] == 1
    with time_machine.travel(timezone.now() + timedelta(seconds=30), tick=False):
        rebuild()  # the next minute's run
        assert stats()[0]["grievances_total"] == 2
