"""The liaison network's vocabularies (seeds/004). Codes are stored in the database: keep them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Background(models.TextChoices):
    """Where a liaison comes from: 老党员、老干部、两代表一委员、复退军人、创业致富带头人 (seeds/004)."""

    OLD_PARTY_MEMBER = "old_party_member", _("老党员")
    RETIRED_CADRE = "retired_cadre", _("退休干部")
    DEPUTY = "deputy", _("人大代表/政协委员")
    VETERAN = "veteran", _("退役军人")
    ENTREPRENEUR = "entrepreneur", _("创业致富带头人")
    OTHER = "other", _("其他")


class MeetingKind(models.TextChoices):
    """分析会: weekly in a village, fortnightly in a town (seeds/004 十个一(七))."""

    VILLAGE = "village", _("村（社区）每周分析会")
    TOWN = "town", _("乡（镇）每半月分析会")


class ReportKind(models.TextChoices):
    """The report chain: station → town centre, town → party-building office (seeds/004)."""

    STATION_MONTH = "station_month", _("联络站月报")
    STATION_HALF_MONTH = "station_half_month", _("联络站半月报")
    TOWN_MONTH = "town_month", _("乡镇月度统计表")
    TOWN_QUARTER = "town_quarter", _("乡镇季度分析报告")


class CadencePeriod(models.TextChoices):
    WEEK = "week", _("每周")
    MONTH = "month", _("每月")
    QUARTER = "quarter", _("每季度")


class CadenceTarget(models.TextChoices):
    HARDSHIP = "hardship", _("特殊困难户")
    CATEGORY = "category", _("重点类别")
    ALL = "all", _("全部农户")
