"""The demo shows each receive-and-answer state: an unsigned entry, a returned and arbitrated
one, a paused one, an urgent one and a 通报."""

from grievances import demo as ledger_demo
from grievances.models import Grievance, NoticeLog


def test_the_demo_has_every_handling_state_once(demo_district):
    ctx = demo_district
    by_ref = {g.external_ref: g for g in Grievance.objects.filter(external_ref__startswith="DEMO-H")}
    assert set(by_ref) == {ref for ref, _s, _t in ledger_demo.HANDLING_DEMO}
    assert (
        by_ref["DEMO-H01"].signed_for_at is None
        and NoticeLog.objects.filter(grievance=by_ref["DEMO-H01"], kind="unsigned").exists()
    )
    returned = by_ref["DEMO-H02"]
    assert returned.return_count == 1 and returned.events.filter(action="arbitrate").exists()
    paused = by_ref["DEMO-H03"]
    assert paused.pause_state == "active" and paused.paused_working_days > 0
    assert by_ref["DEMO-H04"].urgent and by_ref["DEMO-H04"].plan_due_at is None
    assert NoticeLog.objects.filter(kind="bulletin").exists()
    ledger_demo.seed_handling(ctx)  # seed_demo runs twice: nothing new
    assert Grievance.objects.filter(external_ref__startswith="DEMO-H").count() == len(by_ref)
