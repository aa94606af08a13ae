"""Signals the ledger sends.

`post_transition` is sent on commit after every transition (sender=Grievance; kwargs grievance,
name, actor, from_status, to_status): the look-back and notification code hooks in here instead
of being called by the workflow. What the ledger does on signals it receives is in receivers.py.
"""

from django.dispatch import Signal

post_transition = Signal()
