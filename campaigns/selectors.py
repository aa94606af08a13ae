"""Reads of the foundation beyond a filter: which campaign a request works in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .access import get_for
from .api_base import MAX_ID
from .models import Campaign

if TYPE_CHECKING:
    from django.http import HttpRequest

    from .models import OrgUnit

SESSION_KEY = "campaign_id"


def campaign_choices(user) -> list[Campaign]:
    """The campaigns the user may switch to, the current one first."""
    return Campaign.objects.visible_to(user).select_related("territory").ranked()


def _asked(request: HttpRequest) -> int | None:
    raw = request.GET.get("campaign", "")
    if raw.isdigit() and 0 < int(raw) <= MAX_ID:
        return int(raw)
    return None


def current_campaign(request: HttpRequest, unit: OrgUnit | None = None) -> Campaign | None:
    """The campaign a page or API call works in: `?campaign=` (404 outside the user's scope), else
    the one chosen for the session, else the current one (`CampaignQuerySet.current`) over `unit`
    or among all the user sees. A chosen campaign that does not cover `unit` yields to the current
    one over it."""
    user = request.user
    visible = Campaign.objects.visible_to(user).prefetch_related("phases")
    asked = _asked(request)
    if asked is not None:
        return get_for(user, visible, pk=asked)
    session = getattr(request, "session", None)
    chosen_pk = session.get(SESSION_KEY) if session is not None else None
    if chosen_pk:
        qs = visible.for_unit(unit) if unit is not None else visible
        chosen = qs.filter(pk=chosen_pk).first()
        if chosen is not None:
            return chosen
    return visible.current_for_unit(unit) if unit is not None else visible.current()


def choose_campaign(request: HttpRequest, campaign: Campaign) -> None:
    """Remember the campaign the user switched to (one they may see) for the rest of the session."""
    request.session[SESSION_KEY] = campaign.pk
