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
