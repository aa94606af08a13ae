"""API routes of this app, included under /api/ by config/urls.py."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("reports", api.ReportJobViewSet, basename="report-job")
router.register("summaries", api.SummaryDocumentViewSet, basename="summary-document")
router.register("violations", api.ViolationViewSet, basename="violation")
router.register("talks", api.TalkViewSet, basename="talk")

urlpatterns = [
    path("stats/", api.StatsView.as_view(), name="api-stats"),
    path("stats/excel/", api.StatsExcelView.as_view(), name="api-stats-excel"),
    path("scores/", api.ScoresView.as_view(), name="api-scores"),
    path("cards/rate/", api.CardRateView.as_view(), name="api-cards-rate"),
    path("cards/sheet/", api.CardSheetView.as_view(), name="api-cards-sheet"),
    path("cards/distributions/", api.CardDistributionView.as_view(), name="api-cards-distributions"),
    *router.urls,
]
