"""API routes of this app, included under /api/ by config/urls.py."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("households", api.HouseholdViewSet, basename="household")
router.register("assignments", api.AssignmentViewSet, basename="assignment")
router.register("visits", api.VisitViewSet, basename="visit")
router.register("event-reports", api.EventReportViewSet, basename="event-report")
router.register("pairings", api.PairingViewSet, basename="pairing")
router.register("support-records", api.SupportRecordViewSet, basename="support-record")

imports = api.ImportJobViewSet
visit_imports = api.VisitImportJobViewSet

urlpatterns = [
    # Before the router: "import" must not be taken for a household or visit id.
    path("households/import/", imports.as_view({"post": "create"}), name="household-import"),
    path("households/import/<int:pk>/", imports.as_view({"get": "retrieve"}), name="household-import-detail"),
    path("households/import/<int:pk>/confirm/", imports.as_view({"post": "confirm"}), name="household-import-confirm"),
    path("households/import/<int:pk>/retry/", imports.as_view({"post": "retry"}), name="household-import-retry"),
    path("visits/import/", visit_imports.as_view({"post": "create"}), name="visit-import"),
    path("visits/import/<int:pk>/", visit_imports.as_view({"get": "retrieve"}), name="visit-import-detail"),
    path("visits/import/<int:pk>/confirm/", visit_imports.as_view({"post": "confirm"}), name="visit-import-confirm"),
    path("visits/import/<int:pk>/retry/", visit_imports.as_view({"post": "retry"}), name="visit-import-retry"),
    path("coverage/", api.CoverageView.as_view(), name="coverage"),
    *router.urls,
]
