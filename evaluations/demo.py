"""Demo data of the yearly evaluation for `seed_demo`: the residents' questionnaire of the demo
campaign and five residents' answers about each of its teams. Made once: running it twice adds nothing."""

from campaigns.models import Team

from .choices import RaterKind, Scale
from .models import Evaluation, Question, Questionnaire

QUESTIONS = [
    ("工作组是否入户走访", Scale.FIVE),
    ("反映的问题是否得到回应", Scale.FIVE),
    ("总体评价", Scale.SATISFACTION),
]


def seed(ctx):
    q, created = Questionnaire.objects.get_or_create(
        campaign=ctx.campaign, rater_kind=RaterKind.RESIDENTS_RATE_TEAM, defaults={"title": "居民评团队"}
    )
    if created:
        Question.objects.bulk_create(
            Question(questionnaire=q, text=text, scale=scale, order=i) for i, (text, scale) in enumerate(QUESTIONS)
        )
    if Evaluation.objects.filter(questionnaire=q).exists():
        return
    questions = list(q.questions.all())
    office = ctx.users["office"]
    rows = []
    for t, team in enumerate(Team.objects.filter(campaign=ctx.campaign).select_related("unit", "paired_unit")):
        unit = team.paired_unit or team.unit
        if unit is None:
            continue
        for r in range(5):
            answers = {str(qu.pk): (5 - (t + r) % 3 if qu.scale == Scale.FIVE else 3 - (t + r) % 2) for qu in questions}
            rows.append(
                Evaluation(
                    questionnaire=q, target_team=team, unit=unit, rater_name="", answers=answers, created_by=office
                )
            )
    Evaluation.objects.bulk_create(rows)
    ctx.log.append(f"效果年年评：{len(rows)}份居民评团队测评")
