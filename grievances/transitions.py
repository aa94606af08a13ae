"""What each row of the transition table (workflow.py) refuses and what it does.

A guard looks at the entry and returns the Chinese reason the transition cannot run on it now, or
None; `workflow.check()` asks it after the row's statuses and kinds and before who may.
"""

from .models import ExtensionState, Grievance, Satisfaction


# --- guards: the reason the entry's state refuses the transition, or None ----------------------
def one_extension_only(g: Grievance) -> str | None:
    if g.extension_state != ExtensionState.NONE:
        return "每个问题只能申请一次延期"
    return None


def extension_awaiting_decision(g: Grievance) -> str | None:
    if g.extension_state != ExtensionState.REQUESTED:
        return "没有待审批的延期申请"
    return None


def person_not_dissatisfied(g: Grievance) -> str | None:
    # DOMAIN.md: dissatisfaction reopens the case; it is never closed over the person's answer.
    if g.satisfaction == Satisfaction.NOT_SATISFIED:
        return "群众不满意，不能销号，请重新办理"
    return None


def level_above_exists(g: Grievance) -> str | None:
    if (g.handling_unit or g.unit).parent_id is None:
        return "已是最高一级，无法继续上报"
    return None
