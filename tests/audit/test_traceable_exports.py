"""Every Excel export and PDF names who made it, for which unit and when, in its properties and
on its face; every export and PDF download leaves an audit record with its filters and rows."""

import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from audit.models import Event, Record
from tests.grievances.factories import GrievanceFactory
from tests.visits.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def _last(event):
    return Record.objects.filter(event=event).latest("id")


def _pdf(response):
    return PdfReader(io.BytesIO(b"".join(response.streaming_content)))


def test_a_ledger_export_is_traced_and_audited_with_its_filters_and_rows(cast, tree, campaign, api):
    GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, kind="problem", content="路灯坏了")
    GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, kind="problem", content="井盖松动")
    GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, kind="suggestion", content="多种树")
    r = api(cast.office).get("/api/grievances/export/", {"kind": "problem"})
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    line = wb.active["A1"].value
    today = timezone.localtime().strftime("%Y-%m-%d")
    assert line.startswith("导出人：钱主任（t_office）　单位：东城街道　导出时间：" + today)
    assert wb.properties.creator == "钱主任（t_office）" and wb.properties.description == line
    record = _last(Event.EXPORT)
    assert (record.actor_id, record.object_type) == (cast.office.pk, "grievances.ledger")
    assert record.data["filters"] == {"kind": "problem"} and record.data["rows"] == 2
    assert record.data["file"].startswith("问题整改台账-")


def test_a_handoff_batch_from_the_browser_is_traced_and_audited(cast, tree, campaign):
    GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, content="路灯坏了")
    client = Client()
    client.force_login(cast.office)
    r = client.get("/grievances/handoff/", {"q": "路灯"})
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    assert ws["A1"].value.startswith("导出人：钱主任（t_office）")
    record = _last(Event.EXPORT)
    assert record.object_type == "grievances.handoff" and record.actor_id == cast.office.pk
    assert record.data["filters"] == {"q": "路灯"} and record.data["rows"] == 1


def test_a_statistics_table_is_traced_and_audited(cast, tree, campaign):
    client = Client()
    client.force_login(cast.leader)
    r = client.get("/reports/excel/", {"campaign": campaign.pk, "org_unit": tree.district.pk})
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    for ws in wb.worksheets:
        assert ws["A1"].value.startswith("导出人：赵书记（t_leader）　单位：测试区")
    assert wb.properties.creator == "赵书记（t_leader）"
    record = _last(Event.EXPORT)
    assert record.object_type == "reports.statistics"
    assert record.data["filters"] == {"campaign": str(campaign.pk), "unit": str(tree.district.pk)}
    assert record.data["rows"] == 2 + 4  # the two streets and the four opinion groups; no categories yet


def test_a_summary_pdf_carries_its_requester_and_its_download_is_audited(
    api, cast, tree, campaign, django_capture_on_commit_callbacks
):
    GrievanceFactory(campaign=campaign, unit=tree.grid_a1, status="closed", is_typical=True, content="加装电梯")
    with django_capture_on_commit_callbacks(execute=True):
        created = api(cast.leader).post(
            "/api/reports/", {"campaign": campaign.pk, "org_unit": tree.district.pk}, format="json"
        )
    job_id = created.json()["id"]
    rendered = _last(Event.EXPORT)
    assert (rendered.actor_id, rendered.object_type, rendered.object_id) == (
        cast.leader.pk,
        "reports.reportjob",
        str(job_id),
    )
    assert rendered.data["filters"] == {"campaign": str(campaign.pk), "unit": str(tree.district.pk)}
    assert rendered.data["rows"] == 3  # two streets and one typical case

    reader = _pdf(api(cast.leader).get(f"/api/reports/{job_id}/download/"))
    assert reader.metadata.author == "赵书记（t_leader）"
    assert reader.metadata.subject.startswith("导出人：赵书记（t_leader）　单位：测试区")
    for page in reader.pages:
        assert "导出人：赵书记（t_leader）" in page.extract_text()
    download = _last(Event.DOWNLOAD)
    assert (download.actor_id, download.object_id) == (cast.leader.pk, str(job_id))
    assert download.data["filters"] == rendered.data["filters"] and download.data["rows"] == 3
    assert download.data["made_by"] == "t_leader"


def test_a_card_sheet_made_by_the_worker_names_the_requester_and_the_browser_download_is_audited(
    api, cast, tree, campaign, django_capture_on_commit_callbacks
):
    HouseholdFactory.create_batch(2, grid=tree.grid_a1)
    with django_capture_on_commit_callbacks(execute=True):
        queued = api(cast.office).post("/api/cards/sheet/", {"campaign": campaign.pk, "org_unit": tree.grid_a1.pk})
    job_id = queued.json()["id"]
    assert _last(Event.EXPORT).data["rows"] == 2
    client = Client()
    client.force_login(cast.leader)  # another reader of the job downloads it
    r = client.get(f"/reports/summaries/{job_id}/download/")
    assert r.status_code == 200
    reader = _pdf(r)
    assert reader.metadata.author == "钱主任（t_office）"  # the trace is the requester's
    assert "导出人：钱主任（t_office）　单位：东城街道" in reader.pages[0].extract_text()
    download = _last(Event.DOWNLOAD)
    assert download.actor_id == cast.leader.pk and download.data["download"] == "reports.cards"
    assert download.data["rows"] == 2 and download.data["made_by"] == "t_office"
