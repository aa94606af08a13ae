"""The ledger's vocabularies: kinds, sources, tiers and statuses of an entry, and the groups of
statuses every query, page, report and sweep agrees on.

Codes are stored in the database and sent by API clients: keep them. Each group of statuses is
declared here once, with a matching method on `GrievanceQuerySet` (`Grievance.objects.running()`).
Groups are tuples, not sets: migrations serialise index conditions built from them, which needs a
stable order.

Two words that are easy to mix up:
- running: the entry is in work and its clock runs (registered, reviewed, assigned, planned);
- open: not final, so it may still move (running, and also answered entries awaiting look-back).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigns.choices import TierCode


class Kind(models.TextChoices):
    PROBLEM = "problem", _("问题")
    SUGGESTION = "suggestion", _("建议")


class Source(models.TextChoices):
    VISIT = "visit", _("入户走访")
    SUGGESTION_BOX = "suggestion_box", _("意见箱")
    HOTLINE = "hotline", _("热线电话")
    LETTER = "letter", _("来信来访")
    PLATFORM_12345 = "12345", _("12345平台")
    EVENT_REPORT = "event_report", _("十必报")


class Tier(models.TextChoices):
    """The tier of a problem: which row of its campaign's deadline table applies (the campaign's
    TierCode without the plan row). Labels carry no day count: `Campaign.tier_label()` adds the
    campaign's own."""

    ON_SPOT = TierCode.ON_SPOT.value, TierCode.ON_SPOT.label
    GENERAL = TierCode.GENERAL.value, TierCode.GENERAL.label
    MAJOR = TierCode.MAJOR.value, TierCode.MAJOR.label
    CRITICAL = TierCode.CRITICAL.value, TierCode.CRITICAL.label


class Status(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    REVIEWED = "reviewed", _("已审核")
    MERGED = "merged", _("已合并")
    ASSIGNED = "assigned", _("已交办")
    PLANNED = "planned", _("已制定方案")
    RESOLVED = "resolved", _("已办结")
    EXPLAINED = "explained", _("已解释说明")
    FOLLOWED_UP = "followed_up", _("已回访")
    CLOSED = "closed", _("已销号")
    ADOPTED = "adopted", _("建议已采纳")
    NOT_ADOPTED = "not_adopted", _("建议未采纳")
    WITHDRAWN = "withdrawn", _("已撤回")


# In work: nothing answered yet, the resolution clock runs (`running()`).
RUNNING_STATUSES = (Status.REGISTERED, Status.REVIEWED, Status.ASSIGNED, Status.PLANNED)
# The plan clock runs until a plan is submitted or the entry is answered another way (`awaiting_plan()`).
AWAITING_PLAN_STATUSES = (Status.REGISTERED, Status.REVIEWED, Status.ASSIGNED)
# A result or an explanation has been given: counts for the response rate (`answered()`).
ANSWERED_STATUSES = (
    Status.RESOLVED,
    Status.EXPLAINED,
    Status.FOLLOWED_UP,
    Status.CLOSED,
    Status.ADOPTED,
    Status.NOT_ADOPTED,
)
# A problem with a result: resolved, then followed up and closed (`solved()`). An explained entry
# that was later followed up or closed is told apart by its history, see reports.selectors.
SOLVED_STATUSES = (Status.RESOLVED, Status.FOLLOWED_UP, Status.CLOSED)
# A suggestion decided either way (`decided()`).
DECIDED_STATUSES = (Status.ADOPTED, Status.NOT_ADOPTED)
# Nothing is owed to the person any more; everything else is open (`open()`).
FINAL_STATUSES = (Status.CLOSED, Status.MERGED, Status.WITHDRAWN, Status.ADOPTED, Status.NOT_ADOPTED)
# Not counted in the figures: merged into another entry (which counts) or withdrawn (`collected()`).
UNCOLLECTED_STATUSES = (Status.MERGED, Status.WITHDRAWN)
# The kinds answered against a deadline. A suggestion is decided, not answered against one: it is
# never overdue (`selectors.overdue_problems`), reminded of or supervised (the deadline sweep).
DEADLINE_KINDS = (Kind.PROBLEM,)


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    NOT_SATISFIED = "not_satisfied", _("不满意")


class ExtensionState(models.TextChoices):
    NONE = "none", _("未申请")
    REQUESTED = "requested", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


class PauseState(models.TextChoices):
    """The clock pause (中止) of an entry: asked for by the handling unit, approved by the office."""

    NONE = "none", _("未中止")
    REQUESTED = "requested", _("中止待审批")
    ACTIVE = "active", _("中止计时中")
