"""The foundation's vocabularies: org levels, roles, campaign phases, visit modes, deadline
rows, calendar sources.

Each is declared here once; models, forms, serializers, exports and reports take their codes and
labels from these classes instead of repeating them. Codes are stored in the database: keep them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """The kinds of unit. A territorial tree has 3 to 5 levels, kinds strictly descending from
    parent to child (区 > 街镇 > 居民区 > 网格/块区 > 楼组, seeds/003; a town alone: 镇 > 村 > 村民小组);
    what each level is called is the installation's, per branch (`LevelName`)."""

    DISTRICT = "district", _("区/县")
    STREET = "street", _("街道/镇")
    COMMUNITY = "community", _("社区/村")
    GRID = "grid", _("网格")
    BLOCK = "block", _("楼组")
    DEPARTMENT = "department", _("区直部门")


#: The territorial kinds from the top down: a child's kind comes after its parent's.
TERRITORY_ORDER = (Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID, Level.BLOCK)
#: The kinds households are registered to: the lowest level of a branch, a grid or a 楼组 below it.
HOUSEHOLD_LEVELS = (Level.GRID, Level.BLOCK)
MAX_TERRITORY_LEVELS = 5


class Designation(models.TextChoices):
    """What a person is for a community/village beyond their role (seed 002: who a 约谈 names)."""

    LIAISON_CADRE = "liaison_cadre", _("包村居干部")
    COMMITTEE = "committee", _("“两委”成员")


class Role(models.TextChoices):
    CADRE = "cadre", _("走访干部")
    OFFICE = "office", _("办公室工作人员")
    HANDLER = "handler", _("责任单位工作人员")
    LEADER = "leader", _("领导")
    INSPECTOR = "inspector", _("督导")
    # The three administrators (三员分立, GB/T 22239-2019 level 3), each unable to do the
    # others' work: configuration; accounts, roles and policies; the audit trail. Their
    # memberships give no sight of households or cases, except the system administrator's.
    ADMIN = "admin", _("系统管理员")
    SECURITY = "security", _("安全管理员")
    AUDITOR = "auditor", _("审计管理员")


#: Roles that carry duties over the system, not over the people and cases of a unit: their
#: memberships never widen what a user sees of households, ledgers or reports.
DUTY_ROLES = frozenset({Role.SECURITY, Role.AUDITOR})
#: The administrator roles; only the installation's superuser appoints them.
ADMIN_ROLES = frozenset({Role.ADMIN, Role.SECURITY, Role.AUDITOR})


class Phase(models.TextChoices):
    """The five phases of a campaign, in order (seeds/002 三、时间安排)."""

    ORGANISE = "organise", _("组织部署")
    VISITING = "visiting", _("集中走访")
    RECTIFICATION = "rectification", _("集中整改")
    LOOKBACK = "lookback", _("整改回头看")
    SUMMARY = "summary", _("总结评估")


class VisitMode(models.TextChoices):
    IN_PERSON = "in_person", _("入户面谈")
    PHONE = "phone", _("电话")
    WECHAT = "wechat", _("微信")
    SMS = "sms", _("短信")


class TierCode(models.TextChoices):
    """The rows of a campaign's deadline table (`DeadlineTier.code`): the plan deadline and the
    four tiers of problem.

    The labels name the tier only. The number of working days is the campaign's own (an admin
    edits it), so whatever shows the days reads them from `Campaign.tier_days()`.
    """

    ON_SPOT = "on_spot", _("即知即办")
    PLAN = "plan", _("提出解决方案")
    GENERAL = "general", _("一般问题")
    MAJOR = "major", _("较大问题")
    CRITICAL = "critical", _("重大问题")


class CalendarSource(models.TextChoices):
    OFFICIAL = "official", _("官方安排")
    ADMIN = "admin", _("管理员维护")
