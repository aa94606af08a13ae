"""“返回” leads back to where the user came from: a `next` or a same-site Referer, kept across the
page's own steps; never to another site or a script URL."""

import re

from tests.grievances.factories import GrievanceFactory
from visits.models import Household

BACK = re.compile(r'<a href="([^"]*)">← 返回</a>')


def back(response):
    return BACK.search(response.content.decode()).group(1).replace("&amp;", "&")


def test_an_entry_leads_back_to_the_filtered_ledger_it_was_opened_from(client, cast, tree, campaign):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    client.force_login(cast.office)
    url = f"/grievances/{g.pk}/"
    came_from = "http://testserver/grievances/?status=registered&page=2"
    assert back(client.get(url, HTTP_REFERER=came_from)) == came_from
    # After one of the page's own actions (the browser then sends the page itself, or its
    # transition URL, as the referrer) it still leads back to the list.
    assert back(client.get(url, HTTP_REFERER=f"http://testserver{url}")) == came_from
    assert back(client.get(url, HTTP_REFERER=f"http://testserver{url}transition/")) == came_from
    # A `next` wins over the referrer.
    assert back(client.get(url + "?next=/grievances/routed/", HTTP_REFERER=came_from)) == "/grievances/routed/"


def test_an_entry_opened_directly_or_from_another_site_leads_to_the_ledger(client, cast, tree, campaign):
    g = GrievanceFactory(actor=cast.office, unit=tree.grid_a1, campaign=campaign)
    client.force_login(cast.office)
    url = f"/grievances/{g.pk}/"
    assert back(client.get(url)) == "/grievances/"
    assert back(client.get(url, HTTP_REFERER="https://evil.example.com/grievances/")) == "/grievances/"
    assert back(client.get(url + "?next=javascript:alert(1)")) == "/grievances/"
    assert back(client.get(url + "?next=//evil.example.com/")) == "/grievances/"
    assert back(client.get(url, HTTP_REFERER="http://testserver/accounts/login/?next=/x/")) == "/grievances/"


def test_a_household_leads_back_to_the_entry_or_list_it_was_opened_from(client, cast, tree, campaign):
    h = Household.objects.create(grid=tree.grid_a1, head_name="王建国", address="锦绣家园1号楼101室")
    client.force_login(cast.office)
    url = f"/visits/households/{h.pk}/"
    assert back(client.get(url)) == "/visits/households/"
    entry = "http://testserver/grievances/7/"
    assert back(client.get(url, HTTP_REFERER=entry)) == entry
    # Back from the visit form (a step of this household) is no new origin.
    assert back(client.get(url, HTTP_REFERER=f"http://testserver{url}visit/")) == entry
    client.force_login(cast.cadre)
    assert back(client.get(url)) == "/visits/"
