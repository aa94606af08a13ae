"""Only office staff (or admins) over an entry mark it a typical case — it goes into the summary
PDF — or change its kind; its registrant may correct the text but not these. Nothing beyond the
editable fields rides along in an edit."""

from grievances.models import Grievance, GrievanceEvent

from .factories import GrievanceFactory


def _state(g):
    g = Grievance.objects.get(pk=g.pk)
    return g.is_typical, g.kind, g.content, g.version, GrievanceEvent.objects.filter(grievance=g).count()


def test_the_registrant_cannot_mark_their_entry_typical(cast, tree, campaign, api):
    g = GrievanceFactory(actor=cast.cadre, unit=tree.grid_a1, campaign=campaign)
    before = _state(g)
    r = api(cast.cadre).patch(f"/api/grievances/{g.pk}/", {"is_typical": True, "version": g.version}, format="json")
    assert r.status_code == 403
    assert r.json() == {"code": "not_allowed", "detail": "只有活动办工作人员可以标记典型案例"}
    assert _state(g) == before


def test_the_registrant_cannot_change_the_kind_of_their_entry(cast, tree, campaign, api):
    g = GrievanceFactory(actor=cast.cadre, unit=tree.grid_a1, campaign=campaign)
    before = _state(g)
    body = {"kind": "suggestion", "content": "改了内容", "version": g.version}
    r = api(cast.cadre).patch(f"/api/grievances/{g.pk}/", body, format="json")
    assert r.status_code == 403
    assert r.json()["detail"] == "只有活动办工作人员可以调整问题类型"
    assert _state(g) == before  # the content change in the same request is not written either


def test_the_registrant_still_corrects_the_text(cast, tree, campaign, api):
    g = GrievanceFactory(actor=cast.cadre, unit=tree.grid_a1, campaign=campaign)
    body = {"content": "路灯坏了两周", "kind": "problem", "is_typical": False, "version": g.version}
    r = api(cast.cadre).patch(f"/api/grievances/{g.pk}/", body, format="json")
    assert r.status_code == 200, r.json()
    assert Grievance.objects.get(pk=g.pk).content == "路灯坏了两周"


def test_the_office_over_the_entry_marks_it_typical_and_changes_its_kind(cast, tree, campaign, api):
    g = GrievanceFactory(actor=cast.cadre, unit=tree.grid_a1, campaign=campaign)
    body = {"is_typical": True, "kind": "suggestion", "version": g.version}
    r = api(cast.office).patch(f"/api/grievances/{g.pk}/", body, format="json")
    assert r.status_code == 200, r.json()
    g.refresh_from_db()
    assert (g.is_typical, g.kind) == (True, "suggestion")
    assert GrievanceEvent.objects.get(grievance=g, action="edit").data == {"fields": ["is_typical", "kind"]}


def test_an_office_of_another_street_cannot_edit_the_entry(cast, tree, campaign, api):
    g = GrievanceFactory(actor=cast.cadre, unit=tree.grid_a1, campaign=campaign)
    before = _state(g)
    r = api(cast.office_b).patch(f"/api/grievances/{g.pk}/", {"is_typical": True, "version": 1}, format="json")
    assert r.status_code == 404
    assert _state(g) == before


def test_fields_outside_the_edit_are_refused_not_ignored(cast, tree, campaign, api):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    before = Grievance.objects.filter(pk=g.pk).values().get()
    for field, value in (
        ("handling_unit", tree.department.pk),
        ("case_owner", cast.leader.pk),
        ("registered_by", cast.cadre.pk),
        ("due_at", "2027-01-01T00:00:00+08:00"),
        ("unit", tree.grid_a2.pk),
        ("campaign", campaign.pk),
    ):
        r = api(cast.office).patch(f"/api/grievances/{g.pk}/", {field: value, "version": g.version}, format="json")
        assert r.status_code == 400, field
        assert r.json()["errors"] == {field: ["该字段不能在此修改"]}
    assert Grievance.objects.filter(pk=g.pk).values().get() == before


def test_a_new_entry_cannot_bring_its_own_status_or_registrant(cast, tree, campaign, api):
    from .factories import category

    body = {"content": "路灯坏了", "category": category().pk, "unit": tree.grid_a1.pk}
    for field, value in (
        ("status", "closed"),
        ("registered_by", cast.office.pk),
        ("handling_unit", tree.department.pk),
    ):
        r = api(cast.cadre).post("/api/grievances/", {**body, field: value}, format="json")
        assert r.status_code == 400, field
        assert r.json()["errors"] == {field: ["该字段不能在此修改"]}
    assert not Grievance.objects.exists()
