"""Browser routes of the inbox. config/urls.py mounts them under /grievances/, the address the
inbox has always had: links in e-mails already sent and people's bookmarks point there."""

from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/read/", views.mark_read, name="read-all"),
    path("notifications/<int:pk>/read/", views.mark_read, name="read"),
]
