"""Demo data of the reports app: violation candidates from the detectors, a few confirmed cases
(one community with three, i.e. on the 约谈 list), and some service cards handed out.

Idempotent: detectors insert by detector_key; the demo's own cases use fixed keys too."""

from django.utils import timezone

from campaigns.demo import district_data
from visits.models import Household

from .detectors import detect_all
from .models import CardDistribution, Violation

DEMO_CASES = [
    # (community index, kind, evidence)
    (0, "not_visited", "督导抽查：3户登记为已走访，农户表示未见走访干部上门"),
    (0, "fake_visit", "走访照片与另一户重复，走访时长记录不实"),
    (0, "incomplete_rectification", "楼道照明问题销号后回访，灯仍不亮"),
    (1, "no_rectification", "群众反映的排水问题超期未制定方案"),
]


def seed(ctx):
    campaign, inspector = ctx.campaign, ctx.users.get("inspector")
    created = detect_all(campaign=campaign)
    now = timezone.now()
    for i, (index, kind, evidence) in enumerate(DEMO_CASES):
        if index >= len(ctx.communities):
            continue
        Violation.objects.get_or_create(
            detector_key=f"demo:{campaign.pk}:{i}",
            defaults={
                "campaign": campaign,
                "unit": ctx.communities[index],
                "kind": kind,
                "evidence": evidence,
                "status": Violation.State.CONFIRMED,
                "source": Violation.Origin.MANUAL,
                "recorded_by": inspector,
                "reviewed_by": inspector,
                "reviewed_at": now,
            },
        )
    _typical_cases(campaign)
    # Cards handed out in the first grid (about half of its households).
    if ctx.grids:
        ids = list(Household.objects.filter(grid=ctx.grids[0]).order_by("pk").values_list("pk", flat=True))
        rows = [
            CardDistribution(
                campaign=campaign, household_id=pk, distributed_at=now, distributed_by=ctx.users.get("cadre")
            )
            for pk in ids[: len(ids) // 2]
        ]
        CardDistribution.objects.bulk_create(rows, ignore_conflicts=True)
    # The town's 连心卡 (seeds/004 十个一(四)): handed to nearly every household, a few still due.
    towns = {s["code"] for s in district_data()["streets"] if s.get("kind") == "town"}
    for town in (s for s in ctx.streets if s.code in towns):
        ids = list(
            Household.objects.filter(grid__path__startswith=town.path).order_by("pk").values_list("pk", flat=True)
        )
        rows = [
            CardDistribution(
                campaign=campaign, household_id=pk, distributed_at=now, distributed_by=ctx.users.get("admin")
            )
            for i, pk in enumerate(ids)
            if i % 40 != 7
        ]
        CardDistribution.objects.bulk_create(rows, ignore_conflicts=True)
    candidates = Violation.objects.filter(campaign=campaign, status=Violation.State.CANDIDATE).count()
    ctx.log.append(
        f"统计报告：新增待核实违规 {sum(created.values())} 条（共 {candidates} 条待核实），约谈示例 1 个社区"
    )


def _typical_cases(campaign, n=5):
    """Five solved and closed problems with a result and a satisfied resident, of different
    categories, marked as typical cases (the seeds' cases are solved ones), those the demo tells
    a story of first (a plan and a result of their own). Once per campaign."""
    from grievances.choices import Kind, Satisfaction, Status
    from grievances.demo import PLAN
    from grievances.models import Grievance

    entries = Grievance.objects.filter(campaign=campaign)
    if entries.filter(is_typical=True).exists():
        return
    picked, categories = [], set()
    solved = entries.filter(
        kind=Kind.PROBLEM, status=Status.CLOSED, satisfaction=Satisfaction.SATISFIED, merged_into__isnull=True
    ).exclude(result="")
    told = solved.exclude(proposed_solution=PLAN).order_by("pk").values_list("pk", "category_id")
    for pk, category in [*told, *solved.filter(proposed_solution=PLAN).order_by("pk").values_list("pk", "category_id")]:
        if category not in categories:
            picked.append(pk)
            categories.add(category)
        if len(picked) == n:
            break
    # The demo's own bookkeeping: a closed entry takes no edits through the ledger's services.
    entries.filter(pk__in=picked).update(is_typical=True)
