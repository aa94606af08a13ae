"""A solved entry, closed ones included, is marked a typical case (and unmarked) by office staff,
on the page and in the API; an entry still in work cannot be one."""

from grievances.models import Grievance

from .factories import GrievanceFactory


def test_the_office_marks_a_closed_entry_typical_in_the_api(api, cast, tree, campaign):
    g = GrievanceFactory(actor=cast.cadre, unit=tree.grid_a1, campaign=campaign, status="closed")
    r = api(cast.office).post(f"/api/grievances/{g.pk}/typical/", {"is_typical": True}, format="json")
    assert r.status_code == 200 and r.json()["is_typical"] is True
    assert Grievance.objects.get(pk=g.pk).is_typical
    r = api(cast.office).post(f"/api/grievances/{g.pk}/typical/", {"is_typical": False}, format="json")
    assert r.json()["is_typical"] is False


def test_the_page_marks_a_closed_entry_typical(client, cast, tree, campaign):
    g = GrievanceFactory(actor=cast.cadre, unit=tree.grid_a1, campaign=campaign, status="closed")
    client.force_login(cast.office)
    assert "标记为典型案例" in client.get(f"/grievances/{g.pk}/").content.decode()
    r = client.post(f"/grievances/{g.pk}/typical/", {"is_typical": "1"}, follow=True)
    assert "已标记为典型案例" in r.content.decode()
    assert Grievance.objects.get(pk=g.pk).is_typical


def test_an_entry_in_work_is_not_a_typical_case_and_a_cadre_cannot_mark_one(api, cast, tree, campaign):
    running = GrievanceFactory(actor=cast.cadre, unit=tree.grid_a1, campaign=campaign, status="assigned")
    r = api(cast.office).post(f"/api/grievances/{running.pk}/typical/", {"is_typical": True}, format="json")
    assert r.status_code == 409
    closed = GrievanceFactory(actor=cast.cadre, unit=tree.grid_a1, campaign=campaign, status="closed")
    assert api(cast.cadre).post(f"/api/grievances/{closed.pk}/typical/", {"is_typical": True}).status_code == 403
    assert api(cast.office_b).post(f"/api/grievances/{closed.pk}/typical/", {"is_typical": True}).status_code == 404
    assert not Grievance.objects.filter(is_typical=True).exists()
