"""Browser routes of this app, included by config/urls.py."""

from django.urls import path

from . import views

app_name = "grievances"
urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("hardship/", views.hardship, name="hardship"),
    path("routed/", views.routed, name="routed"),
    path("owned/", views.owned, name="owned"),
    path("new/", views.create, name="create"),
    path("export/", views.export, name="export"),
    path("handoff/", views.handoff_batch, name="handoff"),
    path("bulk/", views.bulk, name="bulk"),
    path("import/", views.import_page, name="import"),
    path("import/<int:pk>/", views.import_page, name="import_job"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/transition/", views.transition, name="transition"),
    path("<int:pk>/merge/", views.merge, name="merge"),
    path("<int:pk>/reveal/", views.reveal_phone, name="reveal-phone"),
    path("<int:pk>/typical/", views.typical, name="typical"),
    path("<int:pk>/petition/", views.petition_flags, name="petition-flags"),
    path("petitions/", views.petitions_page, name="petitions"),
    path("petitions/new/", views.reception_create, name="reception-create"),
    path("petitions/<int:pk>/visitors/", views.reception_visitor_add, name="reception-visitor-add"),
    path("petitions/visitors/<int:pk>/", views.reception_visitor_outcome, name="reception-visitor-outcome"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("followups/", views.my_followups, name="followups"),
    path("followups/<int:pk>/", views.followup_record, name="followup-record"),
    path("board/", views.board, name="board"),
    path("board/publish/<int:pk>/", views.board_publish, name="board-publish"),
    path("board/entries/<int:pk>/", views.board_entry, name="board-entry"),
    path("board/poster/", views.board_poster, name="board-poster"),
    path("board/posters/<int:pk>/", views.board_poster_download, name="board-poster-download"),
    path("board/posters/<int:pk>/retry/", views.board_poster_retry, name="board-poster-retry"),
    path("ops/", views.ops, name="ops"),
    path("ops/supervision/", views.supervision, name="supervision-list"),
]
