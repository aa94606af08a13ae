"""The demo's overdue entry puts a 督办 notice in the office's inbox with no manual step."""

from grievances import demo as ledger_demo
from notifications.models import Notification


def test_demo_seed_shows_a_supervision_notice_once(demo_district, client):
    ctx = demo_district
    office = ctx.users["office"]
    notices = Notification.objects.filter(recipient=office, kind="supervision")
    assert notices.exists()
    first = Notification.objects.count()
    ledger_demo.seed_notices(ctx)  # seed_demo runs twice: nothing new
    assert Notification.objects.count() == first

    # The demo's overdue entry is one of many overdue ones: its notice is on one of the inbox's pages.
    assert notices.filter(grievance__content=ledger_demo.OVERDUE_TEXT).exists()
    client.force_login(office)
    pages = []
    for number in range(1, Notification.objects.visible_to(office).count() // 30 + 2):
        response = client.get("/grievances/notifications/", {"page": number})
        assert response.status_code == 200
        pages.append(response.content.decode())
    assert any("【督办】" in page and "演示：已超期" in page for page in pages)
