"""Access audit: everything in street_a / community_a is invisible to people outside that subtree.

Every URL pattern is taken from the resolver itself, so a new endpoint is audited without
editing this module: detail and action URLs must answer 404 to another street's cadre, another
street's office, a functional unit's handler (to whom nothing here is routed) and a user with no
role; list URLs and pages must not contain the objects. Phones and ID numbers are masked for the
leader, the inspector and the handler wherever a household shows up.
"""

import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from openpyxl import load_workbook

from grievances.models import Attachment, DeadlineKind, FollowUp, NoticeKind, NoticeLog
from grievances.models import ImportJob as GrievanceImportJob
from liaison.choices import Background, MeetingKind, ReportKind
from liaison.models import BoxOpening, DailySummary, Liaison, LiaisonGroup, LiaisonReport, MapJob, Meeting
from notifications.models import Notification
from reports.models import CardDistribution, ReportJob, SummaryDocument, Violation
from tests.factories import TeamFactory, make_campaign
from tests.grievances.factories import GrievanceFactory
from tests.visits.factories import AssignmentFactory, HouseholdFactory, VisitFactory, id_number
from visits.models import AssignmentKind, EventReport, ImportJob, Pairing, SupportRecord, VisitImportJob, VisitPhoto

PHONE = "13912345678"
ID_NUMBER = id_number(77)
HEAD = "欧阳保密"
SECRETS = (PHONE, ID_NUMBER, HEAD, "路灯坏了秘密", "民情日记秘密", "十必报秘密")


@pytest.fixture
def world(tree, cast, campaign):
    h = HouseholdFactory(grid=tree.grid_a1, head_name=HEAD, id_number=ID_NUMBER, phone=PHONE)
    assert h.id_number == ID_NUMBER
    assignment = AssignmentFactory(campaign=campaign, household=h, visitor=cast.cadre, kind=AssignmentKind.GRID)
    visit = VisitFactory(
        campaign=campaign,
        household=h,
        visitor=cast.cadre,
        visited_at=timezone.now() - timedelta(hours=1),
        duration_minutes=40,
        notes="民情日记秘密",
    )
    photo = VisitPhoto.objects.create(visit=visit, image=default_storage.save("visits/secret.jpg", ContentFile(b"jpg")))
    event = EventReport.objects.create(
        campaign=campaign,
        household=h,
        reporter=cast.cadre,
        kind=EventReport._meta.get_field("kind").choices[0][0],
        description="十必报秘密",
    )
    g = GrievanceFactory(
        actor=cast.office, unit=tree.community_a, campaign=campaign, household=h, content="路灯坏了秘密，请尽快修。"
    )
    # A look-back task is made when an entry is answered; this one is on the open entry, which the
    # `routed` fixture still has to route: written as the row.
    followup = FollowUp.objects.create(
        grievance=g, household=h, campaign=campaign, assignee=cast.cadre, due_at=timezone.now() + timedelta(days=3)
    )
    notice = Notification.objects.create(recipient=cast.office, grievance=g, title="路灯坏了秘密")
    report = ReportJob.objects.create(campaign=campaign, org_unit=tree.street_a, created_by=cast.office)
    summary = SummaryDocument.objects.create(
        campaign=campaign,
        org_unit=tree.street_a,
        title="东城街道工作总结",
        issuing_body="东城街道办公室",
        signed_on=timezone.localdate(),
        basic_situation="路灯坏了秘密",
    )
    violation = Violation.objects.create(
        campaign=campaign,
        unit=tree.community_a,
        kind=Violation._meta.get_field("kind").choices[0][0],
        evidence="十必报秘密",
        evidence_file=default_storage.save("reports/evidence/secret.pdf", ContentFile(b"%PDF")),
    )
    from reports.models import Talk

    talk = Talk.objects.create(campaign=campaign, unit=tree.community_a, confirmed=3, notes="约谈秘密")
    attachment = Attachment.objects.create(
        grievance=g, name="佐证.jpg", file=default_storage.save("grievances/secret.jpg", ContentFile(b"jpg"))
    )
    roster = ImportJob.objects.create(created_by=cast.office, file="imports/secret.xlsx", original_name="花名册.xlsx")
    ledger_import = GrievanceImportJob.objects.create(created_by=cast.office, file="grievances/imports/x.xlsx")
    past_visits = VisitImportJob.objects.create(created_by=cast.office, file="imports/visits/x.xlsx")
    CardDistribution.objects.create(
        campaign=campaign, household=h, distributed_at=timezone.now(), distributed_by=cast.cadre
    )
    street_campaign = make_campaign(tree.street_a, name="东城街道2026年大走访")
    supervised = NoticeLog.objects.create(
        grievance=g, deadline=DeadlineKind.DUE, kind=NoticeKind.LISTED, due_at=timezone.now(), created_at=timezone.now()
    )
    from grievances.board import publish
    from grievances.models import BoardPoster

    publication = publish(actor=cast.office, grievance=g)
    poster = BoardPoster.objects.create(unit=tree.community_a, created_by=cast.office)
    group = LiaisonGroup.objects.create(grid=tree.grid_a1, leader=cast.cadre)
    liaison = Liaison.objects.create(
        grid=tree.grid_a1, user=cast.cadre, background=Background.OLD_PARTY_MEMBER, appointed_on=timezone.localdate()
    )
    box = BoxOpening.objects.create(
        unit=tree.community_a, opened_at=timezone.now(), opened_by="村支书", notes="十必报秘密", recorded_by=cast.cadre
    )
    meeting = Meeting.objects.create(
        unit=tree.community_a,
        kind=MeetingKind.VILLAGE,
        held_on=timezone.localdate(),
        minutes="十必报秘密",
        recorded_by=cast.cadre,
    )
    today = timezone.localdate()
    liaison_report = LiaisonReport.objects.create(
        unit=tree.community_a,
        kind=ReportKind.STATION_MONTH,
        period_start=today.replace(day=1),
        period_end=today,
        due_at=timezone.now(),
        content="十必报秘密",
        submitted_by=cast.cadre,
        submitted_at=timezone.now(),
    )
    team = TeamFactory(campaign=campaign, unit=tree.street_a, paired_unit=tree.community_a, members=[cast.cadre])
    daily = DailySummary.objects.create(team=team, day=today, summary="十必报秘密", submitted_by=cast.cadre)
    network_map = MapJob.objects.create(
        unit=tree.street_a,
        status=MapJob.State.DONE,
        file=default_storage.save("liaison/maps/secret.pdf", ContentFile(b"%PDF")),
        created_by=cast.office,
    )
    pairing = Pairing.objects.create(
        household=h,
        supporter_kind="branch",
        supporter_name="党支部",
        goal="帮扶秘密",
        start_date=timezone.localdate(),
        created_by=cast.office,
    )
    from campaigns.models import Team
    from evaluations.models import Evaluation, Question, Questionnaire

    # A street's questionnaire: a district campaign's would be visible to every street.
    qn = Questionnaire.objects.create(campaign=street_campaign, title="居民评团队", rater_kind="residents_team")
    question = Question.objects.create(questionnaire=qn, text="满意度")
    rated_team = Team.objects.create(
        campaign=street_campaign, name="东城工作组", unit=tree.street_a, paired_unit=tree.community_a
    )
    evaluation = Evaluation.objects.create(
        questionnaire=qn,
        target_team=rated_team,
        unit=tree.community_a,
        rater_name="十必报秘密",
        answers={str(question.pk): 5},
        created_by=cast.office,
    )
    support = SupportRecord.objects.create(
        pairing=pairing,
        date=timezone.localdate(),
        kind="funds",
        note="十必报秘密",
        evidence=default_storage.save("visits/support/secret.pdf", ContentFile(b"%PDF")),
        created_by=cast.office,
    )
    from grievances.models import Reception, ReceptionVisitor

    reception = Reception.objects.create(
        unit=tree.street_a, leader=cast.leader, date=timezone.localdate(), note="接访秘密", created_by=cast.office
    )
    register = ReceptionVisitor.objects.create(reception=reception, name="来访秘密", matter="十必报秘密", grievance=g)
    return SimpleNamespace(
        household=h,
        visit=visit,
        grievance=g,
        campaign=campaign,
        # URL name -> the object its `pk` means
        ids={
            "household-detail": h.pk,
            "household-hardship-plan": h.pk,
            "household-hardship-plan-review": h.pk,
            "household-reveal": h.pk,
            "visits:household": h.pk,
            "visits:household-reveal": h.pk,
            "visits:plan": h.pk,
            "visits:visit-new": h.pk,
            "visits:event-new": h.pk,
            "assignment-detail": assignment.pk,
            "visit-detail": visit.pk,
            "visit-photos": visit.pk,
            "visits:photo": photo.pk,
            "event-report-detail": event.pk,
            "pairing-detail": pairing.pk,
            "evaluation-detail": evaluation.pk,
            "questionnaire-detail": qn.pk,
            "evaluations:results": qn.pk,
            "support-record-detail": support.pk,
            "visits:pairing": pairing.pk,
            "visits:support-evidence": support.pk,
            "household-import-detail": roster.pk,
            "household-import-confirm": roster.pk,
            "household-import-retry": roster.pk,
            "visits:import-retry": roster.pk,
            "visits:import-detail": roster.pk,
            "visits:import-confirm": roster.pk,
            "visit-import-detail": past_visits.pk,
            "visit-import-confirm": past_visits.pk,
            "visits:visit-import-detail": past_visits.pk,
            "visits:visit-import-confirm": past_visits.pk,
            "visit-import-retry": past_visits.pk,
            "visits:visit-import-retry": past_visits.pk,
            "grievance-import-detail": ledger_import.pk,
            "grievance-import-confirm": ledger_import.pk,
            "grievance-import-retry": ledger_import.pk,
            "grievances:import_job": ledger_import.pk,
            "grievance-detail": g.pk,
            "grievance-reveal": g.pk,
            "grievance-typical": g.pk,
            "grievances:reveal-phone": g.pk,
            "grievances:typical": g.pk,
            "grievance-petition": g.pk,
            "grievances:petition-flags": g.pk,
            "reception-detail": reception.pk,
            "reception-visitor-detail": register.pk,
            "grievances:reception-visitor-add": reception.pk,
            "grievances:reception-visitor-outcome": register.pk,
            "grievance-merge": g.pk,
            "grievance-timeline": g.pk,
            "grievance-transitions": g.pk,
            "grievances:detail": g.pk,
            "grievances:transition": g.pk,
            "grievances:merge": g.pk,
            "open311:request": g.pk,
            "notification-detail": notice.pk,
            "notification-read": notice.pk,
            "notifications:read": notice.pk,
            "followup-detail": followup.pk,
            "followup-record": followup.pk,
            "grievances:followup-record": followup.pk,
            "report-job-detail": report.pk,
            "report-job-download": report.pk,
            "report-job-retry": report.pk,
            "reports:report-retry": report.pk,
            "reports:report-row": report.pk,
            "summary-document-detail": summary.pk,
            "summary-document-generate": summary.pk,
            "reports:summary-edit": summary.pk,
            "reports:report-download": report.pk,
            "violation-detail": violation.pk,
            "violation-undo": violation.pk,
            "talk-detail": talk.pk,
            "talk-held": talk.pk,
            "violation-confirm": violation.pk,
            "violation-dismiss": violation.pk,
            "reports:violation-review": violation.pk,
            "reports:violation-evidence": violation.pk,
            "grievances:attachment": attachment.pk,
            "visits:diary-of": cast.cadre.pk,
            "org-unit-detail": tree.community_a.pk,
            "org-unit-detail-page": tree.community_a.pk,
            "org-unit-level-names": tree.community_a.pk,
            "campaign-detail": street_campaign.pk,
            "campaign-phase-switch": street_campaign.pk,
            "supervision-list-detail": supervised.pk,
            "publication-detail": publication.pk,
            "publication-approve-text": publication.pk,
            "publication-withdraw": publication.pk,
            "grievances:board-publish": g.pk,
            "grievances:board-entry": publication.pk,
            "grievances:board-poster-download": poster.pk,
            "board-poster-detail": poster.pk,
            "board-poster-download": poster.pk,
            "board-poster-retry": poster.pk,
            "grievances:board-poster-retry": poster.pk,
            "liaison-group-detail": group.pk,
            "liaison-detail": liaison.pk,
            "box-opening-detail": box.pk,
            "meeting-detail": meeting.pk,
            "liaison-report-detail": liaison_report.pk,
            "daily-summary-detail": daily.pk,
            "liaison:summary-print": daily.pk,
            "liaison-map-detail": network_map.pk,
            "liaison:map-download": network_map.pk,
            "liaison-map-retry": network_map.pk,
            "liaison:map-retry": network_map.pk,
        },
    )


def _patterns(patterns=None, prefix="", ns=""):
    """(route regex, url name, allowed methods, kwarg names) for every URL in the project."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            inner = f"{ns}:{p.namespace}".strip(":") if p.namespace else ns
            yield from _patterns(p.url_patterns, prefix + str(p.pattern), inner)
            continue
        assert isinstance(p, URLPattern)
        name = f"{ns}:{p.name}".strip(":") if ns else p.name
        actions = getattr(p.callback, "actions", None)
        view_class = getattr(p.callback, "view_class", None)
        if actions:
            methods = sorted(actions)
        elif view_class is not None:
            methods = [m for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m)]
        else:
            methods = ["get", "post"]
        yield prefix + str(p.pattern), name, methods, list(p.pattern.regex.groupindex)


# The Django admin is for superusers only (is_staff), outside the product surface audited here.
ALL = [row for row in _patterns() if "format" not in row[3] and not (row[1] or "").startswith("admin:")]
# Not scoped by the org tree: the category taxonomy is shared reference data, sweep runs cover the
# whole tree (for admins of all of it) and carry no personal data. A community's public board is
# read by anyone, by design; tests/grievances/test_public_board.py holds what it may show.
UNSCOPED = {"grievance-category-detail", "sweep-run-detail", "public:board"}
DETAIL = [row for row in ALL if set(row[3]) - {"format"} and row[1] not in UNSCOPED]


def _url(route, kwargs):
    """Turn a route ('api/^x/(?P<pk>..)/$' or 'x/<int:pk>/') into a path with `kwargs` filled in."""
    import re

    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m.group(1)]), route)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), path)
    return "/" + path.replace("^", "").replace("$", "").replace("\\.", ".")


def test_every_detail_url_is_mapped_to_an_object(world):
    unmapped = [name for _route, name, _m, _k in DETAIL if name not in world.ids]
    assert unmapped == []


OUTSIDERS = ("cadre_c", "office_b", "handler", "outsider")


MISSING = 999999


def _clients(api, user):
    page = Client()
    page.force_login(user)
    return api(user), page


def _call(clients, route, method, url):
    client, page = clients
    if not route.startswith("api/"):
        return getattr(page, method)(url)
    return client.get(url) if method == "get" else getattr(client, method)(url, {}, format="json")


def _detail_answers(world, clients, *, pk_of):
    """{(METHOD, url name): (status, status for a missing pk)} for every detail/action URL."""
    answers = {}
    for route, name, methods, _kwargs in DETAIL:
        for method in methods:
            if method in ("head", "options"):
                continue
            pk = pk_of(name)
            got = _call(clients, route, method, _url(route, {"pk": pk, "user_id": pk, "decision": "confirm"}))
            if got.status_code == 404:
                answers[(method.upper(), name)] = (404, 404)
                continue
            missing = _url(route, {"pk": MISSING, "user_id": MISSING, "decision": "confirm"})
            answers[(method.upper(), name)] = (got.status_code, _call(clients, route, method, missing).status_code)
    return answers


@pytest.mark.parametrize("who", OUTSIDERS)
def test_detail_and_action_urls_answer_as_if_the_object_did_not_exist(world, cast, api, who):
    """404, or whatever a missing object gets (405 for a wrong method, 403 for an admin-only
    endpoint, 400 when the body is checked first): never success, never a tell."""
    answers = _detail_answers(world, _clients(api, getattr(cast, who)), pk_of=world.ids.__getitem__)
    tells = {k: v for k, v in answers.items() if v[0] != v[1] or v[0] < 400}
    assert tells == {}
    assert sum(1 for got, _m in answers.values() if got == 404) >= 30


def test_the_streets_own_office_does_reach_those_objects(world, cast, api):
    """The probe is live: the same URLs answer 200 to street_a's office."""
    answers = _detail_answers(world, _clients(api, cast.office), pk_of=world.ids.__getitem__)
    ok = {name for (method, name), (got, _m) in answers.items() if method == "GET" and got == 200}
    assert {
        "household-detail",
        "visit-detail",
        "grievance-detail",
        "event-report-detail",
        "violation-detail",
        "report-job-detail",
        "visits:household",
        "grievances:detail",
        "org-unit-detail",
        "org-unit-level-names",
        "box-opening-detail",
        "liaison-map-detail",
        "liaison:map-download",
        "liaison:summary-print",
    } <= ok


def _text(response):
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    if body[:2] == b"PK":  # .xlsx: read every cell
        wb = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row)
    return body.decode("utf-8", "replace")


def _list_leaks(world, tree, cast, clients):
    queries = (
        "",
        f"?campaign={world.campaign.pk}&org_unit={tree.community_a.pk}&unit={tree.community_a.pk}",
        f"?household={world.household.pk}&grievance={world.grievance.pk}&visitor={cast.cadre.pk}",
    )
    leaks = []
    for route, name, methods, kwargs in ALL:
        if kwargs or "get" not in methods or name in ("api-schema", "api-docs", "logout"):
            continue
        for query in queries:
            url = _url(route, {}) + query
            response = _call(clients, route, "get", url)
            if response.status_code >= 300:
                continue
            found = [s for s in SECRETS if s in _text(response)]
            if found:
                leaks.append((url, found))
    return leaks


@pytest.mark.parametrize("who", OUTSIDERS)
def test_lists_pages_and_exports_leave_out_the_subtree(world, tree, cast, api, who):
    leaks = _list_leaks(world, tree, cast, _clients(api, getattr(cast, who)))
    assert leaks == [], "\n".join(map(str, leaks))


def test_the_streets_own_office_does_find_them_in_lists(world, tree, cast, api):
    leaks = _list_leaks(world, tree, cast, _clients(api, cast.office))
    # Everything but the whole phone and ID number: lists mask them for everyone (whole by a reveal).
    assert {s for _url, found in leaks for s in found} == set(SECRETS) - {PHONE, ID_NUMBER}


MASKED_ROLES = ("leader", "inspector", "handler")


@pytest.fixture
def routed(world, tree, cast):
    """The entry routed to the handler's department: the handler sees it, and its household masked."""
    from grievances.services import transition

    world.grievance = transition(
        actor=cast.office, grievance=world.grievance, name="assign", handling_unit=tree.department
    )
    return world


@pytest.mark.parametrize("who", MASKED_ROLES)
def test_phone_and_id_number_are_masked_for_reading_roles(routed, tree, cast, api, who):
    user = getattr(cast, who)
    client = api(user)
    page = Client()
    page.force_login(user)
    h = routed.household
    c = routed.campaign.pk
    urls = [
        f"/api/households/?campaign={c}",
        f"/api/households/{h.pk}/",
        f"/api/grievances/?campaign={c}",
        f"/api/grievances/{routed.grievance.pk}/",
        f"/api/grievances/export/?campaign={c}",
        f"/api/households/{h.pk}/hardship-plan/",
        f"/api/assignments/?campaign={c}",
        f"/api/visits/?campaign={c}",
        f"/api/visits/{routed.visit.pk}/",
        f"/api/event-reports/?campaign={c}",
        f"/api/followups/?campaign={c}",
        f"/api/stats/excel/?campaign={c}&org_unit={tree.district.pk}",
        "/visits/",
        "/visits/households/",
        "/visits/assignments/",
        f"/visits/diary/{cast.cadre.pk}/",
        f"/visits/households/{h.pk}/",
        "/grievances/",
        "/grievances/routed/",
        f"/grievances/{routed.grievance.pk}/",
        "/grievances/export/",
        "/grievances/followups/",
    ]
    seen = 0
    leaks = []
    for url in urls:
        response = client.get(url) if url.startswith("/api/") else page.get(url)
        if response.status_code != 200:
            continue
        text = _text(response)
        seen += 1
        leaks += [(url, s) for s in (PHONE, ID_NUMBER) if s in text]
    assert leaks == [], "\n".join(map(str, leaks))
    assert seen >= 3  # each reading role does get to see the entry somewhere


def test_the_office_and_the_assigned_cadre_see_the_whole_phone_by_a_reveal(world, cast, api):
    for user in (cast.office, cast.cadre):
        body = api(user).get(f"/api/households/{world.household.pk}/").json()
        assert body["can_reveal"] and PHONE not in (body["phone"], body["id_number"])
        url = f"/api/households/{world.household.pk}/reveal/"
        body = api(user).post(url, {"reason": "return_visit"}, format="json").json()
        assert (body["phone"], body["id_number"]) == (PHONE, ID_NUMBER)


def test_handler_sees_only_what_is_routed_to_it(routed, world, cast, api):
    assert api(cast.handler).get(f"/api/grievances/{routed.grievance.pk}/").status_code == 200


@pytest.mark.parametrize("who", OUTSIDERS)
def test_running_the_detectors_on_another_street_is_refused_like_a_missing_unit(world, tree, cast, api, who):
    client = api(getattr(cast, who))
    body = {"campaign": world.campaign.pk, "org_unit": tree.community_a.pk}
    response = client.post("/api/violations/detect/", body, format="json")
    assert response.status_code == 400, response.content
    assert "所选对象不存在或不在您的管辖范围内" in response.json()["detail"]
    assert Violation.objects.count() == 1


def test_another_persons_message_cannot_be_marked_read(world, cast):
    page = Client()
    page.force_login(cast.office_b)
    notice = Notification.objects.get()
    assert page.post(f"/grievances/notifications/{notice.pk}/read/").status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None
