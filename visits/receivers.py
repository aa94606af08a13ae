"""What visits does when something happens elsewhere; connected in VisitsConfig.ready()."""

from campaigns.models import Phase

from .services import coverage_notice


def notice_unvisited_households(sender, campaign, old, new, **kwargs):
    """`campaigns.signals.phase_changed`: when the visiting phase ends, office staff hear which
    assigned households nobody visited."""
    if old == Phase.VISITING and new != Phase.VISITING:
        return {"coverage_notices": coverage_notice(campaign=campaign)}
    return None


def remind_plan_review_dates(sender, run, now, **kwargs):
    """`grievances.signals.sweep_finished`: remind of 一户一策 review dates that are near or past."""
    from .services import remind_plan_reviews

    return {"plan_review_reminders": remind_plan_reviews(now=now)}
