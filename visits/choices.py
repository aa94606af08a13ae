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
EventKind = text_choices("EventKind", __name__, read_toml(__file__, "event_kinds.toml")["kind"])
