"""After a form, the pages go back to where the form was (`next`), never to another site."""

from notifications.services import notify

from .factories import ViolationFactory


def test_a_review_goes_back_to_the_scoring_page_not_to_another_site(client, cast, tree, campaign):
    v = ViolationFactory(campaign=campaign, unit=tree.community_a, status="candidate", evidence="未走访")
    client.force_login(cast.inspector)
    r = client.post(f"/reports/violations/{v.pk}/confirm/", {"next": "https://evil.example/phish"})
    assert r.status_code == 302 and r["Location"] == "/reports/violations/"
    r = client.post(f"/reports/violations/{v.pk}/dismiss/", {"note": "误报", "next": "/reports/violations/?status=x"})
    assert r["Location"] == "/reports/violations/?status=x"


def test_marking_messages_read_goes_back_only_within_the_site(client, cast):
    notify(recipients=[cast.cadre], kind="other", title="通知一")
    client.force_login(cast.cadre)
    r = client.post("/grievances/notifications/read/", {"next": "//evil.example/"})
    assert r.status_code == 302 and r["Location"] == "/grievances/notifications/"
