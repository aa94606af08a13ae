"""Subtree queries at 5,000 org units: one indexed prefix match, no tree walks.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/zoufang .venv/bin/python bench/org_tree_bench.py
Prints the time of subtree counts and of a user's scoped list, and the SQL query count.
"""

import time

from _setup import count_queries, p95, setup_django

setup_django()

from django.db import transaction  # noqa: E402

from campaigns.choices import Level, Role  # noqa: E402
from campaigns.models import Membership, OrgUnit, User  # noqa: E402

PREFIX = "BENCH-"


@transaction.atomic
def build():
    OrgUnit.objects.filter(code__startswith=PREFIX, level=Level.GRID).delete()
    OrgUnit.objects.filter(code__startswith=PREFIX, level=Level.COMMUNITY).delete()
    OrgUnit.objects.filter(code__startswith=PREFIX, level=Level.STREET).delete()
    OrgUnit.objects.filter(code__startswith=PREFIX).delete()
    district = OrgUnit.objects.create(code=f"{PREFIX}D", name="基准区", level=Level.DISTRICT)
    units = 1
    streets = []
    for s in range(20):
        street = OrgUnit.objects.create(code=f"{PREFIX}S{s}", name=f"街道{s}", level=Level.STREET, parent=district)
        streets.append(street)
        units += 1
        for c in range(12):
            community = OrgUnit.objects.create(
                code=f"{PREFIX}S{s}C{c}", name=f"社区{c}", level=Level.COMMUNITY, parent=street
            )
            units += 1
            for g in range(20):
                OrgUnit.objects.create(
                    code=f"{PREFIX}S{s}C{c}G{g}", name=f"网格{g}", level=Level.GRID, parent=community
                )
                units += 1
    return district, streets, units


def main():
    t0 = time.perf_counter()
    district, streets, units = build()
    print(f"built {units} units in {time.perf_counter() - t0:.1f} s")
    user, _ = User.objects.get_or_create(username="bench-office")
    Membership.objects.get_or_create(user=user, unit=streets[7], role=Role.OFFICE)

    samples = []
    for _ in range(200):
        start = time.perf_counter()
        n = OrgUnit.objects.subtree_of(streets[7]).count()
        samples.append((time.perf_counter() - start) * 1000)
    print(f"subtree of one street ({n} units): p95 {p95(samples):.2f} ms over 200 queries")
    plan = OrgUnit.objects.subtree_of(streets[7]).explain()
    print("plan:", next(line.strip() for line in plan.splitlines() if "Scan" in line))

    samples = []
    for _ in range(200):
        user = User.objects.get(username="bench-office")
        start = time.perf_counter()
        with count_queries() as ctx:
            rows = list(OrgUnit.objects.visible_to(user).values_list("id", flat=True)[:50])
            total = OrgUnit.objects.visible_to(user).count()
        samples.append((time.perf_counter() - start) * 1000)
    print(
        f"office's scoped list (first 50 of {total}): p95 {p95(samples):.2f} ms, "
        f"{len(ctx.captured_queries)} queries (membership lookup + page + count); {len(rows)} rows"
    )
    OrgUnit.objects.filter(code__startswith=PREFIX).update(parent=None)
    OrgUnit.objects.filter(code__startswith=PREFIX).delete()
    User.objects.filter(username="bench-office").delete()


if __name__ == "__main__":
    main()
