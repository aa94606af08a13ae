"""Demo data of the background work (issue 6). The lead calls `seed(ctx)` LAST in seed_demo,
after visits and grievances (the ledger's own grievances/demo.py belongs to the ledger branch).

It makes sure one demo entry is overdue (the cadre's community, the first street's office sees
the 督办 notice), gives answered entries their look-back tasks, and runs one deadline sweep so
the inbox shows notices at once; the beat keeps sweeping every 15 minutes after that.
Idempotent: the entry is found by its text, and the sweep never sends a notice twice.
"""

from datetime import timedelta

from django.utils import timezone

from . import taxonomy
from .demo import ledger_data
from .models import Grievance, GrievanceCategory

OVERDUE_TEXT = "3号楼前的路灯坏了半个多月，晚上出门黑漆漆的，老人都不敢下楼。（演示：已超期）"


def _category():
    wanted = ledger_data()["grievances"][0]["category"]
    category = GrievanceCategory.objects.filter(code=wanted).first()
    if category is None:
        top = taxonomy.categories()[0]
        parent, _ = GrievanceCategory.objects.get_or_create(code=top.code, defaults={"name": top.name})
        child = top.children[0]
        category, _ = GrievanceCategory.objects.get_or_create(
            code=child.code, defaults={"name": child.name, "parent": parent}
        )
    return category


def seed(ctx):
    from visits.models import Household

    from .followups import LOOKBACK_STATUSES, ensure_followup_for
    from .models import FollowUp
    from .services import register_grievance
    from .sweep import sweep_deadlines

    cadre = ctx.users["cadre"]
    community = cadre.memberships.first().unit
    grid = next((g for g in ctx.grids if g.parent_id == community.pk), ctx.grids[0])
    if not Grievance.objects.filter(campaign=ctx.campaign, content=OVERDUE_TEXT).exists():
        household = Household.objects.filter(grid=grid).order_by("id").first()
        # Registered 40 days ago: both the plan (5) and the resolution (15 working days) deadlines passed.
        # Collected offline and entered afterwards: only office staff may backdate (issue 5).
        register_grievance(
            actor=ctx.users["office"],
            content=OVERDUE_TEXT,
            category=_category(),
            household=household,
            unit=None if household else grid,
            campaign=ctx.campaign,
            registered_at=timezone.now() - timedelta(days=40),
        )
        ctx.log.append("回头看/督办：已登记 1 条超期演示问题")
    answered = Grievance.objects.filter(campaign=ctx.campaign, status__in=LOOKBACK_STATUSES).exclude(
        pk__in=FollowUp.objects.values("grievance_id")
    )
    for pk in answered.values_list("pk", flat=True):
        ensure_followup_for(grievance_id=pk)
    run = sweep_deadlines()
    ctx.log.append(
        f"期限扫描：提醒 {run.counts['reminder']}，预警 {run.counts['warning']}，督办 {run.counts['supervision']}，"
        f"站内消息 {run.counts['notifications']}"
    )
