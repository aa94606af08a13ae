"""Merging and importing write only inside the caller's scope: duplicates and merge targets the
office may merge, offline ledgers into units the uploader may register in, confirmed by the
uploader alone."""

from grievances.models import Grievance, GrievanceEvent, ImportJob, Reporter

from .factories import GrievanceFactory, other_district
from .test_excel_import import _xlsx


def _state():
    return (
        sorted(Grievance.objects.values_list("pk", "status", "merged_into", "version")),
        GrievanceEvent.objects.count(),
        sorted(Reporter.objects.values_list("pk", "grievance")),
    )


def test_merging_an_entry_of_another_street_through_the_api_is_refused(cast, tree, campaign, api):
    survivor = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    foreign = GrievanceFactory(actor=cast.office_b, unit=tree.grid_c1, campaign=campaign)
    before = _state()
    r = api(cast.office).post(f"/api/grievances/{survivor.pk}/merge/", {"sources": [foreign.pk]}, format="json")
    assert r.status_code == 400
    assert r.json()["errors"] == {"sources": ["所选对象不存在或不在您的管辖范围内"]}
    assert _state() == before


def test_merging_into_an_entry_of_another_street_is_refused(cast, tree, campaign, api):
    source = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    foreign = GrievanceFactory(actor=cast.office_b, unit=tree.grid_c1, campaign=campaign)
    before = _state()
    r = api(cast.office).post(
        f"/api/grievances/{source.pk}/transitions/", {"name": "merge", "into": foreign.pk}, format="json"
    )
    assert r.status_code == 400
    assert r.json()["errors"] == {"into": ["合并目标不存在或不在您的管辖范围内"]}
    assert _state() == before


def test_merging_an_entry_of_another_street_through_the_page_is_refused(cast, tree, campaign, client):
    survivor = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    foreign = GrievanceFactory(actor=cast.office_b, unit=tree.grid_c1, campaign=campaign)
    before = _state()
    client.force_login(cast.office)
    r = client.post(f"/grievances/{survivor.pk}/merge/", {"sources": [foreign.pk]})
    assert r.status_code == 400
    assert "所选对象不存在或不在您的管辖范围内" in r.content.decode()
    assert _state() == before


def test_a_cadre_sees_the_entries_but_may_not_merge_them(cast, tree, campaign, api, client):
    survivor = GrievanceFactory(actor=cast.cadre, unit=tree.grid_a1, campaign=campaign)
    source = GrievanceFactory(actor=cast.cadre, unit=tree.grid_a1, campaign=campaign)
    before = _state()
    r = api(cast.cadre).post(f"/api/grievances/{survivor.pk}/merge/", {"sources": [source.pk]}, format="json")
    assert r.status_code == 403
    client.force_login(cast.cadre)
    assert client.post(f"/grievances/{survivor.pk}/merge/", {"sources": [source.pk]}).status_code == 403
    assert _state() == before


ROW = ["2026-11-18 09:00", "张三", "", "{unit}", "路灯坏了", "问题", "路灯照明", "来信来访", "一般问题"]


def _rows(unit):
    return [[1, "", *[v.format(unit=unit) for v in ROW]]]


def test_an_offline_ledger_naming_a_unit_of_another_district_is_refused_at_preview(cast, tree, campaign, api):
    other = other_district()
    r = api(cast.office).post("/api/grievances/import/", {"file": _xlsx(_rows(other.grid.name))}, format="multipart")
    assert r.status_code == 201
    job = r.json()
    assert job["state"] == "failed"
    assert job["errors"][0]["column"] == "所属单位"
    r = api(cast.office).post(f"/api/grievances/import/{job['id']}/confirm/")
    assert r.status_code == 400
    assert not Grievance.objects.exists()


def test_only_the_uploader_confirms_an_import(cast, tree, campaign, api, client):
    r = api(cast.office).post("/api/grievances/import/", {"file": _xlsx(_rows(tree.grid_a1.name))}, format="multipart")
    job = ImportJob.objects.get(pk=r.json()["id"])
    assert job.status == "preview"
    for who in (cast.office_b, cast.admin):
        assert api(who).post(f"/api/grievances/import/{job.pk}/confirm/").status_code == 404
        assert api(who).get(f"/api/grievances/import/{job.pk}/").status_code == 404
    client.force_login(cast.office_b)
    assert client.post(f"/grievances/import/{job.pk}/").status_code == 404
    job.refresh_from_db()
    assert job.status == "preview" and not Grievance.objects.exists()
