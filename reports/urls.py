"""Browser routes of this app, included by config/urls.py."""

from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("excel/", views.excel_monthly, name="excel-monthly"),
    path("summaries/", views.report_list, name="report-list"),
    path("summaries/new/", views.report_create, name="report-create"),
    path("summaries/documents/<int:pk>/", views.summary_edit, name="summary-edit"),
    path("summaries/<int:pk>/row/", views.report_row, name="report-row"),
    path("summaries/<int:pk>/download/", views.report_download, name="report-download"),
    path("summaries/<int:pk>/retry/", views.report_retry, name="report-retry"),
    path("violations/", views.violations, name="violations"),
    path("violations/new/", views.violation_record, name="violation-record"),
    path("violations/detect/", views.violation_detect, name="violation-detect"),
    path("talks/", views.talk_record, name="talk-record"),
    path("violations/<int:pk>/evidence/", views.violation_evidence, name="violation-evidence"),
    path("violations/<int:pk>/<str:decision>/", views.violation_review, name="violation-review"),
    path("cards/", views.cards_page, name="cards"),
    path("cards/sheet/", views.cards_sheet, name="cards-sheet"),
    path("cards/distribute/", views.cards_distribute, name="cards-distribute"),
]
