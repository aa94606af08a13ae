"""Signals of the ledger, and its receivers of foundation signals.

`post_transition` is sent on commit after every transition (sender=Grievance; kwargs grievance,
name, actor, from_status, to_status): the look-back and notification code hooks in here instead
of being called by the workflow.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from campaigns.calendar import schedule_changed

post_transition = Signal()


@receiver(schedule_changed, dispatch_uid="grievances_recompute_deadlines")
def recompute_on_schedule_change(sender, years=(), **kwargs):
    """A holiday schedule was loaded or edited: open entries of those years get new deadlines."""
    from .services import recompute_deadlines

    recompute_deadlines(years=set(years or ()))


@receiver(post_save, sender="grievances.Grievance", dispatch_uid="grievances_bump_generation_save")
@receiver(post_delete, sender="grievances.Grievance", dispatch_uid="grievances_bump_generation_delete")
def invalidate_counts(sender, **kwargs):
    """Any write to the ledger makes every cached ledger count stale (selectors.cached_count)."""
    from .selectors import bump_generation

    transaction.on_commit(bump_generation)
