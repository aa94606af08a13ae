"""The foundation's vocabularies: org levels, roles, campaign phases, visit modes, deadline
rows, calendar sources.

Each is declared here once; models, forms, serializers, exports and reports take their codes and
labels from these classes instead of repeating them. Codes are stored in the database: keep them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    DISTRICT = "district", _("区/县")
    STREET = "street", _("街道/镇")
    COMMUNITY = "community", _("社区/村")
    GRID = "grid", _("网格/楼组")
    DEPARTMENT = "department", _("区直部门")


class Role(models.TextChoices):
    CADRE = "cadre", _("走访干部")
    OFFICE = "office", _("办公室工作人员")
    HANDLER = "handler", _("责任单位工作人员")
    LEADER = "leader", _("领导")
    INSPECTOR = "inspector", _("督导")
    ADMIN = "admin", _("管理员")


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
