"""效果年年评: /api/questionnaires/, /api/evaluations/ with their results, and the results page."""

import pytest

from campaigns.models import Role, Team
from evaluations.models import Evaluation
from tests.factories import UserFactory, member


@pytest.fixture
def teams(tree, campaign):
    a = Team.objects.create(campaign=campaign, name="东城工作组", unit=tree.street_a, paired_unit=tree.community_a)
    c = Team.objects.create(campaign=campaign, name="西城工作组", unit=tree.street_b, paired_unit=tree.community_c)
    return a, c


@pytest.fixture
def admin_d(tree):
    return member(UserFactory(username="t_admin_d", full_name="区管理员"), tree.district, Role.ADMIN)


@pytest.fixture
def questionnaire(api, admin_d, campaign):
    body = {
        "campaign": campaign.pk,
        "title": "居民评团队",
        "rater_kind": "residents_team",
        "questions": [{"text": "走访是否入户", "scale": "five"}, {"text": "总体满意度", "scale": "satisfaction"}],
    }
    r = api(admin_d).post("/api/questionnaires/", body, format="json")
    assert r.status_code == 201, r.content
    return r.json()


def _rate(api, user, q, team, five, sat):
    answers = {str(q["questions"][0]["id"]): five, str(q["questions"][1]["id"]): sat}
    body = {"questionnaire": q["id"], "target_team": team.pk, "answers": answers}
    return api(user).post("/api/evaluations/", body, format="json")


def test_only_the_campaigns_admin_writes_questionnaires(api, cast, campaign, questionnaire):
    body = {"campaign": campaign.pk, "title": "x", "rater_kind": "community_branch", "questions": [{"text": "x"}]}
    assert api(cast.office).post("/api/questionnaires/", body, format="json").status_code == 400
    assert [q["id"] for q in api(cast.cadre).get("/api/questionnaires/").json()["results"]] == [questionnaire["id"]]


def test_office_records_and_results_count_responses(api, cast, teams, questionnaire):
    a, c = teams
    assert _rate(api, cast.office, questionnaire, a, 5, 3).status_code == 201
    assert _rate(api, cast.office, questionnaire, a, 3, 2).status_code == 201
    assert _rate(api, cast.office_b, questionnaire, c, 1, 1).status_code == 201
    # A team outside the office's subtree, an answer off the scale, a missing answer: refused.
    assert _rate(api, cast.office, questionnaire, c, 5, 3).status_code == 400
    assert _rate(api, cast.office, questionnaire, a, 6, 3).status_code == 400
    body = {"questionnaire": questionnaire["id"], "target_team": a.pk, "answers": {}}
    assert api(cast.office).post("/api/evaluations/", body, format="json").status_code == 400
    assert _rate(api, cast.cadre, questionnaire, a, 5, 3).status_code == 400
    assert Evaluation.objects.count() == 3

    mine = api(cast.office).get(f"/api/evaluations/results/?questionnaire={questionnaire['id']}").json()
    assert [(r["target_name"], r["responses"]) for r in mine] == [("东城工作组", 2)]
    # (5-1)/4, (3-1)/2, (3-1)/4, (2-1)/2 -> mean 0.75
    assert mine[0]["score"] == 75.0
    assert [m["mean"] for m in mine[0]["questions"]] == [4.0, 2.5]
    everyone = api(cast.leader).get(f"/api/evaluations/results/?questionnaire={questionnaire['id']}").json()
    assert [(r["target_name"], r["responses"], r["score"]) for r in everyone] == [
        ("东城工作组", 2, 75.0),
        ("西城工作组", 1, 0.0),
    ]


def test_scope_outside_is_404(api, cast, teams, questionnaire):
    e = _rate(api, cast.office, questionnaire, teams[0], 4, 3).json()
    assert api(cast.office).get(f"/api/evaluations/{e['id']}/").status_code == 200
    assert api(cast.cadre).get(f"/api/evaluations/{e['id']}/").status_code == 200
    for who in ("office_b", "cadre_c", "outsider", "handler"):
        assert api(getattr(cast, who)).get(f"/api/evaluations/{e['id']}/").status_code == 404
    assert api(cast.outsider).get(f"/api/evaluations/results/?questionnaire={questionnaire['id']}").status_code == 404


def test_results_page_and_entry_form(client, cast, teams, questionnaire):
    client.force_login(cast.office)
    url = f"/evaluations/{questionnaire['id']}/"
    q1, q2 = (q["id"] for q in questionnaire["questions"])
    r = client.post(url, {"target_team": teams[0].pk, f"q{q1}": "4", f"q{q2}": "3"})
    assert r.status_code == 302, r.content.decode()
    page = client.get(url).content.decode()
    assert "东城工作组" in page and "87.5" in page
    r = client.post(url, {"target_team": teams[1].pk, f"q{q1}": "4", f"q{q2}": "3"})
    assert r.status_code == 400 and Evaluation.objects.count() == 1
    assert "居民评团队" in client.get("/evaluations/").content.decode()
    client.force_login(cast.outsider)
    assert client.get(url).status_code == 404
