"""Every figure that two surfaces share has the same value on both, per unit: the dashboard, the
coverage page, /api/stats/, the summary PDF (read back with pypdf) and the Excel tables (openpyxl),
for the demo district and for a district generated here (docs/figures.md)."""

import io
import random
import re
from html import unescape

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from campaigns.lib.figures import percent
from reports.selectors import UNIT_COLUMNS
from tests.grievances.factories import GrievanceFactory
from tests.visits.factories import HouseholdFactory, VisitFactory, lookback_visit_row
from visits.choices import HouseholdKind

CELL = re.compile(r'data-figure="(\w+)">([^<]*)<')


def _shown(figures, key, is_rate):
    return percent(figures[key]) if is_rate else str(figures[key])


def _rows_by_unit(html):
    """{unit id: {figure: text}} from the <tr data-unit=…> rows of a page (its cells marked data-figure)."""
    rows = {}
    for unit, body in re.findall(r'<tr data-unit="(\d+)"[^>]*>(.*?)</tr>', html, flags=re.S):
        rows.setdefault(int(unit), {}).update(dict(CELL.findall(body)))
    return rows


def _pdf_rows(data, names):
    """The annex's per-unit table read back from the PDF: {unit name: [cells after the name]}."""
    reader = PdfReader(io.BytesIO(data))
    page = next(p.extract_text() for p in reader.pages if "统计口径" in p.extract_text())
    tokens = page.split()
    found = {}
    for name in [*names, "合计"]:
        i = tokens.index(name)
        found[name] = tokens[i + 1 : i + 1 + len(UNIT_COLUMNS)]
    return found, "".join(p.extract_text() for p in reader.pages)


LINK = re.compile(r'<a href="([^"]+)" data-figure="(\w+)">([^<]*)<')
LISTS = {"/grievances/": "/api/grievances/", "/visits/households/": "/api/households/"}


def _check_links(client, html):
    """Each linked figure equals the count of the list its link opens (asked of the API, which runs
    the pages' filters); a rate's link opens its numerator. Returns how many links were followed."""
    seen = {}
    for href, key, text in LINK.findall(html):
        href = unescape(href)
        path, query = href.split("?", 1)
        assert path in LISTS, href
        if href not in seen:
            response = client.get(f"{LISTS[path]}?{query}")
            assert response.status_code == 200, href
            seen[href] = response.json()["count"]
        if not key.endswith("rate"):
            assert text == str(seen[href]), (key, href)
    return len(seen)


def _check_every_surface(api, client, user, campaign, unit, django_capture_on_commit_callbacks):
    stats = api(user).get("/api/stats/", {"campaign": campaign.pk, "org_unit": unit.pk})
    assert stats.status_code == 200
    body = stats.json()
    children = body["children"]
    assert children, "a district with units to compare"
    expected = {c["id"]: c for c in children}
    names = {c["id"]: c["name"] for c in children}

    # /api/stats/: each rate with its numerator and denominator, satisfied apart from basically.
    for row in [body, *children]:
        assert row["households_homes"] == row["households_total"]
        assert row["coverage_rate_numerator"] == row["households_visited"]
        assert row["coverage_rate_denominator"] == row["households_homes"]
        assert row["resolution_rate_numerator"] == row["grievances_solved"]
        assert row["answer_rate_numerator"] == row["grievances_solved"] + row["problems_explained"]
        assert row["satisfaction_rate_numerator"] == row["satisfied"] + row["basically_satisfied"]
        assert row["satisfaction_rate_denominator"] == row["followed_up"]
    assert "handling_rates" in body

    # The dashboard: the per-unit table and the totals.
    client.force_login(user)
    page = client.get("/reports/", {"campaign": campaign.pk, "org_unit": unit.pk})
    assert page.status_code == 200
    shown = _rows_by_unit(page.content.decode())
    for pk, figures in [*expected.items(), (unit.pk, body)]:
        for _label, key, is_rate in UNIT_COLUMNS:
            assert shown[pk][key] == _shown(figures, key, is_rate), (names.get(pk, "合计"), key)
    # Every figure of the dashboard, the per-unit cells included, opens the list it counts.
    assert _check_links(api(user), page.content.decode()) >= len(expected) * 10
    kpis = dict(CELL.findall(page.content.decode().split('<div class="kpis">', 1)[1].split("</div>\n<section", 1)[0]))
    for key in ("households_homes", "households_visited", "coverage_rate", "grievances_total", "grievances_solved"):
        assert kpis[key] == _shown(body, key, key.endswith("rate")), key
    for key in ("followed_up", "satisfied", "basically_satisfied", "satisfaction_rate", "answer_rate"):
        assert kpis[key] == _shown(body, key, key.endswith("rate")), key

    # The coverage page counts the same registry with the same rules.
    cover = client.get("/visits/coverage/", {"unit": unit.pk})
    assert cover.status_code == 200 and cover.context["campaign"] == campaign
    rows = _rows_by_unit(cover.content.decode())
    for pk, figures in expected.items():
        row = rows[pk]
        assert row["households_homes"] == str(figures["households_homes"]), names[pk]
        assert row["households_visited"] == str(figures["households_visited"]), names[pk]
        assert row["coverage_rate"] == percent(figures["coverage_rate"]), names[pk]
        for key in ("focus_households_visited", "focus_households_total", "targets_visited", "targets_total"):
            assert row[key] == str(figures[key]), (names[pk], key)
    # Every figure of the coverage page opens the households it counts.
    _check_links(api(user), cover.content.decode())

    # The Excel monthly table (the campaign's whole range, like the page).
    xlsx = api(user).get("/api/stats/excel/", {"campaign": campaign.pk, "org_unit": unit.pk})
    assert xlsx.status_code == 200
    ws = load_workbook(io.BytesIO(xlsx.content))["走访统计月报表"]
    # Row 1 is the exporter's trace, row 2 the title, row 3 the header.
    header = [c.value for c in ws[3]]
    by_name = {r[0]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    for pk, figures in [*expected.items(), (None, body)]:
        row = by_name[names[pk] if pk else "合计"]
        for label, key, is_rate in UNIT_COLUMNS:
            assert str(row[header.index(label)]) == _shown(figures, key, is_rate), (row[0], key)
    # seeds/000's four groups of opinions: they add up to every entry, the same in the Excel sheet.
    groups = body["opinion_groups"]
    assert [g["code"] for g in groups] == ["hardship", "demands", "government", "conduct"]
    assert sum(g["grievances_total"] for g in groups) == body["grievances_total"]
    assert sum(g["grievances_solved"] for g in groups) == body["grievances_solved"]
    sheet = load_workbook(io.BytesIO(xlsx.content))["意见分类汇总"]
    group_header = [c.value for c in sheet[3]]
    group_rows = {r[0]: r for r in sheet.iter_rows(min_row=4, values_only=True)}
    for g in groups:
        assert group_rows[g["name"]][group_header.index("合计")] == g["grievances_total"], g["name"]
        assert group_rows[g["name"]][group_header.index("已解决")] == g["grievances_solved"], g["name"]
    assert group_rows["合计"][group_header.index("合计")] == body["grievances_total"]
    # Visits per unit are counted for the Excel table only; the total is everyone's.
    assert by_name["合计"][header.index("走访次数")] == body["visits_total"]
    assert "青枫区青枫区" not in ws["A2"].value and "测试区测试区" not in ws["A2"].value

    # The summary PDF, generated by the task and read back.
    with django_capture_on_commit_callbacks(execute=True):
        job = api(user).post("/api/reports/", {"campaign": campaign.pk, "org_unit": unit.pk}, format="json")
    assert job.status_code == 202
    pdf = api(user).get(f"/api/reports/{job.json()['id']}/download/")
    cells, text = _pdf_rows(b"".join(pdf.streaming_content), list(names.values()))
    for pk, figures in [*expected.items(), (None, body)]:
        name = names[pk] if pk else "合计"
        assert cells[name] == [_shown(figures, key, is_rate) for _l, key, is_rate in UNIT_COLUMNS], name
    # The narrative's figures are the same ones (lines joined again).
    text = "".join(text.split())
    assert f"已走访{body['households_visited']}户" in text
    assert f"满意{body['satisfied']}条、基本满意{body['basically_satisfied']}条" in text
    assert f"已回访{body['followed_up']}条" in text
    assert "按群众意见分类" in text
    assert f"生产生活困难{groups[0]['grievances_total']}条" in text
    assert f"对干部作风的意见{groups[3]['grievances_total']}条" in text


def test_every_surface_shows_the_same_figures_for_the_demo_district(
    demo_district, api, client, django_capture_on_commit_callbacks
):
    ctx = demo_district
    _check_every_surface(
        api, client, ctx.users["leader"], ctx.campaign, ctx.district, django_capture_on_commit_callbacks
    )


@pytest.fixture
def generated_district(tree, cast, campaign):
    """Targets of every kind, focus households, ordinary and look-back visits, and entries in every
    state the figures tell apart (solved, explained, running, overdue, satisfied or only basically)."""
    rnd = random.Random(2026)
    grids = [tree.grid_a1, tree.grid_a2, tree.grid_b1, tree.grid_c1]
    visitors = {
        tree.grid_a1: cast.cadre,
        tree.grid_a2: cast.office,
        tree.grid_b1: cast.office,
        tree.grid_c1: cast.cadre_c,
    }
    kinds = [HouseholdKind.HOUSEHOLD] * 6 + [HouseholdKind.ENTERPRISE, HouseholdKind.SCHOOL, HouseholdKind.SHOP]
    for grid in grids:
        for _ in range(rnd.randint(4, 8)):
            focus = rnd.choice([(), (), ("hardship",), ("petitioner",), ("hardship", "petitioner")])
            h = HouseholdFactory(grid=grid, kind=rnd.choice(kinds), categories=focus)
            roll = rnd.random()
            if roll < 0.55:
                VisitFactory(campaign=campaign, household=h, visitor=visitors[grid])
            elif roll < 0.7:
                lookback_visit_row(campaign, h, visitors[grid])  # never counts as visited
    walks = [
        {"status": "closed", "satisfaction": "satisfied"},
        {"status": "closed", "satisfaction": "basically_satisfied"},
        {"status": "resolved"},
        {"status": "explained"},
        {"status": "assigned"},
        {"status": "registered", "overdue": True},
    ]
    for grid in grids:
        for walk in rnd.sample(walks, 4):
            GrievanceFactory(campaign=campaign, unit=grid, **walk)
    GrievanceFactory(campaign=campaign, unit=tree.grid_c1, kind="suggestion", status="adopted")


def test_every_surface_shows_the_same_figures_for_a_generated_district(
    generated_district, api, client, cast, tree, campaign, django_capture_on_commit_callbacks
):
    _check_every_surface(api, client, cast.leader, campaign, tree.district, django_capture_on_commit_callbacks)
