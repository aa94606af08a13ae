"""Browser routes of this app, included by config/urls.py."""

from django.urls import path

from . import views

app_name = "evaluations"
urlpatterns = [
    path("", views.questionnaires, name="questionnaires"),
    path("<int:pk>/", views.results, name="results"),
]
