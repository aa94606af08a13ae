"""Signals the ledger sends.

`post_transition` is sent on commit after every transition (sender=Grievance; kwargs grievance,
name, actor, from_status, to_status): the look-back and notification code hooks in here instead
of being called by the workflow. What the ledger does on signals it receives is in receivers.py.

`sweep_finished` is sent at the end of every deadline sweep (sender=SweepRun; kwargs run, now):
other apps' reminders run on the same beat (the liaison network's visit cadences). A receiver
returns counts (`{"cadence": 3}`), which the run records beside its own.
"""

from django.dispatch import Signal

post_transition = Signal()
sweep_finished = Signal()
