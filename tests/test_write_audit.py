"""Write audit: nobody writes outside their subtree, whatever the URL or the request body names.

The write twin of test_access_audit.py. Every POST/PUT/PATCH/DELETE route comes from the URL
resolver; API request bodies and their id fields come from the OpenAPI schema, page bodies from
the forms the pages render and the POST keys their views read. A new route or id field is audited
without editing this module, and the audit fails when a write route is neither probed nor
allow-listed.

(a) An object the URL names, outside the caller's scope, answers like a missing one (404, or the
    403 a role gets for the whole kind) to another street's office, cadre and admin, the
    department's handler, a user with no role and another district's office and cadre.
(b) Each id in the body, replaced by the same kind of object in another street or another district,
    is refused while the caller is an insider whose unchanged body is accepted: the API answers
    4xx like it does for a missing id, a page shows an error and reports no success.
In both cases no row is added, no `updated_at` moves and the answer shows no foreign household's or
person's name. The world is built once and every request runs in a savepoint that is rolled back,
so each probe starts from the same rows. Every finding is listed in one failure message.
"""

import functools
import inspect
import io
import logging
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.db import connection, transaction
from django.forms import BaseForm, ModelChoiceField
from django.test import Client, override_settings
from django.test.utils import ContextList
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from PIL import Image
from rest_framework.test import APIClient

from campaigns.access import forget_scope
from campaigns.lib.imports import ImportStatus
from campaigns.models import Campaign, FocusCategory, Level, OrgUnit, Role, Team, User
from evaluations.models import Questionnaire
from grievances.models import FollowUp, FollowUpKind, Grievance, GrievanceCategory
from grievances.models import ImportJob as LedgerImportJob
from notifications.models import Notification
from reports.models import ReportJob, SummaryDocument, Talk, Violation
from tests.conftest import FROZEN_NOW
from tests.factories import OrgUnitFactory, UserFactory, make_campaign, member
from tests.grievances.factories import category
from tests.twofactor import verified
from tests.visits.factories import HouseholdFactory
from visits.models import (
    Assignment,
    AssignmentKind,
    EventReport,
    HardshipPlan,
    Household,
    ImportJob,
    Pairing,
    PlanReview,
    SupportRecord,
    Visit,
    VisitImportJob,
)

# The tests read the audit's report; the database is set up for the module fixture that makes it.
pytestmark = pytest.mark.django_db

# Every object a URL may name in the home branch has this primary key, in its own table: a
# route's `<pk>` then names the home object of whatever model its view loads, and no table from
# URL names to models is needed. MISSING names nothing.
HOME_PK = 4242
MISSING = 999999
MISSING_CODE = "NO-SUCH-CODE"
WRITE_METHODS = ("post", "put", "patch", "delete")

# Routes that genuinely have no scope to audit: they name no object and carry no id.
ALLOW_LISTED = {
    # Logging in and out, and changing one's own password, act on the caller alone.
    "POST login": "logs the caller in",
    "PUT login": "logs the caller in (FormView answers PUT like POST)",
    "POST logout": "logs the caller out",
    "POST password_change": "changes the caller's own password",
    "POST two-factor": "enrols or verifies the caller's own second factor",
    "POST auth_token_revoke_create": "revokes the caller's own API tokens",
    "PUT password_change": "changes the caller's own password",
    "POST auth_token_create": "exchanges the caller's own credentials for a token",
    "POST notifications:read-all": "marks all of the caller's own messages read",
    # The global deadline sweep names no object; only admins may start it (IsAdminRole).
    "POST sweep_runs_run_create": "starts the global deadline sweep, admins only",
    # An upload always creates the uploader's own preview job, whatever its rows say: the rows'
    # units are checked in the preview (tests/visits/test_roster_import.py,
    # tests/grievances/test_excel_import.py, tests/visits/test_visit_import.py) and a job with
    # errors cannot be confirmed.
    "POST households_import_create": "creates the uploader's own roster preview",
    "POST grievances_import_create": "creates the uploader's own ledger preview",
    "POST visits:import": "creates the uploader's own roster preview",
    "POST grievances:import": "creates the uploader's own ledger preview",
    "POST visits_import_create": "creates the uploader's own preview of past visits",
    "POST visits:visit-import": "creates the uploader's own preview of past visits",
    # Open311 answers an external system's API key, never a session: sessions get 401. The key's
    # unit bounds what it reads and writes (tests/grievances/test_open311.py).
    "POST open311:requests": "an external system's API key, scoped to its unit, not a session",
}

# Shared reference data, the same for every unit: an id of it is never out of scope.
REFERENCE_MODELS = {GrievanceCategory, FocusCategory}

# Body fields that are ids but not named after a model field.
ID_ALIASES = {
    "into": Grievance,  # merge an entry into another one
    "sources": Grievance,  # the entries merged into this one
    "g1_category": GrievanceCategory,  # the visit form's two inline grievances
    "g2_category": GrievanceCategory,
    "review": PlanReview,  # a scheduled review of a 一户一策 plan
}
# Ids of the route's own model: the viewset's model for the API, given here for pages.
OWN_MODEL_FIELDS = {"ids"}
PAGE_MODELS = {
    "grievances:bulk": Grievance,
    "notifications:read-all": Notification,
    # A district campaign's questionnaire is visible to every street: refusing its form is no tell.
    "evaluations:results": Questionnaire,
}
# Numbers in bodies that are not ids.
NOT_IDS = {"version", "days", "members_count", "duration_minutes", "page", "page_size", "min_visit_minutes"}

# API bodies by operationId, as lists of variants; the id fields present in a variant are probed.
HAND_PAYLOADS = {
    # A transition's fields depend on its name: the ones that carry ids.
    "grievances_transitions_create": lambda w: [
        {"name": "assign", "handling_unit": w.tree.community_a.pk, "case_owner": w.cast.leader_a.pk},
        {"name": "assign", "handling_unit": w.tree.department.pk},
        {"name": "set_case_owner", "case_owner": w.cast.leader_a.pk},
        {"name": "merge", "into": w.home_of_field["into"].pk},
    ],
    "households_hardship_plan_review_create": lambda w: [{"review": HOME_PK, "outcome": "措施已落实"}],
    # The edit needs the entry's current version.
    "grievances_partial_update": lambda w: [{"version": w.grievance.version, "content": "路灯坏了，请尽快修"}],
    # A photo must be a real image.
    "visits_photos_create": lambda w: [{"image": _png}],
    # The home campaign has its residents' questionnaire already: one per rater kind.
    "questionnaires_create": lambda w: [
        {
            "campaign": w.home[Campaign].pk,
            "title": "社区评支部",
            "rater_kind": "community_branch",
            "questions": [{"text": "满意度", "scale": "five"}],
        }
    ],
    # The answers are keyed by the questionnaire's question ids; the rater kind names the target field.
    "evaluations_create": lambda w: [
        {
            "questionnaire": w.home[Questionnaire].pk,
            "target_team": w.home[Team].pk,
            "answers": {str(w.home[Questionnaire].questions.get().pk): 3},
        }
    ],
}
# Routes whose URL object cannot be the home one: undoing a decision needs a decided case, while
# the home case stays a candidate for the confirm and dismiss probes.
URL_OBJECTS = {"violations_undo_create": lambda w: w.reviewed.pk}
# Page bodies by URL name, where the rendered form's defaults choose a variant without ids.
PAGE_PAYLOADS = {
    "grievances:bulk": lambda w: [
        {"name": "assign", "ids": str(w.grievance.pk), "handling_unit": str(w.tree.community_a.pk)}
    ],
    # The reveal form shows once its reason is picked; the 约谈 form only on a listed community.
    "grievances:reveal-phone": lambda w: [{"reason": "return_visit"}],
    "reports:talk-record": lambda w: [
        {"campaign": str(w.home[Campaign].pk), "unit": str(w.tree.community_a.pk)},
    ],
}

OUTSIDERS = ("office_b", "cadre_c", "admin_b", "handler", "outsider", "office_x", "cadre_x")
# Who may do a write, tried in this order; superusers have no outside, so they are the last
# resort for (a) and never probe (b).
INSIDERS = ("office", "cadre", "inspector", "leader", "admin_d", "admin_a", "admin")


# --- the world -------------------------------------------------------------------------------------


def _next_pk(model, pk):
    """Make `pk` the next key the database hands out for `model` (for rows a service creates)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, pk - 1])
        else:
            cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
            cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, pk - 1])


def _branch(code, name, parent=None, level=Level.DISTRICT):
    return OrgUnitFactory(code=code, name=name, level=level, parent=parent)


def _build_world():
    """The roles of the cast in tests/conftest.py on a trimmed tree, plus another district, the
    leaders and admins of streets, and in each branch the objects that URLs and bodies name.

    测试区 (district) ── 东城街道 (street_a) ── 幸福社区 (community_a) ── grid_a1
                     ├─ 西城街道 (street_b) ── 长安社区 (community_c) ── grid_c1
                     └─ 区教育局 (department)
    外区 (district_x) ── 外区街道 (street_x) ── 外区社区 (community_x) ── grid_x1
                     └─ 外区教育局 (department_x)
    """
    from grievances import services as ledger

    t = SimpleNamespace()
    t.district = _branch("W01", "测试区")
    t.street_a = _branch("W01-S01", "东城街道", t.district, Level.STREET)
    t.street_b = _branch("W01-S02", "西城街道", t.district, Level.STREET)
    t.community_a = _branch("W01-S01-C01", "幸福社区", t.street_a, Level.COMMUNITY)
    t.community_c = _branch("W01-S02-C01", "长安社区", t.street_b, Level.COMMUNITY)
    t.grid_a1 = _branch("W01-S01-C01-G01", "幸福社区一网格", t.community_a, Level.GRID)
    t.grid_c1 = _branch("W01-S02-C01-G01", "长安社区一网格", t.community_c, Level.GRID)
    t.department = _branch("W01-EDU", "区教育局", t.district, Level.DEPARTMENT)
    t.district_x = _branch("W02", "外区")
    t.street_x = _branch("W02-S01", "外区街道", t.district_x, Level.STREET)
    t.community_x = _branch("W02-S01-C01", "外区社区", t.street_x, Level.COMMUNITY)
    t.grid_x1 = _branch("W02-S01-C01-G01", "外区社区一网格", t.community_x, Level.GRID)
    t.department_x = _branch("W02-EDU", "外区教育局", t.district_x, Level.DEPARTMENT)

    def person(username, full_name, unit=None, role=None):
        user = UserFactory(username=username, full_name=full_name)
        return member(user, unit, role) if unit is not None else user

    c = SimpleNamespace()
    c.admin = UserFactory(username="w_admin", full_name="管理员", is_superuser=True, is_staff=True)
    c.leader = person("w_leader", "赵书记", t.district, Role.LEADER)
    c.inspector = person("w_inspector", "郑督导", t.district, Role.INSPECTOR)
    c.office = person("w_office", "钱主任", t.street_a, Role.OFFICE)
    c.cadre = person("w_cadre", "李网格", t.community_a, Role.CADRE)
    c.leader_a = person("w_leader_a", "东城包案", t.street_a, Role.LEADER)
    c.admin_a = person("w_admin_a", "东城管理员", t.street_a, Role.ADMIN)
    c.admin_d = person("w_admin_d", "区管理员", t.district, Role.ADMIN)
    c.handler = person("w_handler", "吴科员", t.department, Role.HANDLER)
    c.outsider = person("w_outsider", "王路人")
    c.office_b = person("w_office_b", "孙主任", t.street_b, Role.OFFICE)
    c.cadre_c = person("w_cadre_c", "周网格", t.community_c, Role.CADRE)
    c.leader_b = person("w_leader_b", "西城包案", t.street_b, Role.LEADER)
    c.admin_b = person("w_admin_b", "西城管理员", t.street_b, Role.ADMIN)
    c.office_x = person("w_office_x", "外区主任", t.street_x, Role.OFFICE)
    c.cadre_x = person("w_cadre_x", "外区网格", t.community_x, Role.CADRE)
    c.leader_x = person("w_leader_x", "外区包案", t.street_x, Role.LEADER)

    cat = category()
    _next_pk(Campaign, HOME_PK)
    campaign = make_campaign(t.district)
    campaign_b = make_campaign(t.street_b, name="西城街道2026年大走访")
    campaign_x = make_campaign(t.district_x, name="外区2026年大走访")
    team = Team.objects.create(campaign=campaign, name="东城工作组", unit=t.street_a, paired_unit=t.community_a)
    team_b = Team.objects.create(campaign=campaign_b, name="西城工作组", unit=t.street_b, paired_unit=t.community_c)
    team_x = Team.objects.create(campaign=campaign_x, name="外区工作组", unit=t.street_x, paired_unit=t.community_x)

    # The probes fill required fields only: a campaign that asks no content of a visit.
    campaign.visit_content = []
    campaign.save(update_fields=["visit_content"])
    h = HouseholdFactory(grid=t.grid_a1, pk=HOME_PK, head_name="东城户主")
    h2 = HouseholdFactory(grid=t.grid_a1, head_name="东城邻居")
    h_b = HouseholdFactory(grid=t.grid_c1, head_name="西城户主")
    h_x = HouseholdFactory(grid=t.grid_x1, head_name="外区户主")
    kind = AssignmentKind.GRID
    # The party leader's 户户到 visit: another regular visitor may still be assigned to the household.
    Assignment.objects.create(
        pk=HOME_PK, campaign=campaign, household=h, visitor=c.cadre, kind=AssignmentKind.PARTY_LEADER
    )
    Assignment.objects.create(campaign=campaign, household=h_b, visitor=c.cadre_c, kind=kind)
    Assignment.objects.create(campaign=campaign_x, household=h_x, visitor=c.cadre_x, kind=kind)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Visit.objects.create(
        pk=HOME_PK, campaign=campaign, household=h, visitor=c.cadre, visited_at=an_hour_ago, duration_minutes=40
    )
    EventReport.objects.create(
        pk=HOME_PK,
        campaign=campaign,
        household=h,
        reporter=c.cadre,
        kind=EventReport._meta.get_field("kind").choices[0][0],
        description="十必报",
    )
    _next_pk(Grievance, HOME_PK)
    g = ledger.register_grievance(
        actor=c.office, content="路灯坏了", category=cat, household=h, campaign=campaign, reporter_phone="13800001111"
    )
    g2 = ledger.register_grievance(actor=c.office, content="路灯又坏了", category=cat, household=h2, campaign=campaign)
    g_b = ledger.register_grievance(
        actor=c.office_b, content="西城路灯", category=cat, household=h_b, campaign=campaign
    )
    g_x = ledger.register_grievance(
        actor=c.office_x, content="外区路灯", category=cat, household=h_x, campaign=campaign_x
    )
    n = Notification.objects.create(pk=HOME_PK, recipient=c.office, grievance=g, title="到期提醒")
    n_b = Notification.objects.create(recipient=c.office_b, grievance=g_b, title="到期提醒")
    n_x = Notification.objects.create(recipient=c.office_x, grievance=g_x, title="到期提醒")
    FollowUp.objects.create(
        pk=HOME_PK,
        kind=FollowUpKind.FOCUS,
        household=h,
        campaign=campaign,
        assignee=c.cadre,
        due_at=timezone.now() + timedelta(days=3),
    )
    ReportJob.objects.create(pk=HOME_PK, campaign=campaign, org_unit=t.street_a, created_by=c.office)
    SummaryDocument.objects.create(
        pk=HOME_PK,
        campaign=campaign,
        org_unit=t.street_a,
        title="东城街道工作总结",
        issuing_body="东城街道办公室",
        signed_on=timezone.localdate(),
        created_by=c.office,
    )
    Violation.objects.create(
        pk=HOME_PK,
        campaign=campaign,
        unit=t.community_a,
        kind=Violation._meta.get_field("kind").choices[0][0],
        evidence="抽查未入户",
    )
    # Three confirmed cases put community_a on the 约谈 list; one of them is the decision to undo.
    kind_v = Violation._meta.get_field("kind").choices[0][0]
    reviewed = [
        Violation.objects.create(
            campaign=campaign,
            unit=t.community_a,
            kind=kind_v,
            evidence=f"抽查未入户{i}",
            status=Violation.State.CONFIRMED,
            reviewed_by=c.inspector,
            reviewed_at=timezone.now(),
        )
        for i in range(3)
    ]
    Talk.objects.create(pk=HOME_PK, campaign=campaign, unit=t.community_a, confirmed=3, recorded_by=c.inspector)
    ImportJob.objects.create(
        pk=HOME_PK, created_by=c.office, file="imports/x.xlsx", status=ImportStatus.DONE, message="已导入"
    )
    LedgerImportJob.objects.create(
        pk=HOME_PK, created_by=c.office, file="grievances/imports/x.xlsx", status=ImportStatus.DONE
    )
    from grievances.models import BoardPoster, Publication

    # On the board already (the entry beside the home one, which the probes publish), with a text to approve.
    Publication.objects.create(
        pk=HOME_PK, grievance=g2, unit=t.community_a, published_at=timezone.now(), summary="反映路灯损坏"
    )
    BoardPoster.objects.create(pk=HOME_PK, unit=t.community_a, created_by=c.office)
    VisitImportJob.objects.create(
        pk=HOME_PK, created_by=c.office, file="imports/visits/x.xlsx", status=ImportStatus.DONE
    )

    def pairing(household, **kw):
        return Pairing.objects.create(
            household=household,
            supporter_kind="branch",
            supporter_name="党支部",
            goal="增收",
            start_date=timezone.localdate(),
            created_by=c.office,
            **kw,
        )

    p = pairing(h, pk=HOME_PK)
    p_b, p_x = pairing(h_b), pairing(h_x)
    from evaluations.models import Question

    def questionnaire(campaign_of, **kw):
        qn = Questionnaire.objects.create(campaign=campaign_of, title="居民评团队", rater_kind="residents_team", **kw)
        Question.objects.create(questionnaire=qn, text="满意度", scale="satisfaction")
        return qn

    qn = questionnaire(campaign, pk=HOME_PK)
    qn_b, qn_x = questionnaire(campaign_b), questionnaire(campaign_x)
    SupportRecord.objects.create(pk=HOME_PK, pairing=p, date=timezone.localdate(), kind="visit", created_by=c.office)

    def plan_review(household, **kw):
        plan = HardshipPlan.objects.create(
            household=household, situation="因病致贫", measures="低保", responsible="钱主任"
        )
        return PlanReview.objects.create(plan=plan, due_date=timezone.localdate(), **kw)

    review = plan_review(h, pk=HOME_PK)
    review_b, review_x = plan_review(h_b), plan_review(h_x)
    for user in vars(c).values():
        forget_scope(user)

    # What an id field names in the home branch, by model, and where a field means something else.
    home = {
        Campaign: campaign,
        Household: h,
        User: c.cadre,
        OrgUnit: t.community_a,
        Team: team,
        Grievance: g,
        Notification: n,
        GrievanceCategory: cat,
        Pairing: p,
        Questionnaire: qn,
        PlanReview: review,
    }
    home_of_field = {"grid": t.grid_a1, "case_owner": c.leader_a, "sources": g2, "into": g2}
    # The same object in another street and in another district.
    twins = {
        campaign: (campaign_b, campaign_x),
        h: (h_b, h_x),
        h2: (h_b, h_x),
        c.cadre: (c.cadre_c, c.cadre_x),
        c.leader_a: (c.leader_b, c.leader_x),
        c.office: (c.office_b, c.office_x),
        t.community_a: (t.community_c, t.community_x),
        t.grid_a1: (t.grid_c1, t.grid_x1),
        t.street_a: (t.street_b, t.street_x),
        t.department: (None, t.department_x),
        t.district: (None, t.district_x),
        team: (team_b, team_x),
        g: (g_b, g_x),
        g2: (g_b, g_x),
        n: (n_b, n_x),
        p: (p_b, p_x),
        qn: (qn_b, qn_x),
        review: (review_b, review_x),
    }
    # What a page or an answer shows of a foreign person or household: it must never show it.
    markers = {h_b: h_b.head_name, h_x: h_x.head_name}
    markers |= {u: u.full_name for u in (c.cadre_c, c.cadre_x, c.leader_b, c.leader_x, c.office_b, c.office_x)}
    return SimpleNamespace(
        tree=t,
        cast=c,
        home=home,
        home_of_field=home_of_field,
        twins=twins,
        markers=markers,
        grievance=g,
        reviewed=reviewed[0],
    )


# --- the database, before and after ----------------------------------------------------------------


@functools.cache
def _snapshot_sql():
    """One statement: (model label, row count, max updated_at) for every table."""
    parts = []
    for model in apps.get_models(include_auto_created=True):
        opts = model._meta
        if opts.proxy or not opts.managed or opts.db_table == "django_session":  # sessions: our logins
            continue
        names = {f.column for f in opts.concrete_fields}
        latest = connection.ops.quote_name("updated_at") if "updated_at" in names else "NULL"
        table = connection.ops.quote_name(opts.db_table)
        # As text: PostgreSQL's UNION needs one type per column, and MAX(NULL) is untyped.
        parts.append(f"SELECT '{opts.label}', COUNT(*), CAST(MAX({latest}) AS TEXT) FROM {table}")
    return " UNION ALL ".join(parts)


def snapshot():
    """{model label: (count, max updated_at)} of every model."""
    with connection.cursor() as cursor:
        cursor.execute(_snapshot_sql())
        return {label: (count, str(latest)) for label, count, latest in cursor.fetchall()}


def _changes(before, after):
    return sorted(label for label in before if before[label] != after.get(label))


# --- discovery: routes, schema, id fields -------------------------------------------------------------


@dataclass
class Route:
    name: str
    route: str
    method: str
    callback: Any
    kwargs: list[str]
    op: dict | None = None

    @property
    def api(self):
        return self.route.startswith("api/")

    @property
    def key(self):
        return f"{self.method.upper()} {self.op['operationId'] if self.op else self.name}"


def _patterns(patterns=None, prefix="", ns=""):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            inner = f"{ns}:{p.namespace}".strip(":") if p.namespace else ns
            yield from _patterns(p.url_patterns, prefix + str(p.pattern), inner)
            continue
        assert isinstance(p, URLPattern)
        name = f"{ns}:{p.name}".strip(":") if ns else p.name
        yield prefix + str(p.pattern), name, p.callback, list(p.pattern.regex.groupindex)


def _methods(callback):
    actions = getattr(callback, "actions", None)
    if actions:
        allowed = getattr(callback.cls, "http_method_names", WRITE_METHODS)
        return [m for m in actions if m in WRITE_METHODS and m in allowed]
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return [m for m in WRITE_METHODS if hasattr(view_class, m) and m in view_class.http_method_names]
    # A function view writes when it reads a POST (its decorators are part of its source).
    return ["post"] if "POST" in inspect.getsource(inspect.unwrap(callback)) else []


def _template(route):
    """'api/^x/(?P<pk>[^/.]+)/$' and 'x/<int:pk>/' both become '/x/{}/'."""
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "{}", route)
    path = re.sub(r"<(?:\w+:)?\w+>", "{}", path)
    return "/" + path.replace("^", "").replace("$", "").replace("\\.", ".")


def _url(route, pk):
    kwargs = {"pk": pk, "user_id": pk, "decision": "confirm", "code": pk}
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m.group(1)]), route)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), path)
    return "/" + path.replace("^", "").replace("$", "").replace("\\.", ".")


def _schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def write_routes(schema):
    ops = {}
    for path, items in schema["paths"].items():
        for method, op in items.items():
            ops[(re.sub(r"\{\w+\}", "{}", path), method)] = op
    routes = []
    for route, name, callback, kwargs in _patterns():
        if "format" in kwargs or (name or "").startswith("admin:"):
            continue
        for method in _methods(callback):
            op = ops.get((_template(route), method)) if route.startswith("api/") else None
            routes.append(Route(name or route, route, method, callback, kwargs, op))
    return routes


def _field_models():
    """Body field name -> the models a relation of that name points to, over every model."""
    found = defaultdict(set)
    by_model = {}
    for model in apps.get_models():
        own = {}
        for f in model._meta.get_fields():
            if f.is_relation and f.concrete or f.many_to_many and not f.auto_created:
                if f.related_model is not None and f.name:
                    found[f.name].add(f.related_model)
                    own[f.name] = f.related_model
        by_model[model] = own
    return found, by_model


FIELD_MODELS, MODEL_FIELDS = _field_models()


def id_model(name, own_model=None):
    """The model an id field names, None when it is not an id, or a string saying why unknown."""
    if name in ID_ALIASES:
        return ID_ALIASES[name]
    if name in OWN_MODEL_FIELDS:
        return own_model or f"`{name}` of an unknown model"
    if own_model is not None and name in MODEL_FIELDS.get(own_model, {}):
        return MODEL_FIELDS[own_model][name]
    for candidate in (name, name[:-1] if name.endswith("s") else None):
        models_ = FIELD_MODELS.get(candidate) if candidate else None
        if models_:
            return next(iter(models_)) if len(models_) == 1 else f"`{name}` is ambiguous: {sorted(map(str, models_))}"
    return None


def view_model(callback):
    """The model a DRF view's queryset is built on (what its `<pk>` and its `ids` name)."""
    cls = getattr(callback, "cls", None)
    if cls is None:
        return None
    qs = getattr(cls, "queryset", None)
    if qs is not None:
        return qs.model
    # What the schema generator sees: views answer an empty queryset of their model to it.
    view = cls()
    view.swagger_fake_view = True
    view.request, view.kwargs, view.action, view.format_kwarg = None, {}, None, None
    try:
        return view.get_queryset().model
    except Exception:  # a view that needs a real request: fall back to its serializer
        pass
    meta = getattr(getattr(cls, "serializer_class", None), "Meta", None)
    return getattr(meta, "model", None)


class Schema:
    def __init__(self, schema):
        self.components = schema["components"]["schemas"]

    def resolve(self, s):
        while True:
            if "$ref" in s:
                s = self.components[s["$ref"].rsplit("/", 1)[-1]]
            elif "allOf" in s and len(s["allOf"]) == 1:
                s = {**{k: v for k, v in s.items() if k != "allOf"}, **self.resolve(s["allOf"][0])}
            else:
                return s

    def body(self, op):
        """(content type, properties, required) of an operation's request body."""
        content = (op or {}).get("requestBody", {}).get("content", {})
        if not content:
            return None, {}, []
        kind = "json" if "application/json" in content else "multipart"
        s = self.resolve(next(iter(content.values()))["schema"])
        return kind, s.get("properties", {}), s.get("required", [])

    def sample(self, prop):
        """A valid value for a property that is not an id."""
        s = self.resolve(prop)
        if s.get("enum"):
            return next(v for v in s["enum"] if v not in ("", None))
        kind, fmt = s.get("type"), s.get("format")
        if kind == "string":
            if fmt == "date-time":
                return (timezone.now() - timedelta(hours=1)).isoformat()
            if fmt == "date":
                return timezone.localdate().isoformat()
            if fmt == "uuid":
                return str(uuid.uuid4())
            return "写入审计"
        if kind in ("integer", "number"):
            return s.get("minimum", 1)
        if kind == "boolean":
            return False
        if kind == "array":
            return [self.sample(s.get("items", {}))]
        return {}

    @staticmethod
    def is_code(prop, model):
        """An id sent as the object's code (a grid given by its code), not its key."""
        return prop.get("type") == "string" and any(f.name == "code" for f in model._meta.fields)


# --- sending one request ---------------------------------------------------------------------------


@dataclass
class Outcome:
    status: int
    verdict: str  # "accepted", "refused", "no effect" (a page that neither fails nor succeeds), "error"
    changed: list[str]
    text: str = ""
    errors: dict | None = None


def _png():
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buf, "PNG")
    buf.seek(0)
    buf.name = "photo.png"
    return buf


def _materialize(body):
    return {k: v() if callable(v) else v for k, v in body.items()}


def _page_verdict(response, changed):
    if response.status_code >= 400:
        return "refused"
    storage = getattr(response.wsgi_request, "_messages", None)
    queued = list(getattr(storage, "_queued_messages", []))
    if any(m.level >= messages.ERROR for m in queued):
        return "refused"
    for value in _context_values(response):
        if isinstance(value, BaseForm) and value.is_bound and value.errors:
            return "refused"
    if response.context and (response.context.get("errors") or response.context.get("form_error")):
        return "refused"
    if changed or any(m.level in (messages.SUCCESS, messages.INFO) for m in queued):
        return "accepted"
    return "no effect"


def _context_values(response):
    """Every value in the template contexts a page rendered."""
    contexts = response.context
    if contexts is None:
        return []
    if not isinstance(contexts, ContextList):
        contexts = [contexts]
    return [value for context in contexts for value in context.flatten().values()]


def _text(response):
    """A page's or an answer's text; nothing for downloads."""
    kind = response.get("Content-Type", "")
    if getattr(response, "streaming", False) or not ("html" in kind or "json" in kind):
        return ""
    return response.content.decode("utf-8", "replace")


class Prober:
    """Sends requests as the cast, each in a savepoint that is rolled back afterwards."""

    def __init__(self, world):
        self.world = world
        self.clients = {}
        # Log everyone in first: a login writes rows (session, audit log) that are not a probe's.
        for who, user in vars(world.cast).items():
            api = APIClient()
            api.force_authenticate(user)
            page = verified(Client(), user)  # administrators pass the second factor
            self.clients[(who, True)], self.clients[(who, False)] = api, page
        self.before = snapshot()
        self.sent = 0

    def client(self, who, api):
        return self.clients[(who, api)]

    def raw(self, who, api, method, url, body=None, multipart=False):
        """(response or the exception, tables whose rows changed); the changes are rolled back."""
        self.sent += 1
        client = self.client(who, api)
        data = _materialize(body or {})
        with transaction.atomic():
            try:
                if api and method != "get":
                    response = getattr(client, method)(url, data, format="multipart" if multipart else "json")
                else:
                    response = getattr(client, method)(url, data)
            except Exception as exc:  # a crash is reported with the probe, not raised mid-audit
                transaction.set_rollback(True)
                return exc, []
            try:
                changed = _changes(self.before, snapshot())
            except Exception:  # the request broke the transaction: something was written
                changed = ["(transaction broken)"]
            transaction.set_rollback(True)
        return response, changed

    def send(self, who, api, method, url, body=None, multipart=False):
        response, changed = self.raw(who, api, method, url, body, multipart)
        if isinstance(response, Exception):
            return Outcome(500, "error", changed, repr(response))
        if api:
            verdict = "accepted" if response.status_code < 400 else "refused"
            payload = getattr(response, "data", None)
            errors = payload.get("errors") if isinstance(payload, dict) else None
        else:
            verdict = _page_verdict(response, changed)
            errors = None
        return Outcome(response.status_code, verdict, changed, _text(response), errors)


# --- page forms ------------------------------------------------------------------------------------


class _Forms(HTMLParser):
    """The POST forms of a page: action, hx-post and fields (name, kind, values, required)."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self.form = None
        self.select = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        a = {k: v if v is not None else "" for k, v in attrs}
        if tag == "form":
            self.form = {"method": a.get("method", "get").lower(), "action": a.get("action"), "hx": a.get("hx-post")}
            self.form["fields"] = []
            self.forms.append(self.form)
        elif self.form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "reset", "image"):
                return
            self.form["fields"].append(
                {
                    "name": a["name"],
                    "kind": kind,
                    "value": a.get("value", "on" if kind == "checkbox" else ""),
                    "checked": "checked" in a,
                    "required": "required" in a,
                    "options": [],
                }
            )
        elif tag == "select" and a.get("name"):
            self.select = {"name": a["name"], "kind": "select", "value": None, "checked": False}
            self.select |= {"required": "required" in a, "multiple": "multiple" in a, "options": []}
            self.form["fields"].append(self.select)
        elif tag == "option" and self.select is not None:
            self.select["options"].append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and a.get("name"):
            self.textarea = {"name": a["name"], "kind": "textarea", "value": "", "checked": False}
            self.textarea |= {"required": "required" in a, "options": []}
            self.form["fields"].append(self.textarea)

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea["value"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


@dataclass
class PageForm:
    url: str
    who: str
    fields: list[dict]
    typed: dict = field(default_factory=dict)  # field name -> the Django form field behind it


def _filler(f, typed):
    """A valid value for an empty field the form requires."""
    django_field = typed.get(f["name"])
    if isinstance(django_field, forms.UUIDField):
        return str(uuid.uuid4())
    if f["kind"] == "number" or isinstance(django_field, forms.IntegerField):
        return "1"
    if f["kind"] == "date" or isinstance(django_field, forms.DateField):
        return timezone.localdate().isoformat()
    if f["kind"] == "datetime-local" or isinstance(django_field, forms.DateTimeField):
        return timezone.localtime(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    return "写入审计"


def form_values(form):
    """What the browser would send with the defaults, required fields filled in."""
    data = defaultdict(list)
    groups = defaultdict(list)
    for f in form.fields:
        if f["kind"] in ("checkbox", "radio"):
            groups[f["name"]].append(f)
    for name, group in groups.items():
        checked = [f["value"] for f in group if f["checked"]]
        if checked:
            data[name] = checked
        elif (group[0]["kind"] == "radio" and any(f["required"] for f in group)) or id_model(name) is not None:
            data[name] = [group[0]["value"]]
    for f in form.fields:
        name, kind = f["name"], f["kind"]
        if name == "csrfmiddlewaretoken" or kind in ("file", "checkbox", "radio"):
            continue
        if kind == "select":
            chosen = [v for v, selected in f["options"] if selected and v != ""]
            filled = [v for v, _s in f["options"] if v != ""]
            wanted = f["required"] or id_model(name) is not None or isinstance(form.typed.get(name), ModelChoiceField)
            if chosen:
                data[name] = chosen if f.get("multiple") else chosen[:1]
            elif filled and (wanted or f["options"][0][0] != ""):
                data[name] = filled[:1]
            continue
        value = (f["value"] or "").strip()
        if not value and (f["required"] or kind == "hidden" and name in form.typed):
            value = _filler(f, form.typed)
        if value or kind == "hidden":
            data[name] = [value]
    return {k: v if len(v) != 1 else v[0] for k, v in data.items()}


def _context_fields(response):
    typed = {}
    for value in _context_values(response):
        if isinstance(value, BaseForm):
            typed.update(value.fields)
    return typed


def _post_keys(callback):
    """Names a function view reads from request.POST, rendered in a form or not."""
    try:
        source = inspect.getsource(inspect.unwrap(callback))
    except (TypeError, OSError):
        return set()
    aliases = {"request.POST"} | set(re.findall(r"(\w+) = request\.POST\b", source))
    keys = set()
    for alias in aliases:
        keys |= set(re.findall(re.escape(alias) + r"""(?:\.get\(|\.getlist\(|\[)\s*["'](\w+)["']""", source))
    return keys


def discover_forms(prober, world):
    """GET every page as each insider and keep the POST forms found there, by target view."""
    query = f"?campaign={HOME_PK}&org_unit={world.tree.community_a.pk}"
    found = defaultdict(list)
    seen = set()
    for route, name, callback, kwargs in _patterns():
        if route.startswith(("api/", "admin/")) or "format" in kwargs or name in ("logout", "login"):
            continue
        view_class = getattr(callback, "view_class", None)
        if view_class is not None and not hasattr(view_class, "get"):
            continue
        # The first insider to whom the page shows a form of its own (not the logout button).
        for who in INSIDERS[:-1]:
            raw, _changed = prober.raw(who, False, "get", _url(route, HOME_PK) + query)
            if isinstance(raw, Exception) or raw.status_code != 200:
                continue
            if "html" not in raw.get("Content-Type", ""):
                break  # a download: no forms for anyone
            parser = _Forms()
            parser.feed(raw.content.decode("utf-8", "replace"))
            posts = [f for f in parser.forms if f["method"] == "post" and f["action"] != reverse("logout")]
            if not posts:
                continue
            typed = _context_fields(raw)
            for form in posts:
                for action in filter(None, (form["action"] or _url(route, HOME_PK), form["hx"])):
                    path = action.split("?")[0]
                    try:
                        view = resolve(path).view_name
                    except Resolver404:  # a form that posts elsewhere
                        continue
                    signature = (
                        view,
                        path,
                        tuple(sorted((f["name"], f["kind"] == "hidden" and f["value"]) for f in form["fields"])),
                    )
                    if signature in seen:
                        continue
                    seen.add(signature)
                    found[view].append(PageForm(path, who, form["fields"], typed))
            break
    return found


# --- the audit -------------------------------------------------------------------------------------

WHERE = ("another street", "another district")


@dataclass
class Finding:
    probe: str  # "a": the URL's object; "b": an id in the body
    route: str
    who: str
    field: str
    where: str
    status: int
    problem: str
    api: bool

    def __str__(self):
        on = f" {self.field}={self.where}" if self.field else ""
        return f"{self.route} as {self.who}{on}: {self.status} {self.problem}"


@dataclass
class Report:
    routes: list = field(default_factory=list)
    allowed: dict = field(default_factory=dict)
    insiders: dict = field(default_factory=dict)  # route -> the insider whose body was accepted
    probed_a: set = field(default_factory=set)
    probed_b: set = field(default_factory=set)
    roles_a: set = field(default_factory=set)
    roles_b: set = field(default_factory=set)
    fields_b: set = field(default_factory=set)
    probes_a: int = 0
    probes_b: int = 0
    requests: int = 0
    invalid: list = field(default_factory=list)
    weak: list = field(default_factory=list)
    reference: set = field(default_factory=set)
    unresolved: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    findings: list = field(default_factory=list)

    def summary(self):
        return (
            f"{len(self.routes)} write routes: {len(self.allowed)} allow-listed, "
            f"(a) {len(self.probed_a)} routes x {len(self.roles_a)} roles = {self.probes_a} probes, "
            f"(b) {len(self.probed_b)} routes x {len(self.roles_b)} insiders, {len(self.fields_b)} id fields, "
            f"{self.probes_b} probes; "
            f"{self.requests} requests"
        )


def _visible(model, pk, user):
    manager = model._default_manager
    if not hasattr(manager.get_queryset(), "visible_to"):
        return False
    return manager.get_queryset().visible_to(user).filter(pk=pk).exists()


def _problem(out, missing, *, marker=None, visible=False):
    """What is wrong with a probe's answer (None: nothing), given the answer to the same request
    naming nothing. An object the caller may read may answer 403 where a missing one is a 404, or
    400 when the body is what is refused: its existence is no secret to them."""
    problems = []
    if out.verdict == "error":
        problems.append(f"crashed: {out.text[:160]}")
    if out.verdict == "accepted" and missing.verdict == "accepted" and out.changed == missing.changed:
        problems.append("accepted, as is a missing id: dropped without a word")
    elif out.verdict == "accepted":
        problems.append("accepted")
    if out.changed:
        problems.append(f"wrote {', '.join(out.changed)}")
    if marker and out.status < 400 and marker in out.text:
        problems.append(f"shows “{marker}”")
    if not problems and out.status != missing.status and not (visible and out.status in (400, 403, 404)):
        problems.append(f"refused, but a missing one gets {missing.status}: tells it exists")
    return "; ".join(problems) or None


def _label(route, body):
    """The route, and the variant of its body when one field picks what the request does."""
    picks = [f"{k}={body[k]}" for k in ("name", "action") if isinstance(body.get(k), str) and body[k]]
    return f"{route.key} [{', '.join(picks)}]" if picks else route.key


class Auditor:
    """Finds an insider whose body each write route accepts, then probes (a) and (b) with it."""

    def __init__(self, world):
        self.w = world
        self.prober = Prober(world)
        raw = _schema()
        self.schema = Schema(raw)
        self.report = Report(routes=write_routes(raw))
        self.lookup = {}
        for obj in world.twins:
            self.lookup[(type(obj), obj.pk)] = obj
            if hasattr(obj, "code"):
                self.lookup[(type(obj), obj.code)] = obj

    def run(self):
        forms = discover_forms(self.prober, self.w)
        for route in self.report.routes:
            if route.key in ALLOW_LISTED:
                self.report.allowed[route.key] = ALLOW_LISTED[route.key]
            elif route.api:
                self.audit_api(route)
            else:
                self.audit_page(route, forms.get(route.name, []))
        self.report.requests = self.prober.sent
        return self.report

    # -- shared -----------------------------------------------------------------------------------

    def home_for(self, name, model, value=None):
        if value not in (None, "", []):
            value = value[0] if isinstance(value, list) else value
            key = int(value) if str(value).isdigit() else value
            if (model, key) in self.lookup:
                return self.lookup[(model, key)]
        return self.w.home_of_field.get(name) or self.w.home.get(model)

    def first_accepting(self, route, api, url, body, multipart=False, first=None, superuser=False):
        tried = []
        for who in [first, *[w for w in INSIDERS if w != first]]:
            if who is None or (who == "admin" and not superuser):
                continue
            out = self.prober.send(who, api, route.method, url, body, multipart)
            tried.append(f"{who} {out.status}")
            # A page may answer a valid body without a visible effect (a warning partial, a redirect).
            if out.verdict == "accepted" or (not api and out.verdict == "no effect" and out.status in (200, 302)):
                return who, out, tried
        return None, None, tried

    def outsiders(self, route, api, url, missing_url, body, multipart=False, model=None, pk=HOME_PK):
        self.report.probed_a.add(route.key)
        label = _label(route, body)
        for who in OUTSIDERS:
            out = self.prober.send(who, api, route.method, url, body, multipart)
            missing = (
                out if out.status == 404 else self.prober.send(who, api, route.method, missing_url, body, multipart)
            )
            visible = model is not None and _visible(model, pk, getattr(self.w.cast, who))
            self.report.probes_a += 1
            self.report.roles_a.add(who)
            if problem := _problem(out, missing, visible=visible):
                self.report.findings.append(Finding("a", label, who, "", "", out.status, problem, api))

    def ids_in_body(self, route, api, url, body, name, model, encode, first, multipart=False):
        """Probe one id field of `body`: home value accepted, then a missing id, then each twin."""
        if model in REFERENCE_MODELS:
            self.report.reference.add((route.key, name))
            return
        home = self.home_for(name, model, body.get(name))
        if home is None or home not in self.w.twins:
            self.invalid(f"{route.key} `{name}`: no home {model.__name__} with twins in the world")
            return
        body = {**body, name: encode(home)}
        who, _out, tried = self.first_accepting(route, api, url, body, multipart, first)
        if who is None:
            self.invalid(f"{route.key} `{name}`: no insider's body accepted ({', '.join(tried)})")
            return
        missing = self.prober.send(who, api, route.method, url, {**body, name: encode(None)}, multipart)
        self.report.probed_b.add(route.key)
        self.report.fields_b.add((route.key, name))
        self.report.roles_b.add(who)
        user = getattr(self.w.cast, who)
        for where, twin in zip(WHERE, self.w.twins[home], strict=True):
            if twin is None or _visible(type(twin), twin.pk, user):
                continue
            out = self.prober.send(who, api, route.method, url, {**body, name: encode(twin)}, multipart)
            self.report.probes_b += 1
            if problem := _problem(out, missing, marker=self.w.markers.get(twin)):
                self.report.findings.append(
                    Finding("b", _label(route, body), who, name, where, out.status, problem, api)
                )
            if api and not out.changed and out.status == 400 and name not in (out.errors or {}):
                self.report.notes.append(f"{route.key} as {who} {name}={where}: 400 without errors[{name!r}]")

    # -- API --------------------------------------------------------------------------------------

    def audit_api(self, route):
        own = view_model(route.callback)
        kind, props, required = self.schema.body(route.op)
        multipart = kind == "multipart"
        ids, samples = {}, {}
        for name, prop in props.items():
            resolved = self.schema.resolve(prop)
            if resolved.get("readOnly"):
                continue
            scalar = resolved.get("type")
            if scalar == "array":
                scalar = self.schema.resolve(resolved.get("items", {})).get("type")
            model = id_model(name, own) if scalar in ("integer", "string") else None
            if isinstance(model, str):
                self.unresolved(f"{route.key}: {model}")
            elif model is not None:
                ids[name] = (model, resolved)
            elif scalar == "integer" and name not in NOT_IDS:
                self.unresolved(f"{route.key}: integer field `{name}` names no model")
            elif resolved.get("format") != "binary":
                samples[name] = self.schema.sample(prop)
        hand = HAND_PAYLOADS.get(route.op["operationId"] if route.op else "")
        if hand is not None:
            variants = hand(self.w)
        else:
            missing = [n for n in required if n not in ids and n not in samples]
            if missing:
                self.report.invalid.append(f"{route.key}: the body needs a file {missing}")
                return
            home = {n: self.api_encoder(*ids[n])(self.home_for(n, ids[n][0])) for n in ids}
            base = {n: home[n] if n in ids else samples[n] for n in required}
            # The required fields alone, then every field, then each optional id on its own.
            variants = [base, {**samples, **base}, *({**base, n: home[n]} for n in ids if n not in base)]
        op_id = route.op["operationId"] if route.op else ""
        pk = URL_OBJECTS[op_id](self.w) if op_id in URL_OBJECTS else HOME_PK
        url, missing_url = _url(route.route, pk), _url(route.route, MISSING)
        insider = first = None
        tried = []
        for variant in variants:
            insider, _out, tried = self.first_accepting(route, True, url, variant, multipart, superuser=True)
            if insider is not None:
                first = variant
                self.report.insiders[route.key] = insider
                break
        if insider is None:
            self.report.invalid.append(f"{route.key}: no insider's body accepted ({', '.join(tried)})")
            return
        if route.kwargs:
            self.outsiders(route, True, url, missing_url, first, multipart, own, pk)
        for variant in variants if hand is not None else [first]:
            for name in [n for n in ids if n in variant] if hand is not None else ids:
                model, prop = ids[name]
                encode = self.api_encoder(model, prop)
                self.ids_in_body(route, True, url, variant, name, model, encode, insider, multipart)

    def invalid(self, message):
        if message not in self.report.invalid:
            self.report.invalid.append(message)

    def unresolved(self, message):
        if message not in self.report.unresolved:
            self.report.unresolved.append(message)

    def api_encoder(self, model, prop):
        many = prop.get("type") == "array"
        item = self.schema.resolve(prop.get("items", {})) if many else prop
        by_code = Schema.is_code(item, model)

        def encode(obj):
            value = (MISSING_CODE if by_code else MISSING) if obj is None else (obj.code if by_code else obj.pk)
            return [value] if many else value

        return encode

    # -- pages ------------------------------------------------------------------------------------

    def audit_page(self, route, forms):
        if PAGE_PAYLOADS.get(route.name):
            variants = [(_url(route.route, HOME_PK), body, None) for body in PAGE_PAYLOADS[route.name](self.w)]
        else:
            variants = []
            for form in forms:
                pk = resolve(form.url).kwargs.get("pk")
                if pk in (None, HOME_PK):
                    variants.append((form.url, form_values(form), form))
            variants = variants or [(_url(route.route, HOME_PK), {}, None)]
        # Keys the view reads that no rendered form sends: a hand-made request may still send them.
        rendered = {f["name"] for _u, _b, form in variants if form for f in form.fields}
        extra = _post_keys(route.callback) - rendered - set().union(*(body for _u, body, _f in variants))
        variants = [(url, body, form, self.page_ids(route, body, form, extra)) for url, body, form in variants]
        if not route.kwargs:  # nothing in the URL: only the bodies with ids are worth a request
            variants = [v for v in variants if v[3]]
        if not variants:
            return
        insider = first = None
        tried = []
        for url, body, form, _ids in variants:
            insider, out, tried = self.first_accepting(route, False, url, body, first=form.who if form else None)
            if insider is not None:
                first = (url, body)
                self.report.insiders[route.key] = insider
                if out.verdict == "no effect":
                    self.report.weak.append(f"{_label(route, body)}: the insider's body has no visible effect")
                break
        if insider is None:
            self.invalid(f"{route.key}: no insider's form accepted ({', '.join(tried)})")
            return
        if route.kwargs:
            url, body = first
            match = resolve(url)
            missing_url = reverse(match.view_name, kwargs={**match.kwargs, "pk": MISSING})
            self.outsiders(route, False, url, missing_url, body, model=PAGE_MODELS.get(route.name))
        for url, body, _form, ids in variants:
            for name, model in ids.items():
                by_code = isinstance(body.get(name), str) and body[name] and not body[name].isdigit()
                many = isinstance(body.get(name), list)

                def encode(obj, by_code=by_code, many=many):
                    if obj is None:
                        value = MISSING_CODE if by_code else str(MISSING)
                    else:
                        value = obj.code if by_code else str(obj.pk)
                    return [value] if many else value

                self.ids_in_body(route, False, url, body, name, model, encode, insider)

    def page_ids(self, route, body, form, extra):
        """{field: model} of the ids a page body carries or its view reads."""
        own = PAGE_MODELS.get(route.name)
        ids = {}
        for f in form.fields if form else []:
            name = f["name"]
            django_field = form.typed.get(name)
            if isinstance(django_field, ModelChoiceField):
                model = django_field.queryset.model
            else:
                model = id_model(name, own)
            values = [v for v, _s in f["options"]] or [f["value"]]
            if isinstance(model, str):
                self.unresolved(f"{route.key}: {model}")
            elif model is not None:
                ids[name] = model
            elif f["kind"] in ("select", "checkbox", "hidden") and name not in NOT_IDS:
                if any(values) and all(v.isdigit() for v in values if v):
                    self.unresolved(f"{route.key}: form field `{name}` names no model")
        for name in (extra | set(body)) - set(ids):
            model = id_model(name, own)
            if model is not None and not isinstance(model, str):
                ids[name] = model
        return ids


# --- the tests -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def audit(django_db_setup, django_db_blocker, tmp_path_factory):
    """Build the world once, probe every write route, roll everything back."""
    media = tmp_path_factory.mktemp("media")
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    caches = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "write-audit"}}
    with (
        django_db_blocker.unblock(),
        time_machine.travel(FROZEN_NOW, tick=True),
        override_settings(
            CELERY_TASK_ALWAYS_EAGER=True,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            MEDIA_ROOT=media,
            STORAGES=storages,
            CACHES=caches,
            # The same callers make hundreds of probes: this audit is about scope, not rates
            # (tests/campaigns/test_throttling.py holds the rates).
            REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {}},
        ),
        transaction.atomic(),
    ):
        # Hundreds of refused requests would each log a warning (and a PDF its steps).
        logging.disable(logging.WARNING)
        try:
            report = Auditor(_build_world()).run()
        finally:
            logging.disable(logging.NOTSET)
        transaction.set_rollback(True)
    print("\nwrite audit:", report.summary())
    return report


def _listing(title, rows):
    return f"{title} ({len(rows)}):\n  " + "\n  ".join(map(str, rows)) if rows else ""


def test_every_write_route_is_probed_or_allow_listed(audit):
    keys = {r.key for r in audit.routes}
    unprobed = sorted(keys - set(audit.allowed) - audit.probed_a - audit.probed_b)
    # A route whose URL names an object is probed for that object, not only for its body.
    unnamed = sorted({r.key for r in audit.routes if r.kwargs} - set(audit.allowed) - audit.probed_a)
    stale = sorted(set(ALLOW_LISTED) - keys)
    failures = [
        _listing("write routes neither probed nor allow-listed", unprobed),
        _listing("routes whose URL object was not probed", unnamed),
        _listing("allow-listed routes that no longer exist", stale),
        _listing("id fields naming no known model (add them to ID_ALIASES or NOT_IDS)", audit.unresolved),
    ]
    assert not any(failures), "\n".join(
        filter(None, [*failures, _listing("bodies that could not be made valid", audit.invalid)])
    )


def test_the_audit_probes_every_role_and_enough_routes_and_fields(audit):
    print(audit.summary())
    print(_listing("bodies that could not be made valid", audit.invalid))
    print(_listing("insiders' bodies without a visible effect", audit.weak))
    print(_listing("reference data ids, not probed", sorted(audit.reference)))
    print(_listing("id fields probed", sorted(audit.fields_b)))
    print(_listing("insiders", sorted(f"{route}: {who}" for route, who in audit.insiders.items())))
    print(_listing("refused with 400 but without the field's error", audit.notes))
    assert audit.roles_a == set(OUTSIDERS)
    # Floors a little under what the audit probes today: it cannot quietly probe nothing.
    assert len(audit.probed_a) >= 20, audit.summary()
    assert audit.probes_a >= 20 * len(OUTSIDERS), audit.summary()
    assert len(audit.probed_b) >= 24, audit.summary()
    assert len(audit.fields_b) >= 45, audit.summary()
    assert audit.probes_b >= 90, audit.summary()


def test_outsiders_cannot_write_to_objects_outside_their_scope(audit):
    leaks = [f for f in audit.findings if f.probe == "a"]
    assert leaks == [], _listing("writes to objects outside the caller's scope", leaks)


def test_out_of_scope_ids_in_api_bodies_are_refused(audit):
    leaks = [f for f in audit.findings if f.probe == "b" and f.api]
    assert leaks == [], _listing("out-of-scope ids accepted in API bodies", leaks)


def test_out_of_scope_ids_in_page_forms_are_refused(audit):
    leaks = [f for f in audit.findings if f.probe == "b" and not f.api]
    assert leaks == [], _listing("out-of-scope ids accepted in page forms", leaks)
