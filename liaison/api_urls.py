from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("liaison-groups", api.LiaisonGroupViewSet, basename="liaison-group")
router.register("liaisons", api.LiaisonViewSet, basename="liaison")
router.register("box-openings", api.BoxOpeningViewSet, basename="box-opening")
router.register("meetings", api.MeetingViewSet, basename="meeting")
router.register("liaison-reports", api.LiaisonReportViewSet, basename="liaison-report")
router.register("daily-summaries", api.DailySummaryViewSet, basename="daily-summary")
router.register("liaison-maps", api.MapJobViewSet, basename="liaison-map")

urlpatterns = [
    path("liaison-figures/", api.StandingFiguresView.as_view(), name="liaison-figures"),
    *router.urls,
]
