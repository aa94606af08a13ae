"""Writes of the yearly evaluation: questionnaires and the evaluations entered against them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from campaigns.access import can
from campaigns.errors import InvalidInput, NotAllowed
from campaigns.models import Membership

from .choices import SCALE_VALUES, TARGET_FIELD
from .models import Evaluation, Question, Questionnaire

if TYPE_CHECKING:
    from campaigns.models import Campaign, User

OUT_OF_SCOPE = "所选对象不存在或不在您的管辖范围内"


@transaction.atomic
def create_questionnaire(
    *, actor: User, campaign: Campaign, title: str, rater_kind: str, questions: list[dict[str, Any]]
) -> Questionnaire:
    """A questionnaire of the campaign for one kind of rater (the campaign's rule "manage")."""
    if not can(actor, "manage", campaign):
        raise NotAllowed("只有活动的管理员可以制定测评问卷")
    if not questions:
        raise InvalidInput("请至少设置一道题目", fields={"questions": ["请至少设置一道题目"]})
    if Questionnaire.objects.filter(campaign=campaign, rater_kind=rater_kind).exists():
        raise InvalidInput("该活动已有此类测评问卷", fields={"rater_kind": ["该活动已有此类测评问卷"]})
    q = Questionnaire.objects.create(campaign=campaign, title=title, rater_kind=rater_kind)
    Question.objects.bulk_create(
        Question(questionnaire=q, text=item["text"], scale=item["scale"], order=i) for i, item in enumerate(questions)
    )
    return q


def _target_unit(actor: User, questionnaire: Questionnaire, target):
    """The unit an evaluation of `target` belongs to (whose subtree sees it)."""
    field = TARGET_FIELD[questionnaire.rater_kind]
    if field == "target_team":
        if target.campaign_id != questionnaire.campaign_id:
            raise InvalidInput("该工作组不属于本次活动", fields={field: ["该工作组不属于本次活动"]})
        return target.paired_unit or target.unit
    if field == "target_unit":
        return target
    units = Evaluation.objects.units_for(actor, "record")
    m = Membership.objects.filter(user=target, unit__in=units).select_related("unit").order_by("-unit__path").first()
    return m.unit if m else None


def _clean_answers(questionnaire: Questionnaire, answers: dict) -> dict[str, int]:
    questions = {str(q.pk): q for q in questionnaire.questions.all()}
    given = {str(k): v for k, v in answers.items()}
    errors = []
    if set(given) != set(questions):
        errors.append("请回答问卷的每一道题目")
    for key, value in given.items():
        q = questions.get(key)
        if q is not None and (isinstance(value, bool) or value not in SCALE_VALUES[q.scale]):
            errors.append(f"“{q.text}”的回答不在评分范围内")
    if errors:
        raise InvalidInput(errors[0], fields={"answers": errors})
    return {k: int(v) for k, v in given.items()}


@transaction.atomic
def record_evaluation(
    *, actor: User, questionnaire: Questionnaire, target, answers: dict, rater_name: str = ""
) -> Evaluation:
    """One rater's answers about a target (rule "record" over the target's unit)."""
    field = TARGET_FIELD[questionnaire.rater_kind]
    if target is None:
        raise InvalidInput("请选择被评对象", fields={field: ["请选择被评对象"]})
    unit = _target_unit(actor, questionnaire, target)
    if unit is None or not Evaluation.objects.units_for(actor, "record").filter(pk=unit.pk).exists():
        raise InvalidInput(OUT_OF_SCOPE, fields={field: [OUT_OF_SCOPE]})
    clean = _clean_answers(questionnaire, answers)
    return Evaluation.objects.create(
        questionnaire=questionnaire,
        unit=unit,
        rater_name=rater_name,
        answers=clean,
        created_by=actor,
        **{field: target},
    )
