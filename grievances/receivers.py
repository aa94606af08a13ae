"""What the ledger does when something happens elsewhere; connected in GrievancesConfig.ready()."""

from django.db import transaction

from campaigns.models import Phase

from .followups import LOOKBACK_TRANSITIONS, ensure_followup_for, ensure_followups
from .models import SweepRun
from .selectors import bump_generation
from .services import recompute_deadlines


def on_transition_recorded(sender, grievance, name, actor=None, from_status=None, to_status=None, **kwargs):
    """`transition_recorded` (in the transition's transaction): an answered entry gets its
    look-back follow-up in the same commit as the answer."""
    if name in LOOKBACK_TRANSITIONS:
        ensure_followup_for(grievance_id=grievance.pk)


def start_lookback(sender, campaign, old, new, **kwargs):
    """`campaigns.signals.phase_changed`: when the look-back phase starts, every follow-up it needs exists."""
    if new == Phase.LOOKBACK:
        return {"followups": ensure_followups(campaign=campaign)}
    return None


def record_phase_sync(sender, *, as_of, started_at, finished_at, counts, failures=0, error="", **kwargs):
    """`campaigns.signals.phases_synced`: the run is listed with the sweeps on the operations page."""
    SweepRun.objects.create(
        kind="phases",
        as_of=as_of,
        started_at=started_at,
        finished_at=finished_at,
        counts=counts,
        failures=failures,
        error=error,
    )


def recompute_on_schedule_change(sender, years=(), **kwargs):
    """`campaigns.calendar.schedule_changed`: a holiday schedule was loaded or edited, so open
    entries of those years get new deadlines."""
    recompute_deadlines(years=set(years or ()))


def invalidate_counts(sender, **kwargs):
    """Any write to the ledger makes every cached ledger count stale (selectors.cached_count)."""
    transaction.on_commit(bump_generation)
