from django.urls import path

from . import views

app_name = "liaison"

urlpatterns = [
    path("", views.network, name="network"),
    path("map/", views.map_new, name="map-new"),
    path("map/<int:pk>/", views.map_download, name="map-download"),
    path("map/<int:pk>/retry/", views.map_retry, name="map-retry"),
    path("boxes/", views.boxes, name="boxes"),
    path("meetings/", views.meetings, name="meetings"),
    path("reports/", views.reports, name="reports"),
    path("events/", views.events, name="events"),
    path("summaries/", views.summaries, name="summaries"),
    path("summaries/<int:pk>/", views.summary_print, name="summary-print"),
]
