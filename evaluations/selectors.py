"""Reads of the yearly evaluation: results per target."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from .choices import SCALE_VALUES, TARGET_FIELD
from .models import Evaluation

if TYPE_CHECKING:
    from campaigns.models import User

    from .models import Questionnaire


def results(user: User, questionnaire: Questionnaire) -> list[dict[str, Any]]:
    """Per target the user sees: the response count, the score (0–100, every answer's share of its
    scale's best) and, per question, the mean answer. Best score first."""
    field = TARGET_FIELD[questionnaire.rater_kind]
    questions = list(questionnaire.questions.all())
    rows = (
        Evaluation.objects.visible_to(user)
        .filter(questionnaire=questionnaire)
        .select_related(field)
        .order_by(f"{field}_id", "id")
    )
    by_target: dict[int, dict[str, Any]] = {}
    sums: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for e in rows:
        target = getattr(e, field)
        row = by_target.setdefault(target.pk, {"target_id": target.pk, "target_name": str(target), "responses": 0})
        row["responses"] += 1
        for key, value in e.answers.items():
            sums[target.pk][key].append(value)
    out = []
    for pk, row in by_target.items():
        shares, per_question = [], []
        for q in questions:
            values = sums[pk].get(str(q.pk), [])
            top, low = max(SCALE_VALUES[q.scale]), min(SCALE_VALUES[q.scale])
            shares += [(v - low) / (top - low) for v in values]
            mean = round(sum(values) / len(values), 2) if values else None
            per_question.append({"question": q.pk, "text": q.text, "mean": mean})
        row["score"] = round(sum(shares) / len(shares) * 100, 1) if shares else 0.0
        row["questions"] = per_question
        out.append(row)
    return sorted(out, key=lambda r: (-r["score"], r["target_name"]))
