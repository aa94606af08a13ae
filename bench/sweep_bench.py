"""Deadline sweep over 10,000 and 100,000 open ledger entries (or the sizes given).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zf_sweep_bench .venv/bin/python bench/sweep_bench.py
    ... bench/sweep_bench.py 10000 1000000      # city scale: 1,000,000 open entries in under 30 s
    ... bench/sweep_bench.py 1000000 --keep     # one size; leave its entries in the database
    ... bench/sweep_bench.py 1000000 --reuse    # use the entries a --keep run left (no reload)
    ... --statements                            # also print each statement's time

Options: `--keep` leaves the last size's entries in the database (their notices and messages are
removed); `--reuse` uses the bench entries already there when there are exactly as many as asked
(loading 1,000,000 takes minutes), else loads them. With one size, no counts are compared.

Creates its own org units, people, campaign and entries (prefix BENCH-SWEEP), runs the sweep as
of one instant at which every entry is at some stage (worst case: the first run after a long
gap, a quarter each reminder / warning / overdue / not yet due), then runs it again (steady
state: nothing new), and cleans up. Prints time and SQL query count for both sizes; the query
count must be the same for both sizes, and the larger must take under 10 s on PostgreSQL at
100,000 entries or fewer, under 30 s above that.
"""

import sys
from datetime import date, datetime, timedelta

from _setup import count_queries, setup_django, timed

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
FLAGS = {a for a in sys.argv[1:] if a.startswith("--")}
SIZES = [int(a) for a in ARGS[:2]] or [10_000, 100_000]
KEEP, REUSE, STATEMENTS = "--keep" in FLAGS, "--reuse" in FLAGS, "--statements" in FLAGS
PREFIX = "BENCH-SWEEP"
TODAY = date(2026, 10, 20)  # a Tuesday after the National Day holiday


def remove_world(keep=False):
    from campaigns.models import Campaign, OrgUnit, User

    cleanup(keep=keep)
    if keep:
        return
    Campaign.objects.filter(name=PREFIX).delete()
    User.objects.filter(username__startswith=PREFIX.lower()).delete()
    for u in OrgUnit.objects.filter(code__startswith=PREFIX).order_by("-depth"):
        u.delete()


def build_world():
    from campaigns import services
    from campaigns.choices import Level, Role
    from campaigns.models import Campaign, Membership, OrgUnit, User
    from grievances.models import GrievanceCategory

    if not REUSE:
        remove_world()  # leftovers of an interrupted run

    def unit(code, level, parent):
        u, _ = OrgUnit.objects.get_or_create(
            code=f"{PREFIX}-{code}", defaults={"name": code, "level": level, "parent": parent}
        )
        return u

    district = unit("D", Level.DISTRICT, None)
    street = unit("S", Level.STREET, district)
    community = unit("C", Level.COMMUNITY, street)
    grids = [unit(f"G{i}", Level.GRID, community) for i in range(20)]
    people = []
    for name, where, role in (
        ("c1", community, Role.CADRE),
        ("c2", community, Role.CADRE),
        ("o1", street, Role.OFFICE),
    ):
        user, _ = User.objects.get_or_create(
            username=f"{PREFIX.lower()}-{name}", defaults={"phone": "13900000000", "email": f"{name}@example.com"}
        )
        Membership.objects.get_or_create(user=user, unit=where, role=role)
        people.append(user)
    campaign = Campaign.objects.filter(name=PREFIX).first() if REUSE else None
    if campaign is None:
        campaign = services.create_campaign(
            actor=None, name=PREFIX, territory=district, year=2026, start=date(2026, 6, 1)
        )
    category, _ = GrievanceCategory.objects.get_or_create(code="bench-sweep", defaults={"name": "基准测试"})
    return district, grids, people, campaign, category


def make_entries(n, grids, people, campaign, category):
    from campaigns.calendar import add_working_days, end_of_day

    # Four stages as of TODAY: reminder (due in 2 working days), warning (due today), overdue by 7
    # working days (supervision + supervision list), not due for a month.
    dues = [
        add_working_days(TODAY, 2).due,
        end_of_day(TODAY),
        end_of_day(date(2026, 10, 9)),
        end_of_day(TODAY + timedelta(days=30)),
    ]
    registered = end_of_day(date(2026, 9, 1))
    for start in range(0, n, 50_000):
        _make_batch(range(start, min(n, start + 50_000)), dues, registered, grids, people, campaign, category)


def _make_batch(numbers, dues, registered, grids, people, campaign, category):
    from grievances.models import Grievance

    rows = [
        Grievance(
            campaign=campaign,
            unit=grids[i % len(grids)],
            category=category,
            content=f"基准测试问题{i}：路灯不亮，夜间出行不便",
            registered_at=registered,
            registered_by=people[0],
            plan_due_at=registered,
            plan_submitted_at=registered,
            due_at=dues[i % 4],
            status="assigned",
        )
        for i in numbers
    ]
    Grievance.objects.bulk_create(rows, batch_size=5000)


def analyze():
    """Fresh statistics, and the space of deleted rows given back: a smaller size measured after a
    larger one must not scan the larger one's dead rows."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            for table in ("grievances_grievance", "grievances_noticelog", "grievances_notification"):
                c.execute(f"VACUUM {table}")
            c.execute("ANALYZE")


def cleanup(keep=False):
    """Plain DELETEs (no ORM cascade collection: that would load every row); `keep` keeps the entries."""
    from grievances.models import Grievance, NoticeLog, SweepRun
    from notifications.models import Delivery, Notification

    analyze()  # fresh statistics, or the planner nests loops over rows it thinks are not there

    mine = {"campaign__name": PREFIX}
    for qs in (
        Delivery.objects.filter(notification__grievance__campaign__name=PREFIX),
        Notification.objects.filter(grievance__campaign__name=PREFIX),
        NoticeLog.objects.filter(grievance__campaign__name=PREFIX),
        *([] if keep else [Grievance.objects.filter(**mine)]),
    ):
        qs._raw_delete(qs.db)
    SweepRun.objects.filter(counts__bench=True).delete()


def print_statements(n, *runs):
    for label, ctx in zip(("first", "again"), runs, strict=True):
        print(f"  {n} {label} run, statements by time:")
        for q in sorted(ctx.captured_queries, key=lambda q: -float(q["time"])):
            sql = " ".join(q["sql"].split())
            print(f"    {float(q['time']):8.3f} s  {sql[:150]}")


def main():
    setup_django()
    from django.db import connection

    from campaigns.calendar import SHANGHAI
    from config.celery import app
    from grievances.models import DeadlineSettings, Grievance, SweepRun
    from grievances.sweep import sweep_deadlines
    from notifications.models import ChannelSettings, Notification

    if connection.vendor != "postgresql":
        print("warning: not PostgreSQL; the 10 s target is for PostgreSQL", file=sys.stderr)
    district, grids, people, campaign, category = build_world()
    # The settings rows are created on first use; create them now so that the first measured run of
    # a fresh database counts the same statements as every later run.
    DeadlineSettings.load()
    ChannelSettings.load()
    now = datetime(2026, 10, 20, 9, 0, tzinfo=SHANGHAI)
    figures = []
    try:
        for n in SIZES:
            have = Grievance.objects.filter(campaign=campaign).count() if REUSE else -1
            cleanup(keep=have == n)
            if have != n:
                make_entries(n, grids, people, campaign, category)
            analyze()
            results = {}
            with count_queries() as first_q, timed("first", results):
                first = sweep_deadlines(now=now)
            with count_queries() as again_q, timed("again", results):
                again = sweep_deadlines(now=now)
            if STATEMENTS:
                print_statements(n, first_q, again_q)
            SweepRun.objects.filter(pk__in=[first.pk, again.pk]).update(counts={**first.counts, "bench": True})
            figures.append(
                (n, results, len(first_q.captured_queries), len(again_q.captured_queries), first.counts, again.counts)
            )
            assert Grievance.objects.filter(campaign=campaign).count() == n
            assert again.counts["notifications"] == 0
            print(
                f"{n:>7} open entries: first run {results['first']:.2f} s, {len(first_q.captured_queries)} queries "
                f"({first.counts['reminder']} reminders, {first.counts['warning']} warnings, "
                f"{first.counts['supervision']} supervision, {first.counts['listed']} listed, "
                f"{first.counts['notifications']} inbox messages; e-mail/SMS deliveries are made by the channel tasks); "
                f"second run {results['again']:.2f} s, {len(again_q.captured_queries)} queries, "
                f"{Notification.objects.filter(grievance__campaign=campaign).count()} messages in all",
                flush=True,
            )
    finally:
        remove_world(keep=KEEP)
        app.control.purge()  # the delivery tasks queued by the runs (no worker listens here)
    n1, _r1, q1, a1, _c1, _d1 = figures[0]
    n2, _r2, q2, a2, _c2, _d2 = figures[-1]
    if len(figures) > 1:
        print(
            f"query count equal for {n1} and {n2}: first run {q1} == {q2}: {q1 == q2}; "
            f"second run {a1} == {a2}: {a1 == a2}"
        )
    big, r_big = max(figures, key=lambda f: f[0])[:2]
    limit = 10 if big <= 100_000 else 30
    print(f"{big:,} first run under {limit} s: {r_big['first'] < limit}")
    import os

    print(f"load average: {os.getloadavg()}")
    return 0 if q1 == q2 and a1 == a2 and r_big["first"] < limit else 1


if __name__ == "__main__":
    sys.exit(main())
