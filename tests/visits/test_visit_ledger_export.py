"""The visits as seed 002's 入户走访台账 (附件1): an Excel sheet in that layout, from the API and from
the coverage page, limited to what the user may see and recorded as an export."""

import io

import pytest
from openpyxl import load_workbook

from audit.models import Event, Record
from campaigns.models import Role
from tests.factories import UserFactory, member
from tests.grievances.factories import GrievanceFactory

from .factories import HouseholdFactory, VisitFactory


@pytest.fixture
def visit(cast, tree, campaign):
    partner = member(UserFactory(username="t_cadre_2", full_name="何网格"), tree.community_a, Role.CADRE)
    h = HouseholdFactory(grid=tree.grid_a1, head_name="张秀英", address="幸福社区3号楼2单元101", phone="13811112222")
    v = VisitFactory(campaign=campaign, household=h, visitor=cast.cadre, co_visitors=[partner], notes="老人独居")
    GrievanceFactory(campaign=campaign, unit=tree.grid_a1, household=h, visit=v, content="楼道灯坏了")
    return v


def _rows(content):
    ws = load_workbook(io.BytesIO(content)).active
    values = list(ws.iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(values) if r and r[0] == "序号")
    header = values[header_at]
    assert values[0][0].startswith("导出人：")  # the exporter's trace, then the title
    return header, [dict(zip(header, r, strict=False)) for r in values[header_at + 1 :] if r and r[0]], values[1][0]


def test_the_api_gives_the_visits_in_the_ledgers_layout(api, cast, campaign, visit):
    r = api(cast.office).get("/api/visits/ledger/", {"campaign": campaign.pk})
    assert r.status_code == 200
    header, rows, title = _rows(b"".join(r.streaming_content) if r.streaming else r.content)
    assert title.startswith("入户走访台账")
    assert header[:6] == ("序号", "走访日期", "村（社区）", "网格", "户主姓名", "家庭住址")
    (row,) = rows
    assert (row["户主姓名"], row["村（社区）"], row["走访人"]) == ("张秀英", "幸福社区", cast.cadre.display_name)
    assert row["共同走访人员"] == "何网格"
    assert "楼道灯坏了" in row["群众反映的问题和诉求"] and "老人独居" in row["走访情况（入户必问、民情日记）"]
    assert row["联系电话"] == "138****2222"
    assert Record.objects.filter(event=Event.EXPORT, actor_id=cast.office.pk, data__export="visit_ledger").exists()


def test_another_street_gets_an_empty_ledger_and_the_coverage_page_links_its_own(api, client, cast, tree, visit):
    r = api(cast.office_b).get("/api/visits/ledger/")
    assert _rows(b"".join(r.streaming_content) if r.streaming else r.content)[1] == []
    assert api(cast.office_b).get("/api/visits/ledger/", {"unit": tree.street_a.pk}).status_code == 404
    client.force_login(cast.office)
    page = client.get("/visits/coverage/").content.decode()
    assert 'id="visit-ledger"' in page
    r = client.get("/visits/ledger.xlsx", {"unit": tree.street_a.pk})
    assert [row["户主姓名"] for row in _rows(b"".join(r.streaming_content) if r.streaming else r.content)[1]] == [
        "张秀英"
    ]
