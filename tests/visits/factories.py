"""Factories of the visits app: households, assignments and visits, made through `visits.services`
and `visits.assignment` as the office and the cadres make them; and roster files to import."""

import io
import uuid
from datetime import date, timedelta

import factory
from django.utils import timezone
from openpyxl import Workbook

from campaigns.access import can
from campaigns.models import FocusCategory
from campaigns.services import ensure_focus_categories
from tests.factories import admin_actor
from visits import assignment, services
from visits.models import Assignment, AssignmentKind, Household, HouseholdKind, Visit
from visits.roster import HEADERS
from visits.validators import id_check_digit

ROADS = ["锦绣路", "人民路", "长安街", "建设路", "解放路", "文化路", "青年路", "和平路"]
ESTATES = ["锦绣家园", "幸福小区", "阳光花园", "和谐家园", "春晖苑", "翠湖新村"]

OUT_OF_SCOPE = "所选对象不存在或不在您的管辖范围内"


def id_number(n, region="370303", birth="19650412"):
    """A valid 18-digit ID number (GB 11643 check digit) that differs by `n` (n < 1000)."""
    first17 = f"{region}{birth}{n % 1000:03d}"
    return first17 + id_check_digit(first17)


def _sequence_id_number(n):
    # Another county's code than id_number()'s, so a household the factory numbers never holds an
    # ID number a test writes into a roster or a form; the birth date moves every 1,000 people.
    birth = date(1950, 1, 1) + timedelta(days=n // 1000)
    return id_number(n, region="370302", birth=f"{birth:%Y%m%d}")


def _address(n):
    return f"{ROADS[n % len(ROADS)]}{n + 1}号{ESTATES[n % len(ESTATES)]}{n % 5 + 1}号楼{n % 3 + 1}单元{101 + n % 4}室"


class HouseholdFactory(factory.django.DjangoModelFactory):
    """A household registered to `grid` by an administrator through `save_household()`.

    `categories` takes focus categories or their codes ("hardship", "petitioner", …).
    """

    class Meta:
        model = Household

    grid = None
    head_name = factory.Faker("name", locale="zh_CN")
    id_number = factory.Sequence(_sequence_id_number)
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    address = factory.Sequence(_address)
    members_count = 3
    kind = HouseholdKind.HOUSEHOLD
    is_hardship = False

    @classmethod
    def _create(cls, model_class, *, grid, categories=(), actor=None, **fields):
        if categories:
            codes = [c for c in categories if isinstance(c, str)]
            if codes:
                ensure_focus_categories()
            chosen = [c for c in categories if not isinstance(c, str)]
            fields["categories"] = chosen + list(FocusCategory.objects.filter(code__in=codes))
        return services.save_household(actor=actor or admin_actor(), grid=grid, **fields)


class AssignmentFactory(factory.django.DjangoModelFactory):
    """`visitor` is given `household` to visit in `campaign`, by an administrator through
    `visits.assignment.assign()` (the visitor rule applies: a field role over it or a team)."""

    class Meta:
        model = Assignment

    kind = AssignmentKind.GRID

    @classmethod
    def _create(cls, model_class, *, campaign, household, visitor, kind, team=None, actor=None):
        made = assignment.assign(
            actor=actor or admin_actor(),
            campaign=campaign,
            households=[household],
            visitor=visitor,
            kind=kind,
            team=team,
        )
        return next(a for a in made if a.kind == kind)


class VisitFactory(factory.django.DjangoModelFactory):
    """A visit logged by `visitor` through `record_visit()`, two hours ago by default.

    A cadre logs visits only at households given to them: a visitor who may not yet visit the
    household is assigned it first (AssignmentFactory), as the office would before sending them.
    """

    class Meta:
        model = Visit

    client_id = factory.LazyFunction(uuid.uuid4)
    visited_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=2))
    duration_minutes = 40
    notes = "入户了解家庭近况，一切正常。"  # a visit carries content (Campaign.visit_content)

    @classmethod
    def _create(cls, model_class, *, campaign, household, visitor, **fields):
        if not can(visitor, "visit", household):
            AssignmentFactory(campaign=campaign, household=household, visitor=visitor)
        visit, _created = services.record_visit(actor=visitor, household=household, campaign=campaign, **fields)
        return visit


def roster_xlsx(rows, headers=HEADERS):
    """An .xlsx roster as Excel would write it; cells are written as given (str, int, float, '=formula')."""
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        if row is None:
            ws.append([])  # an empty row in the middle
            continue
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    buf.name = "花名册.xlsx"
    buf.seek(0)
    return buf


def lookback_visit_row(campaign, household, visitor, **fields):
    """A look-back visit (回头看走访) written as the row, for a campaign still in its visiting phase.

    `record_visit()` marks a visit as a look-back one only on a day of the campaign's look-back
    phase, which for such a campaign lies ahead: no visit logged today can be one. The figures
    tests need one beside the ordinary visits to show that it is left out of the coverage.
    """
    fields.setdefault("visited_at", timezone.now() - timedelta(hours=2))
    fields.setdefault("duration_minutes", 40)
    return Visit.objects.create(campaign=campaign, household=household, visitor=visitor, is_followup=True, **fields)
