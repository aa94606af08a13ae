"""A finished entry's clock has stopped: no remaining working days on its page, in the ledger or
through the API, while a running one still counts down."""

from .factories import GrievanceFactory


def test_a_resolved_entry_shows_no_countdown_anywhere(cast, tree, campaign, client):
    done = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign, status="resolved")
    running = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    client.force_login(cast.office)

    page = client.get(f"/grievances/{done.pk}/").content.decode()
    assert "剩" not in page
    assert "剩" in client.get(f"/grievances/{running.pk}/").content.decode()

    rows = {r["id"]: r for r in client.get("/api/grievances/").json()["results"]}
    assert rows[done.pk]["remaining_days"] is None
    assert rows[done.pk]["plan_remaining_days"] is None
    assert rows[running.pk]["remaining_days"] > 0

    ledger = client.get("/grievances/").content.decode()
    assert ledger.count("剩") == 2  # the running entry's plan and final deadlines only
