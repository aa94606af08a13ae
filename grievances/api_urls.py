"""API routes of this app, included under /api/ by config/urls.py."""

urlpatterns = []
