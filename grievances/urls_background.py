"""Browser routes of the background work (issue 6), included from grievances/urls.py."""

from django.urls import path

from . import views_background as views

urlpatterns = [
    path("followups/", views.my_followups, name="followups"),
    path("followups/<int:pk>/", views.followup_record, name="followup-record"),
    path("ops/", views.ops, name="ops"),
    path("ops/supervision/", views.supervision, name="supervision-list"),
]
