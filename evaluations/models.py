"""Questionnaires of a campaign, and the evaluations raters fill in about a team, a unit or a member."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from campaigns.access import Rule, ScopedQuerySet, scope
from campaigns.choices import Role
from campaigns.models import Campaign, OrgUnit, Team

from .choices import RaterKind, Scale

# Who enters evaluations over a subtree: the office (活动办) collects the forms, admins correct them.
RECORDERS = (Role.OFFICE, Role.ADMIN)


class QuestionnaireQuerySet(ScopedQuerySet):
    rules = {
        # Write a questionnaire and its questions: the campaign's admins.
        "manage": Rule((Role.ADMIN,), "campaign__territory", label="制定测评问卷"),
    }

    def visible_to(self, user):
        return self.filter(campaign__in=Campaign.objects.visible_to(user))


class Questionnaire(models.Model):
    """The questions one kind of rater answers in a campaign's yearly evaluation."""

    campaign = models.ForeignKey(Campaign, verbose_name="活动", on_delete=models.CASCADE, related_name="questionnaires")
    title = models.CharField("问卷名称", max_length=100)
    rater_kind = models.CharField("测评方式", max_length=30, choices=RaterKind.choices)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = QuestionnaireQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "测评问卷"
        ordering = ["campaign_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "rater_kind"], name="questionnaire_one_per_rater_kind")
        ]

    def __str__(self):
        return self.title


class Question(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, verbose_name="问卷", on_delete=models.CASCADE, related_name="questions"
    )
    text = models.CharField("题目", max_length=200)
    scale = models.CharField("评分方式", max_length=20, choices=Scale.choices, default=Scale.FIVE)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "测评题目"
        ordering = ["questionnaire_id", "order", "id"]

    def __str__(self):
        return self.text


class EvaluationQuerySet(ScopedQuerySet):
    rules = {
        # Enter (or correct) one rater's answers about a target of the subtree.
        "record": Rule(RECORDERS, "unit", label="录入测评"),
    }

    def visible_to(self, user):
        """Evaluations about targets in the user's subtree."""
        s = scope(user)
        if s.is_superuser:
            return self
        if not s.is_authenticated:
            return self.none()
        return self.filter(s.subtree_q("unit"))


class Evaluation(models.Model):
    """One rater's answers about one target: a team, a unit (party branch) or a member."""

    questionnaire = models.ForeignKey(
        Questionnaire, verbose_name="问卷", on_delete=models.PROTECT, related_name="evaluations"
    )
    target_team = models.ForeignKey(
        Team, verbose_name="被评工作组", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_unit = models.ForeignKey(
        OrgUnit, verbose_name="被评支部/单位", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="被评党员",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # The unit the target belongs to: who sees and enters the evaluation (its subtree).
    unit = models.ForeignKey(OrgUnit, verbose_name="所属单位", on_delete=models.PROTECT, related_name="evaluations")
    rater_name = models.CharField("测评人", max_length=50, blank=True)
    # {question id (text): answer (number on the question's scale)}
    answers = models.JSONField("回答", default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "测评结果"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(target_team__isnull=False, target_unit__isnull=True, target_user__isnull=True)
                    | Q(target_team__isnull=True, target_unit__isnull=False, target_user__isnull=True)
                    | Q(target_team__isnull=True, target_unit__isnull=True, target_user__isnull=False)
                ),
                name="evaluation_one_target",
            )
        ]

    def __str__(self):
        return f"{self.questionnaire} · {self.target}"

    @property
    def target(self):
        return self.target_team or self.target_unit or self.target_user
