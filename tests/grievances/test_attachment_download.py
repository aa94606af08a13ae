"""Evidence attachments are personal data: downloaded only through the app, by who may see the entry."""

from django.core.files.base import ContentFile

from grievances.models import Attachment

from .factories import GrievanceFactory


def _attachment(cast, tree, campaign):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    a = Attachment(grievance=g, name="整改照片.jpg", is_evidence=True, uploaded_by=cast.office)
    a.file.save("evidence.jpg", ContentFile(b"\xff\xd8\xff\xe0 fake jpeg"), save=True)
    return g, a


def test_office_downloads_evidence_from_the_detail_page(client, cast, tree, campaign):
    g, a = _attachment(cast, tree, campaign)
    client.force_login(cast.office)
    page = client.get(f"/grievances/{g.pk}/").content.decode()
    assert f"/grievances/attachments/{a.pk}/" in page
    assert "/media/" not in page
    response = client.get(f"/grievances/attachments/{a.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\xff\xd8\xff\xe0 fake jpeg"
    assert "attachment" in response["Content-Disposition"]


def test_evidence_of_another_street_is_404(client, cast, tree, campaign):
    _g, a = _attachment(cast, tree, campaign)
    for user in (cast.cadre_c, cast.office_b, cast.outsider):
        client.force_login(user)
        assert client.get(f"/grievances/attachments/{a.pk}/").status_code == 404
