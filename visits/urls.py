"""Browser routes of this app, included by config/urls.py."""

from django.urls import path

from . import views

app_name = "visits"
urlpatterns = [
    path("", views.my_households, name="mine"),
    path("households/", views.household_list, name="households"),
    path("ledger.xlsx", views.visit_ledger, name="visit-ledger"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/plan/", views.hardship_plan, name="plan"),
    path("households/<int:pk>/reveal/", views.household_reveal, name="household-reveal"),
    path("households/<int:pk>/visit/", views.visit_new, name="visit-new"),
    path("households/<int:pk>/event/", views.event_new, name="event-new"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("import/", views.import_upload, name="import"),
    path("import/template/", views.import_template, name="import-template"),
    path("import/<int:pk>/", views.import_detail, name="import-detail"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import-confirm"),
    path("import/<int:pk>/retry/", views.import_retry, name="import-retry"),
    path("visit-import/", views.visit_import_upload, name="visit-import"),
    path("visit-import/template/", views.visit_import_template, name="visit-import-template"),
    path("visit-import/<int:pk>/", views.visit_import_detail, name="visit-import-detail"),
    path("visit-import/<int:pk>/confirm/", views.visit_import_confirm, name="visit-import-confirm"),
    path("visit-import/<int:pk>/retry/", views.visit_import_retry, name="visit-import-retry"),
    path("assignments/", views.assignments, name="assignments"),
    path("assignments/check/", views.assignments_check, name="assignments-check"),
    path("coverage/", views.coverage, name="coverage"),
    path("pairings/", views.pairings, name="pairings"),
    path("pairings/<int:pk>/", views.pairing_detail, name="pairing"),
    path("pairings/records/<int:pk>/evidence/", views.support_evidence, name="support-evidence"),
    path("diary/", views.diary, name="diary"),
    path("diary/<int:user_id>/", views.diary, name="diary-of"),
]
