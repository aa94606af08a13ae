"""The vocabularies of households and visits. Codes are stored in the database: keep them.

The statuses of roster import jobs are those every import job shares: `campaigns.lib.imports.ImportStatus`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigns.datafiles import read_toml, text_choices


class HouseholdKind(models.TextChoices):
    HOUSEHOLD = "household", _("家庭")
    ENTERPRISE = "enterprise", _("企业")
    SCHOOL = "school", _("学校")
    SHOP = "shop", _("商铺")
    OTHER = "other", _("其他")


class AssignmentKind(models.TextChoices):
    DEPARTMENT = "department", _("挂包部门")
    STREET_GROUP = "street_group", _("街道工作组")
    PARTY_LEADER = "party_leader", _("党组织书记户户到")
    COMMITTEE = "committee", _("两委委员/社工")
    GRID = "grid", _("网格员兜底")


# 十必报 (seeds/004): the ten events a liaison must always report, listed in data/event_kinds.toml.
_EVENT_ROWS = read_toml(__file__, "event_kinds.toml")["kind"]
EventKind = text_choices("EventKind", __name__, _EVENT_ROWS)
# The events that concern an area (环境不洁无序, 人员流动, 不稳定因素, 新的违章建筑): reported for a unit,
# with or without a household.
AREA_EVENT_KINDS = tuple(row["code"] for row in _EVENT_ROWS if row.get("area"))


class RevealReason(models.TextChoices):
    """Why someone opens a household's whole ID number and phone (recorded in the audit trail)."""

    RETURN_VISIT = "return_visit", _("回访")
    VERIFY_IDENTITY = "verify_identity", _("核实身份")
    HANDLING = "handling", _("办理需要")
    OTHER = "other", _("其他")


class SupporterKind(models.TextChoices):
    """Who holds a 帮扶千千结 pairing with a household."""

    BRANCH = "branch", _("党支部")
    ENTERPRISE = "enterprise", _("企业")
    CADRE = "cadre", _("干部")


class SupportKind(models.TextChoices):
    """What one act of support was."""

    VISIT = "visit", _("走访")
    FUNDS = "funds", _("资金")
    GOODS = "goods", _("物资")
    EMPLOYMENT = "employment", _("就业")
    SCHOOLING = "schooling", _("助学")
