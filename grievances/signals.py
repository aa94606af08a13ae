"""Signals of the ledger, and its receivers of foundation signals.

`post_transition` is sent on commit after every transition (sender=Grievance; kwargs grievance,
name, actor, from_status, to_status): the look-back and notification code hooks in here instead
of being called by the workflow.
"""

from django.dispatch import Signal, receiver

from campaigns.calendar import schedule_changed

post_transition = Signal()


@receiver(schedule_changed, dispatch_uid="grievances_recompute_deadlines")
def recompute_on_schedule_change(sender, years=(), **kwargs):
    """A holiday schedule was loaded or edited: open entries of those years get new deadlines."""
    from .services import recompute_deadlines

    recompute_deadlines(years=set(years or ()))
