from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.records, name="records"),
    path("export/", views.export, name="export"),
]
