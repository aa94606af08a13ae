"""Households, roster files and grievance categories for the visits tests."""

import io
from datetime import timedelta

from django.utils import timezone
from openpyxl import Workbook

from campaigns.models import FocusCategory
from campaigns.services import ensure_focus_categories
from visits.models import Household, HouseholdKind
from visits.roster import HEADERS
from visits.validators import id_check_digit

SURNAMES = "张王李刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "秀英", "志强", "桂兰", "晓东", "丽华", "德明", "文静", "海涛", "玉梅"]


def id_number(n, region="370303", birth="19650412"):
    """A valid 18-digit ID number (GB 11643 check digit) that differs by `n`."""
    first17 = f"{region}{birth}{n % 1000:03d}"
    return first17 + id_check_digit(first17)


def name(n):
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES)) % len(GIVEN)]


def household(grid, n=0, *, categories=(), hardship=False, with_id=True, **kw):
    ensure_focus_categories()
    h = Household(
        grid=grid,
        head_name=kw.pop("head_name", name(n)),
        id_number=id_number(n) if with_id else "",
        phone=kw.pop("phone", f"1380000{n:04d}"),
        address=kw.pop("address", f"锦绣路{n + 1}号锦绣家园{n % 5 + 1}号楼1单元{101 + n % 4}室"),
        members_count=3,
        kind=HouseholdKind.HOUSEHOLD,
        is_hardship=hardship,
        **kw,
    )
    h.save()
    if categories:
        h.categories.set(FocusCategory.objects.filter(code__in=categories))
    return h


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


def grievance_categories():
    from grievances.models import GrievanceCategory

    parent, _ = GrievanceCategory.objects.get_or_create(code="housing_env", defaults={"name": "住有宜居"})
    child, _ = GrievanceCategory.objects.get_or_create(
        code="street_lights", defaults={"name": "路灯照明", "parent": parent}
    )
    return child


def in_visiting_phase(campaign, hours_ago=2):
    return timezone.now() - timedelta(hours=hours_ago)


def team(campaign, unit, paired_unit, *members, name="挂包工作组", quota=0):
    """A work group of the campaign sent by `unit` to `paired_unit`, with its members."""
    from campaigns.models import Team, TeamMember

    t = Team.objects.create(campaign=campaign, name=name, unit=unit, paired_unit=paired_unit, quota=quota)
    for i, user in enumerate(members):
        TeamMember.objects.create(team=t, user=user, is_leader=i == 0)
    return t


OUT_OF_SCOPE = "所选对象不存在或不在您的管辖范围内"
