"""API routes of this app, included under /api/ by config/urls.py."""

from django.urls import include, path

urlpatterns = []
urlpatterns += [path("", include("grievances.api_background"))]  # issue 6: background work
