"""Concurrent edits never lose data: a stale version is refused with 409 and nothing changes."""

from grievances.models import Grievance, GrievanceEvent

from .factories import GrievanceFactory


def test_patch_with_a_stale_version_answers_409_and_changes_nothing(cast, tree, campaign, api):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, content="原始内容")
    first = api(cast.office).patch(f"/api/grievances/{g.pk}/", {"content": "甲修改", "version": 1}, format="json")
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = api(cast.office).patch(f"/api/grievances/{g.pk}/", {"content": "乙修改", "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json() == {"code": "conflict", "detail": "数据已被他人修改，请刷新后重试"}
    g.refresh_from_db()
    assert (g.content, g.version) == ("甲修改", 2)
    assert GrievanceEvent.objects.filter(grievance=g, action="edit").count() == 1


def test_a_transition_from_a_stale_version_is_refused(cast, tree, campaign, api):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    api(cast.office).patch(f"/api/grievances/{g.pk}/", {"reporter_name": "张三", "version": 1}, format="json")
    r = api(cast.office).post(f"/api/grievances/{g.pk}/transitions/", {"name": "review", "version": 1}, format="json")
    assert r.status_code == 409
    assert Grievance.objects.get(pk=g.pk).status == "registered"


def test_patch_without_a_version_is_refused(cast, tree, campaign, api):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    r = api(cast.office).patch(f"/api/grievances/{g.pk}/", {"content": "改"}, format="json")
    assert r.status_code == 400
