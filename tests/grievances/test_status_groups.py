"""Every status falls in the groups the ledger, the sweep and the reports count by, and the queryset
methods select exactly their group."""

from grievances.choices import (
    ANSWERED_STATUSES,
    AWAITING_PLAN_STATUSES,
    DECIDED_STATUSES,
    FINAL_STATUSES,
    RUNNING_STATUSES,
    SOLVED_STATUSES,
    UNCOLLECTED_STATUSES,
    Status,
)
from grievances.models import Grievance

from .factories import GrievanceFactory


def test_every_status_is_running_answered_or_uncollected_and_only_one_of_them():
    groups = [set(RUNNING_STATUSES), set(ANSWERED_STATUSES), set(UNCOLLECTED_STATUSES)]
    assert sorted(s for g in groups for s in g) == sorted(Status.values)
    assert set(AWAITING_PLAN_STATUSES) < set(RUNNING_STATUSES)
    assert set(SOLVED_STATUSES) | set(DECIDED_STATUSES) < set(ANSWERED_STATUSES)
    assert set(UNCOLLECTED_STATUSES) < set(FINAL_STATUSES) and not set(FINAL_STATUSES) & set(RUNNING_STATUSES)


def test_queryset_methods_select_their_group(cast, tree, campaign):
    for status in Status.values:
        g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, content=status)
        Grievance.objects.filter(pk=g.pk).update(status=status)  # each status once, not a transition

    def statuses(qs):
        return sorted(qs.values_list("status", flat=True))

    assert statuses(Grievance.objects.running()) == sorted(RUNNING_STATUSES)
    assert statuses(Grievance.objects.awaiting_plan()) == sorted(AWAITING_PLAN_STATUSES)
    assert statuses(Grievance.objects.answered()) == sorted(ANSWERED_STATUSES)
    assert statuses(Grievance.objects.solved()) == sorted(SOLVED_STATUSES)
    assert statuses(Grievance.objects.decided()) == sorted(DECIDED_STATUSES)
    assert statuses(Grievance.objects.open()) == sorted(set(Status.values) - set(FINAL_STATUSES))
    assert statuses(Grievance.objects.collected()) == sorted(set(Status.values) - set(UNCOLLECTED_STATUSES))
