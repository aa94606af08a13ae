"""Pages anyone may read without signing in, included under /public/ by config/urls.py."""

from django.urls import path

from . import views

app_name = "public"
urlpatterns = [
    path("<str:code>/", views.public_board, name="board"),
]
