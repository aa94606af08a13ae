"""What visits does when something happens elsewhere; connected in VisitsConfig.ready()."""

from campaigns.models import Phase

from .services import coverage_notice


def notice_unvisited_households(sender, campaign, old, new, **kwargs):
    """`campaigns.signals.phase_changed`: when the visiting phase ends, office staff hear which
    assigned households nobody visited."""
    if old == Phase.VISITING and new != Phase.VISITING:
        return {"coverage_notices": coverage_notice(campaign=campaign)}
    return None
