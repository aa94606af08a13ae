"""Downloading the ledger is its own rule: the roles that work or read a unit's ledger (office,
leaders, inspectors) export its entries, a handling unit what was routed to it, and a cadre only
the entries they registered, even where they see more on screen."""

import io

from openpyxl import load_workbook

from .factories import GrievanceFactory, run


def _exported(client, url="/api/grievances/export/"):
    response = client.get(url)
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert rows[0][0].startswith("导出人：")  # the trace row, then the title and the headers
    return sorted(row[6] for row in rows[3:])


def test_each_role_exports_what_its_rule_allows(cast, tree, campaign, api, client):
    GrievanceFactory(actor=cast.cadre, unit=tree.grid_a1, campaign=campaign, content="网格员登记的事")
    routed = GrievanceFactory(actor=cast.office, unit=tree.grid_a2, campaign=campaign, content="交办教育局的事")
    run(cast.office, routed, "assign", handling_unit=tree.department)
    GrievanceFactory(actor=cast.office_b, unit=tree.grid_c1, campaign=campaign, content="西城的事")

    assert _exported(api(cast.office)) == ["交办教育局的事", "网格员登记的事"]
    assert _exported(api(cast.leader)) == ["交办教育局的事", "网格员登记的事", "西城的事"]
    assert _exported(api(cast.handler)) == ["交办教育局的事"]
    assert _exported(api(cast.cadre)) == ["网格员登记的事"]
    assert _exported(api(cast.outsider)) == []
    # The page's export link answers the same.
    client.force_login(cast.cadre)
    assert _exported(client, "/grievances/export/") == ["网格员登记的事"]
    assert api(cast.cadre).get("/api/grievances/").json()["count"] == 2  # while the list shows both
