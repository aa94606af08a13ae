"""The vocabularies of the yearly evaluation (效果年年评). Codes are stored in the database: keep them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RaterKind(models.TextChoices):
    """Who rates whom: each kind has one kind of target."""

    RESIDENTS_RATE_TEAM = "residents_team", _("居民评团队")
    COMMUNITY_RATES_BRANCH = "community_branch", _("社区评支部")
    BRANCH_RATES_MEMBER = "branch_member", _("支部评党员")


class Scale(models.TextChoices):
    """How a question is answered. Answers are stored as numbers, the highest the best."""

    FIVE = "five", _("1–5分")
    SATISFACTION = "satisfaction", _("满意/基本满意/不满意")


# The answers a scale accepts, best last; for the satisfaction scale 3 满意, 2 基本满意, 1 不满意.
SCALE_VALUES = {Scale.FIVE: (1, 2, 3, 4, 5), Scale.SATISFACTION: (1, 2, 3)}
SATISFACTION_LABELS = {3: "满意", 2: "基本满意", 1: "不满意"}
# What each rater kind rates: the Evaluation field that names the target.
TARGET_FIELD = {
    RaterKind.RESIDENTS_RATE_TEAM: "target_team",
    RaterKind.COMMUNITY_RATES_BRANCH: "target_unit",
    RaterKind.BRANCH_RATES_MEMBER: "target_user",
}
