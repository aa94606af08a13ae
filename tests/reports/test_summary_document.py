"""The summary as an official document: drafted from the figures, edited by the office (cases from
the ledger, empty sections left out), generated with the live figures filled in."""

import io
import subprocess

from pypdf import PdfReader

from reports.models import SummaryDocument
from tests.grievances.factories import GrievanceFactory


def test_office_drafts_edits_and_generates_an_official_summary(
    api, cast, tree, campaign, django_capture_on_commit_callbacks, tmp_path
):
    case = GrievanceFactory(
        campaign=campaign, unit=tree.grid_a1, status="closed", is_typical=True, content="老旧小区加装电梯"
    )
    GrievanceFactory(campaign=campaign, unit=tree.grid_a1, status="assigned")
    client = api(cast.office)
    made = client.post("/api/summaries/", {"campaign": campaign.pk, "org_unit": tree.street_a.pk}, format="json")
    assert made.status_code == 201
    doc = made.json()
    assert doc["title"] == "东城街道测试区2026年大走访工作总结"
    assert [c["id"] for c in doc["cases"]] == [case.pk]
    assert "【已解决】" in doc["results"]  # filled in when the PDF is generated
    edited = client.patch(
        f"/api/summaries/{doc['id']}/",
        {"problems": "", "practices": "一是包户走访。\n二是台账管理，已解决【已解决】个。", "signed_on": "2026-12-02"},
        format="json",
    )
    assert edited.status_code == 200 and edited.json()["problems"] == ""
    assert client.patch(f"/api/summaries/{doc['id']}/", {"status": "x"}, format="json").status_code == 400
    # Another street's office cannot see it; a case outside the unit is refused.
    assert api(cast.office_b).get(f"/api/summaries/{doc['id']}/").status_code == 404
    outside = GrievanceFactory(campaign=campaign, unit=tree.grid_c1, status="closed")
    assert client.patch(f"/api/summaries/{doc['id']}/", {"cases": [outside.pk]}, format="json").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        job = client.post(f"/api/summaries/{doc['id']}/generate/")
    assert job.status_code == 202
    data = b"".join(client.get(f"/api/reports/{job.json()['id']}/download/").streaming_content)
    text = "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
    assert "二、主要做法" in text and "已解决1个" in text
    assert "存在问题" not in text  # emptied by the office: left out
    assert "四、典型案例" in text and "老旧小区加装电梯" in text and "群众评价" in text
    assert "二〇二六年十二月二日" in text  # 落款
    path = tmp_path / "s.pdf"
    path.write_bytes(data)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(r.split()[-5:-3] == ["yes", "yes"] for r in rows)  # embedded, subset
    assert any("Noto-Serif-SC" in r for r in rows) and any("AR-PL-UKai-CN" in r for r in rows)
    assert SummaryDocument.objects.get(pk=doc["id"]).jobs.count() == 1


def test_page_flow_keeps_the_unit_being_viewed(client, cast, tree, campaign):
    client.force_login(cast.office)
    page = client.get("/reports/summaries/", {"campaign": campaign.pk, "org_unit": tree.community_a.pk})
    assert f'<option value="{tree.community_a.pk}" selected>' in page.content.decode()
    made = client.post("/reports/summaries/new/", {"campaign": campaign.pk, "org_unit": tree.community_a.pk})
    doc = SummaryDocument.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/reports/summaries/documents/{doc.pk}/"
    assert doc.org_unit == tree.community_a
    edit = client.get(made["Location"])
    assert edit.status_code == 200 and "【已解决】" in edit.content.decode()
    client.force_login(cast.office_b)
    assert client.get(made["Location"]).status_code == 404
