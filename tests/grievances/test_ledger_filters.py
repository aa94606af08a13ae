"""The ledger's filters are declared once: the API list, its export and the ledger pages read the
same query string the same way. Bad values are a Chinese 400 (never a server error), and an id
the user cannot see names nothing, exactly like a missing one."""

import io
from urllib.parse import urlencode

import pytest
from openpyxl import load_workbook

from grievances.models import GrievanceCategory

from .factories import GrievanceFactory, category, run


def _contents(response):
    assert response.status_code == 200, response.content
    return sorted(g["content"] for g in response.json()["results"])


def _exported(response):
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    return sorted(row[6] for row in rows[3:])  # below the exporter's trace, the title and the header


@pytest.fixture
def ledger(cast, tree, campaign):
    lights = GrievanceFactory(
        actor=cast.office, unit=tree.grid_a1, campaign=campaign, content="路灯坏了", source="hotline"
    )
    wages = GrievanceFactory(
        actor=cast.office,
        unit=tree.grid_a2,
        campaign=campaign,
        content="工地拖欠工资",
        category=category("wage_arrears"),
    )
    routed = GrievanceFactory(
        actor=cast.office, unit=tree.grid_b1, campaign=campaign, content="学校门口没有红绿灯", tier="major"
    )
    run(cast.office, routed, "assign", handling_unit=tree.department, case_owner=cast.leader.pk)
    return lights, wages, routed


def test_the_list_the_export_and_the_page_filter_alike(cast, tree, ledger, api, client):
    query = {"status": "registered,assigned", "source": "hotline,visit", "tier": "general", "q": "路灯"}
    c = api(cast.office)
    assert _contents(c.get("/api/grievances/", query)) == ["路灯坏了"]
    assert _exported(c.get("/api/grievances/export/", query)) == ["路灯坏了"]
    client.force_login(cast.office)
    assert [g.content for g in client.get("/grievances/", query).context["rows"]] == ["路灯坏了"]
    assert _exported(client.get("/grievances/export/", query)) == ["路灯坏了"]


def test_a_category_filter_takes_its_children(cast, ledger, api):
    parent = category("wage_arrears").parent
    assert _contents(api(cast.office).get("/api/grievances/", {"category": parent.pk})) == ["工地拖欠工资"]


def test_a_unit_filter_matches_the_entrys_unit_or_its_handling_unit(cast, tree, ledger, api):
    c = api(cast.office)
    assert _contents(c.get("/api/grievances/", {"unit": tree.community_a.pk})) == ["工地拖欠工资", "路灯坏了"]
    # The district's departments are offered as routing targets: the office filters by them too.
    assert _contents(c.get("/api/grievances/", {"unit": tree.department.pk})) == ["学校门口没有红绿灯"]


def test_ids_the_user_cannot_see_name_nothing_like_missing_ones(cast, tree, ledger, api):
    c = api(cast.handler)
    assert _contents(c.get("/api/grievances/")) == ["学校门口没有红绿灯"]
    # The handler sees the entry routed to the department, not the community it belongs to.
    for params in ({"unit": tree.community_b.pk}, {"unit": 999999}):
        assert _contents(c.get("/api/grievances/", params)) == [], params
    assert _contents(c.get("/api/grievances/", {"unit": tree.department.pk})) == ["学校门口没有红绿灯"]
    # A retired category is no longer anyone's to pick.
    GrievanceCategory.objects.filter(code="wage_arrears").update(is_active=False)
    assert _contents(api(cast.office).get("/api/grievances/", {"category": category("wage_arrears").pk})) == []
    assert _contents(api(cast.office).get("/api/grievances/", {"case_owner": cast.leader.pk})) == ["学校门口没有红绿灯"]
    assert _contents(api(cast.office_b).get("/api/grievances/", {"case_owner": cast.office.pk})) == []


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("status", "bogus"),
        ("tier", "特别重大"),
        ("source", "visit,wechat"),
        ("kind", "complaint"),
        ("unit", "null"),
        ("category", "-1"),
        ("case_owner", "１２"),
        ("overdue", "maybe"),
        ("ordering", "content"),
    ],
)
def test_a_bad_filter_value_is_a_chinese_400_at_its_parameter(cast, ledger, api, client, param, value):
    c = api(cast.office)
    for url in ("/api/grievances/", "/api/grievances/export/"):
        r = c.get(url, {param: value})
        assert r.status_code == 400, url
        body = r.json()
        assert body["code"] == "invalid" and list(body["errors"]) == [param]
        assert body["detail"].startswith(f"{param}：") and not body["detail"].isascii()
    client.force_login(cast.office)
    for url in ("/grievances/", "/grievances/export/"):
        r = client.get(url, {param: value})
        assert r.status_code == 400, url
        assert list(r.context["form"].errors) == [param]
        assert "筛选条件有误" in r.content.decode() and not r.context["rows"]


def test_flags_read_like_checkboxes_and_scripts_send_them(cast, ledger, api):
    c = api(cast.leader)
    everything = _contents(c.get("/api/grievances/"))
    for value in ("1", "true", "on", "yes"):
        assert _contents(c.get("/api/grievances/", {"owned": value})) == ["学校门口没有红绿灯"], value
    for value in ("0", "false", ""):
        assert _contents(c.get("/api/grievances/", {"owned": value})) == everything, value


def test_a_bookmarked_query_string_fills_the_pages_form(cast, tree, ledger, client):
    client.force_login(cast.office)
    query = urlencode(
        {
            "status": "assigned",
            "unit": tree.department.pk,
            "case_owner": cast.leader.pk,
            "overdue": "1",
            "q": "红绿灯",
            "ordering": "due_at",
        }
    )
    r = client.get(f"/grievances/?{query}")
    page = r.content.decode()
    assert [g.content for g in r.context["rows"]] == []  # not overdue yet
    for selected in (
        '<option value="assigned" selected>',
        f'<option value="{tree.department.pk}" selected>区教育局</option>',
        f'<option value="{cast.leader.pk}" selected>赵书记</option>',
        '<option value="due_at" selected>',
    ):
        assert selected in page
    assert 'id="f-overdue" checked' in page and 'value="红绿灯"' in page
    # The pager and the export link carry the filters over.
    assert f'href="/grievances/export/?{query}"' in page.replace("&amp;", "&")
