"""Signals the ledger sends.

`transition_recorded` is sent inside every transition's transaction, once its history row is
written (sender=Grievance; kwargs grievance, name, actor, from_status, to_status): what must stand
or fall with the transition hooks in here (the look-back follow-up of an answered entry), so a
crash after the commit or a broker away loses none of it. Its receivers write rows only; what they
ask a worker to do goes through the outbox.

`post_transition` is sent on commit after every transition (the same kwargs): code that only reacts
to a change already committed hooks in here instead of being called by the workflow. What the ledger does on signals it receives is in receivers.py.

`sweep_finished` is sent at the end of every deadline sweep (sender=SweepRun; kwargs run, now):
other apps' reminders run on the same beat (the liaison network's visit cadences). A receiver
returns counts (`{"cadence": 3}`), which the run records beside its own.
"""

from django.dispatch import Signal

transition_recorded = Signal()
post_transition = Signal()
sweep_finished = Signal()
