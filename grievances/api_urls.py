"""API routes of this app, included under /api/ by config/urls.py."""

from rest_framework.routers import DefaultRouter

from . import api

# The import routes come first: "grievances/import/" must not be read as an entry id.
imports = DefaultRouter(trailing_slash=True)
imports.include_root_view = False
imports.register("grievances/import", api.ImportViewSet, basename="grievance-import")

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("grievance-categories", api.CategoryViewSet, basename="grievance-category")
router.register("grievances", api.GrievanceViewSet, basename="grievance")
router.register("followups", api.FollowUpViewSet, basename="followup")
router.register("sweep-runs", api.SweepRunViewSet, basename="sweep-run")
router.register("publications", api.PublicationViewSet, basename="publication")
router.register("board-posters", api.BoardPosterViewSet, basename="board-poster")
router.register("supervision-list", api.SupervisionListViewSet, basename="supervision-list")
router.register("receptions", api.ReceptionViewSet, basename="reception")
router.register("reception-visitors", api.ReceptionVisitorViewSet, basename="reception-visitor")

urlpatterns = [*imports.urls, *router.urls]
