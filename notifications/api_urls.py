"""API routes of this app, included under /api/ by config/urls.py."""

from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.include_root_view = False
router.register("notifications", api.NotificationViewSet, basename="notification")

urlpatterns = router.urls
