"""三率 in /api/stats/: per handling unit and per territorial unit, the response rate (signed for
in time), the on-time rate and the average working days to answer, pauses not counted."""

import time_machine

from .factories import at, lighting_entry, run


def _stats(api, user, campaign, unit):
    r = api(user).get("/api/stats/", {"campaign": campaign.pk, "org_unit": unit.pk})
    assert r.status_code == 200, r.json()
    return r.json()["handling_rates"]


def test_rates_per_handling_unit_and_per_unit(tree, cast, campaign, api):
    with time_machine.travel(at("2026-11-02"), tick=False):  # Monday
        signed = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
        late = lighting_entry(actor=cast.office, unit=tree.grid_b1, campaign=campaign)
        for g in (signed, late):
            run(cast.office, g, "assign", handling_unit=tree.department.pk)
        run(cast.handler, signed, "sign_for")
    with time_machine.travel(at("2026-11-04"), tick=False):  # after the one working day
        run(cast.handler, late, "sign_for")
    with time_machine.travel(at("2026-11-05"), tick=False):  # Thursday: three working days on
        run(cast.handler, signed, "explain", result="属政策范围外，已解释")
    rates = _stats(api, cast.leader, campaign, tree.district)
    [dept] = rates["by_handling_unit"]
    assert (dept["unit"], dept["name"], dept["routed"], dept["signed_in_time"]) == (
        tree.department.pk,
        "区教育局",
        2,
        1,
    )
    assert (dept["response_rate"], dept["on_time_rate"], dept["avg_working_days_to_answer"]) == (0.5, 1.0, 3.0)
    by_unit = {r["name"]: r for r in rates["by_unit"]}
    assert set(by_unit) == {"东城街道"}
    assert by_unit["东城街道"]["routed"] == 2

    street = {r["name"]: r for r in _stats(api, cast.office, campaign, tree.street_a)["by_unit"]}
    assert (street["幸福社区"]["response_rate"], street["和谐社区"]["response_rate"]) == (1.0, 0.0)
    assert street["幸福社区"]["avg_working_days_to_answer"] == 3.0


def test_paused_days_are_not_counted_in_the_days_to_answer(tree, cast, campaign, api):
    with time_machine.travel(at("2026-11-02"), tick=False):
        g = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
        run(cast.office, g, "assign", handling_unit=tree.department.pk)
        run(cast.handler, g, "request_pause", note="等待鉴定", until="2026-11-04")
        run(cast.office, g, "approve_pause")  # Tue 3 and Wed 4 Nov off the clock
    with time_machine.travel(at("2026-11-06"), tick=False):  # Friday: 4 working days, 2 paused
        run(cast.handler, g, "explain", result="已解释")
    [dept] = _stats(api, cast.leader, campaign, tree.district)["by_handling_unit"]
    assert (dept["avg_working_days_to_answer"], dept["paused_entries"]) == (2.0, 1)


def _rates_link(html, key, unit):
    import re
    from html import unescape

    rows = dict(re.findall(r'<tr data-rates-unit="(\d+)"[^>]*>(.*?)</tr>', html, flags=re.S))
    return unescape(re.search(rf'<a href="([^"]+)" data-figure="{key}">', rows[str(unit.pk)]).group(1))


def test_the_dashboard_and_the_monthly_table_show_the_rates_per_unit(tree, cast, campaign, api, client):
    import io

    from openpyxl import load_workbook

    with time_machine.travel(at("2026-11-02"), tick=False):  # Monday
        signed = lighting_entry(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
        late = lighting_entry(actor=cast.office, unit=tree.grid_b1, campaign=campaign)
        for g in (signed, late):
            run(cast.office, g, "assign", handling_unit=tree.department.pk)
        run(cast.handler, signed, "sign_for")
    with time_machine.travel(at("2026-11-04"), tick=False):
        run(cast.handler, late, "sign_for")
    with time_machine.travel(at("2026-11-05"), tick=False):
        run(cast.handler, signed, "explain", result="属政策范围外，已解释")
    stats = api(cast.office).get("/api/stats/", {"campaign": campaign.pk, "org_unit": tree.street_a.pk}).json()
    by_unit = {r["name"]: r for r in stats["handling_rates"]["by_unit"]}
    assert (by_unit["幸福社区"]["response_rate"], by_unit["幸福社区"]["on_time_rate"]) == (1.0, 1.0)
    assert by_unit["幸福社区"]["avg_working_days_to_answer"] == 3.0
    assert stats["handling_rates"]["totals"]["response_rate"] == 0.5
    # The campaign's 回应率 keeps its own meaning beside it: answered ÷ collected.
    assert stats["response_rate"] == 50.0

    client.force_login(cast.office)
    html = client.get("/reports/", {"campaign": campaign.pk, "org_unit": tree.street_a.pk}).content.decode()
    assert "接诉即办三率" in html
    row = html.split(f'data-rates-unit="{tree.community_a.pk}"')[1].split("</tr>")[0]
    assert 'data-figure="signing_rate">100.0%' in row and 'data-figure="on_time_rate">100.0%' in row
    # Each count opens the ledger list of the entries it counts.
    for key, expected in (("routed", {late.pk}), ("signed_in_time", set())):
        url = _rates_link(html, key, tree.community_b)
        listed = client.get(url.replace("/grievances/", "/api/grievances/", 1)).json()["results"]
        assert {g["id"] for g in listed} == expected
    url = _rates_link(html, "answered_on_time", tree.community_a)
    assert [g["id"] for g in client.get(url.replace("/grievances/", "/api/grievances/", 1)).json()["results"]] == [
        signed.pk
    ]

    month = "2026-11"
    r = api(cast.office).get(
        "/api/stats/excel/", {"campaign": campaign.pk, "org_unit": tree.street_a.pk, "month": month}
    )
    ws = load_workbook(io.BytesIO(r.content))["走访统计月报表"]
    header = [c.value for c in ws[3]]
    rows = {row[0].value: [c.value for c in row] for row in ws.iter_rows(min_row=4)}
    cols = [header.index(k) for k in ("响应率", "按时办结率", "平均办理工作日", "解决率", "满意率")]
    assert [rows["幸福社区"][c] for c in cols[:3]] == ["100.0%", "100.0%", 3.0]
    assert [rows["和谐社区"][c] for c in cols[:3]] == ["0.0%", "—", "—"]
    assert rows["合计"][cols[0]] == "50.0%"
