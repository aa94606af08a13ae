"""API routes of this app, included under /api/ by config/urls.py."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("reports", api.ReportJobViewSet, basename="report-job")

urlpatterns = [
    path("stats/", api.StatsView.as_view(), name="api-stats"),
    *router.urls,
]
