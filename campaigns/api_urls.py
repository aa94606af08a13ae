from django.urls import path
from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("org-units", api.OrgUnitViewSet, basename="org-unit")
router.register("campaigns", api.CampaignViewSet, basename="campaign")
router.register("campaign-phases", api.CampaignPhaseViewSet, basename="campaign-phase")

urlpatterns = [
    path("auth/token/", api.TokenView.as_view(), name="api-token"),
    path("auth/token/revoke/", api.TokenRevokeView.as_view(), name="api-token-revoke"),
    path("users/me/", api.MeView.as_view(), name="api-me"),
    path("calendar/due/", api.CalendarDueView.as_view(), name="api-calendar-due"),
    path("calendar/working-days/", api.CalendarWorkingDaysView.as_view(), name="api-calendar-working-days"),
    *router.urls,
]
