"""The demo publishes one community's board, readable without login."""

from django.test import Client

from grievances.models import Publication


def test_demo_publishes_a_community_board_with_approved_texts(demo_district):
    published = Publication.objects.on_board().select_related("unit")
    assert published.count() >= 6
    assert published.filter(text_approved_at__isnull=False).exists()
    unit = published.first().unit
    response = Client().get(f"/public/{unit.code}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "群众反映" in text and "已按期办结" in text
