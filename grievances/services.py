"""Writes of the ledger. `register_grievance()` is the one way an entry is created."""

from django.db import transaction
from django.utils import timezone

from campaigns import calendar
from campaigns.errors import InvalidInput
from campaigns.models import Campaign

from .models import Grievance, GrievanceEvent, Reporter, Status, Tier


def compute_deadlines(*, campaign, registered_at, tier):
    """Plan due in 5 working days unless solved on the spot; resolution by tier (DOMAIN.md, seeds/002)."""
    if tier == Tier.ON_SPOT:
        due = calendar.add_working_days(registered_at, 0)
        return None, due.due, due.provisional
    plan = calendar.add_working_days(registered_at, campaign.tier_days("plan"))
    due = calendar.add_working_days(registered_at, campaign.tier_days(tier))
    return plan.due, due.due, plan.provisional or due.provisional


@transaction.atomic
def register_grievance(
    *,
    actor,
    content,
    category,
    kind="problem",
    source="visit",
    tier=Tier.GENERAL,
    household=None,
    visit=None,
    unit=None,
    campaign=None,
    reporter_name="",
    reporter_phone="",
    proposed_solution="",
    registered_at=None,
):
    """Open a ledger entry; deadlines come from the working-day calendar and the campaign's tiers."""
    if not content or not content.strip():
        raise InvalidInput("请填写反映内容", fields={"content": ["请填写反映内容"]})
    unit = household.grid if household is not None else unit
    if unit is None:
        raise InvalidInput("请指定所属单位或农户")
    campaign = campaign or (visit.campaign if visit is not None else Campaign.objects.current_for_unit(unit))
    if campaign is None:
        raise InvalidInput("该单位没有进行中的走访活动")
    registered_at = registered_at or timezone.now()
    plan_due_at, due_at, provisional = compute_deadlines(campaign=campaign, registered_at=registered_at, tier=tier)
    if household is not None and not reporter_name:
        reporter_name = household.head_name
    grievance = Grievance.objects.create(
        campaign=campaign,
        household=household,
        visit=visit,
        unit=unit,
        kind=kind,
        category=category,
        source=source,
        tier=tier,
        content=content.strip(),
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        proposed_solution=proposed_solution,
        registered_at=registered_at,
        registered_by=actor,
        plan_due_at=plan_due_at,
        due_at=due_at,
        deadline_provisional=provisional,
    )
    Reporter.objects.create(grievance=grievance, name=reporter_name, phone=reporter_phone, household=household)
    GrievanceEvent.objects.create(
        grievance=grievance, actor=actor, action="register", to_status=Status.REGISTERED, note="登记"
    )
    return grievance
