"""Browser routes of this app, included by config/urls.py."""

from django.urls import include, path

app_name = "grievances"
urlpatterns = []
urlpatterns += [path("", include("grievances.urls_background"))]  # issue 6: background work
