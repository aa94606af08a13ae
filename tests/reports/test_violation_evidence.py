"""Violation evidence files are downloaded through the app, by who may see the violation."""

from django.core.files.base import ContentFile

from reports.models import Violation


def _violation(cast, tree, campaign):
    v = Violation(
        campaign=campaign,
        unit=tree.community_a,
        kind="fake_visit",
        evidence="抽查发现未入户",
        status=Violation.State.CONFIRMED,
        recorded_by=cast.inspector,
    )
    v.evidence_file.save("check.pdf", ContentFile(b"%PDF-1.4 evidence"), save=True)
    return v


def test_inspector_downloads_evidence_and_the_api_gives_the_checked_url(client, api, cast, tree, campaign):
    v = _violation(cast, tree, campaign)
    row = api(cast.inspector).get(f"/api/violations/{v.pk}/").json()
    assert row["evidence_url"] == f"/reports/violations/{v.pk}/evidence/"
    assert "evidence_file" not in row
    client.force_login(cast.inspector)
    response = client.get(row["evidence_url"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 evidence"


def test_evidence_outside_scope_is_404(client, cast, tree, campaign):
    v = _violation(cast, tree, campaign)
    for user in (cast.cadre_c, cast.office_b, cast.outsider):
        client.force_login(user)
        assert client.get(f"/reports/violations/{v.pk}/evidence/").status_code == 404
