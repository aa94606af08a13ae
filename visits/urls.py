"""Browser routes of this app, included by config/urls.py."""

from django.urls import path

from . import views

app_name = "visits"
urlpatterns = [
    path("", views.my_households, name="mine"),
    path("households/", views.household_list, name="households"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/visit/", views.visit_new, name="visit-new"),
    path("households/<int:pk>/event/", views.event_new, name="event-new"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("import/", views.import_upload, name="import"),
    path("import/template/", views.import_template, name="import-template"),
    path("import/<int:pk>/", views.import_detail, name="import-detail"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import-confirm"),
    path("assignments/", views.assignments, name="assignments"),
    path("assignments/check/", views.assignments_check, name="assignments-check"),
    path("coverage/", views.coverage, name="coverage"),
    path("diary/", views.diary, name="diary"),
    path("diary/<int:user_id>/", views.diary, name="diary-of"),
]
