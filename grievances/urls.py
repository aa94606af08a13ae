"""Browser routes of this app, included by config/urls.py."""

app_name = "grievances"
urlpatterns = []
