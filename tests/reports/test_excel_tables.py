"""The Excel statistics tables open with openpyxl, have the office layout and add up."""

import io

from django.utils import timezone
from openpyxl import load_workbook

from tests.grievances.factories import GrievanceCategoryFactory, GrievanceFactory
from tests.visits.factories import HouseholdFactory, VisitFactory


def test_monthly_table_has_title_units_and_a_totals_row_that_sums(api, cast, tree, campaign):
    for grid, n, visitor in ((tree.grid_a1, 3, cast.cadre), (tree.grid_c1, 2, cast.cadre_c)):
        for h in HouseholdFactory.create_batch(n, grid=grid):
            VisitFactory(campaign=campaign, household=h, visitor=visitor)
    HouseholdFactory(grid=tree.grid_b1)
    housing, school = (
        GrievanceCategoryFactory(code="rp-housing", name="住房保障"),
        GrievanceCategoryFactory(code="rp-school", name="教育"),
    )
    GrievanceFactory(campaign=campaign, unit=tree.grid_a1, status="closed", category=housing)
    GrievanceFactory(campaign=campaign, unit=tree.grid_a1, status="assigned", category=school)
    GrievanceFactory(campaign=campaign, unit=tree.grid_c1, status="resolved", category=school)
    month = timezone.localdate().strftime("%Y-%m")
    response = api(cast.leader).get(
        "/api/stats/excel/", {"campaign": campaign.pk, "org_unit": tree.district.pk, "month": month}
    )
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["走访统计月报表"]
    assert ws["A1"].value.startswith(f"导出人：{cast.leader.full_name}")  # the trace row
    assert "A2:Y2" in [str(r) for r in ws.merged_cells.ranges]
    assert "走访工作统计表" in ws["A2"].value
    header = [c.value for c in ws[3]]
    assert header[:4] == ["单位", "走访次数", "农户（家庭户）", "已走访农户"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    units, totals = rows[:-1], rows[-1]
    assert [r[0] for r in units] == ["东城街道", "西城街道"] and totals[0] == "合计"
    for col in (1, 2, 3, 7, 10):  # visits, homes, visited, entries, solved
        assert sum(r[col] for r in units) == totals[col]
    assert totals[1:4] == [5, 6, 5]
    assert (totals[7], totals[10]) == (3, 2)
    assert totals[header.index("走访覆盖率")] == "83.3%"  # rates written as the pages write them
    ledger = wb["问题台账汇总"]
    lrows = [[c.value for c in row] for row in ledger.iter_rows(min_row=4)]
    assert lrows[-1][0] == "合计" and sum(r[1] for r in lrows[:-1]) == lrows[-1][1] == 3


def test_excel_download_in_the_browser_and_404_outside(client, cast, tree, campaign):
    client.force_login(cast.office)
    ok = client.get("/reports/excel/", {"campaign": campaign.pk, "org_unit": tree.street_a.pk})
    assert ok.status_code == 200 and ok["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get("/reports/excel/", {"campaign": campaign.pk, "org_unit": tree.street_b.pk}).status_code == 404
