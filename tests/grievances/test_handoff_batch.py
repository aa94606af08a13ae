"""The Excel hand-off batch for platforms that take files: the ledger's filters and export rule,
the platform's columns, no phone numbers, nothing merged or withdrawn."""

import io

from openpyxl import load_workbook

from .factories import lighting_entry, run


def _rows(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0].startswith("导出人：")  # the trace row
    return rows[1:]


def test_the_handoff_batch_lists_the_filtered_entries(tree, cast, campaign, api, client):
    kept = lighting_entry(
        actor=cast.office, unit=tree.grid_a1, campaign=campaign, content="积水严重", reporter_phone="13700001234"
    )
    run(cast.office, kept, "mark_urgent")
    gone = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign, content="已撤回的诉求")
    run(cast.office, gone, "withdraw", note="群众撤回")
    other = lighting_entry(actor=cast.admin, unit=tree.grid_c1, campaign=campaign, content="西城的诉求")
    r = api(cast.office).get("/api/grievances/handoff/")
    assert r.status_code == 200
    rows = _rows(r)
    assert rows[0][0] == "移交12345平台工单批次" and rows[1][:3] == ["工单编号", "诉求类别", "诉求内容"]
    data = rows[2:]
    assert [(row[0], row[2], row[6]) for row in data] == [(f"ZF{kept.pk:08d}", "积水严重", "急难险重")]
    assert "13700001234" not in str(rows) and other.content not in str(rows)

    client.force_login(cast.office)
    page = client.get("/grievances/handoff/", {"status": "registered"})
    assert page.status_code == 200 and [row[0] for row in _rows(page)[2:]] == [f"ZF{kept.pk:08d}"]
    client.force_login(cast.outsider)
    assert _rows(client.get("/grievances/handoff/"))[2:] == []
