"""The summary's HTML and charts; PDF bytes come from campaigns.lib.pdf (vendored fonts, no outside fetch).

The summary is laid out in the manner of GB/T 9704 (党政机关公文格式): A4 with the standard's
margins, a serif title and body, 黑体 first-level and 楷体 second-level headings, the 落款 (issuing
body and a Chinese date) after the body, page numbers as "— 1 —" on the outer side, and the tables
and charts as 附件 after the 落款. Narrative placeholders (【已解决】) are filled from the figures
when the PDF is made, so the text and the tables always show the same numbers.
"""

import re

from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe

from campaigns.lib import charts
from campaigns.lib.figures import NONE, chinese_date, cn_number, percent
from campaigns.lib.pdf import document_font_urls, font_url, render_pdf

from . import selectors

__all__ = ["PLACEHOLDERS", "chart_set", "fill", "font_url", "render_pdf", "summary_html"]

# Placeholder → (figure, is a rate). The office may use any of them in the narrative.
PLACEHOLDERS = {
    "农户数": ("households_homes", False),
    "已走访农户": ("households_visited", False),
    "未走访农户": ("households_unvisited", False),
    "走访覆盖率": ("coverage_rate", True),
    "重点户": ("focus_households_total", False),
    "已走访重点户": ("focus_households_visited", False),
    "重点户覆盖率": ("focus_coverage_rate", True),
    "全部走访对象": ("targets_total", False),
    "已走访对象": ("targets_visited", False),
    "走访次数": ("visits_total", False),
    "问题建议": ("grievances_total", False),
    "问题": ("problems_total", False),
    "建议": ("suggestions_total", False),
    "已解决": ("grievances_solved", False),
    "解释说明": ("problems_explained", False),
    "已答复": ("problems_answered", False),
    "办理中": ("problems_in_progress", False),
    "超期": ("grievances_overdue", False),
    "建议采纳": ("suggestions_adopted", False),
    "已回访": ("followed_up", False),
    "满意": ("satisfied", False),
    "基本满意": ("basically_satisfied", False),
    "不满意": ("not_satisfied", False),
    "重新办理": ("reopened", False),
    "解决率": ("resolution_rate", True),
    "答复率": ("answer_rate", True),
    "回应率": ("response_rate", True),
    "满意率": ("satisfaction_rate", True),
    # seeds/000's four groups of opinions (figures["opinion_groups"]).
    "生产生活困难": ("group:hardship", False),
    "诉求": ("group:demands", False),
    "对党委政府意见建议": ("group:government", False),
    "对干部作风意见": ("group:conduct", False),
}
_PLACEHOLDER = re.compile(r"【([^【】]{1,12})】")


def fill(text, figures):
    """The narrative with each known placeholder replaced by its figure (unknown ones are kept)."""

    def one(match):
        known = PLACEHOLDERS.get(match.group(1))
        if known is None:
            return match.group(0)
        key, is_rate = known
        if key == "households_unvisited":
            value = figures["households_homes"] - figures["households_visited"]
        elif key.startswith("group:"):
            groups = {g["code"]: g["grievances_total"] for g in figures.get("opinion_groups", [])}
            value = groups.get(key.removeprefix("group:"))
        else:
            value = figures.get(key)
        if is_rate:
            return percent(value)
        return NONE if value is None else str(value)

    return _PLACEHOLDER.sub(one, text or "")


def _paragraphs(text, figures):
    lines = [line.strip() for line in fill(text, figures).splitlines()]
    return mark_safe("".join(f"<p>{escape(line)}</p>" for line in lines if line))


def chart_set(figures, *, label_chars=None):
    """The SVG charts shared by the dashboard and the summary (labels cut with an ellipsis when asked)."""
    kids = figures["children"]
    return {
        "coverage": charts.hbar(
            [(c["name"], c["coverage_rate"]) for c in kids],
            title="各单位农户走访覆盖率",
            max_value=100,
            suffix="%",
            label_chars=label_chars,
        ),
        "overdue": charts.hbar(
            [(c["name"], c["grievances_overdue"]) for c in kids], title="各单位超期问题数", label_chars=label_chars
        ),
        "funnel": charts.funnel(figures.get("funnel", [])),
        "trend": charts.weekly(figures.get("trend", [])),
        "categories": charts.hbar(
            [(c["name"], c["grievances_total"]) for c in figures.get("top_categories", [])],
            title="问题类别（前五）",
            label_chars=label_chars,
        ),
    }


def case_story(entry):
    """A typical case told as the seeds tell them: the problem, how it was handled, the result and
    the resident's answer. Parts without content are left out."""
    handling = []
    if entry.handling_unit_id:
        handling.append(f"交{entry.handling_unit.name}办理")
    if entry.proposed_solution:
        handling.append(entry.proposed_solution.strip())
    answer = ""
    followup = next((fu for fu in entry.followups.all() if fu.satisfaction), None)
    if entry.satisfaction:
        answer = f"回访群众{entry.get_satisfaction_display()}"
        if followup is not None and followup.notes.strip():
            answer += f"：{followup.notes.strip()}"
    parts = [
        ("问题", entry.content.strip()),
        ("办理", "，".join(handling)),
        ("结果", entry.result.strip()),
        ("群众评价", answer),
    ]
    return {
        "heading": f"{entry.unit.name}：{entry.category.name}",
        "parts": [(label, _sentence(text)) for label, text in parts if text],
    }


def _sentence(text):
    """Text ending in a full stop, as a paragraph of an official document does."""
    return text if text[-1] in "。！？；”）" else text + "。"


def summary_html(figures, doc, cases=()):
    """The official document: numbered sections that have content, the 落款, then the 附件."""
    sections = []
    for heading, text in (
        ("基本情况", doc.basic_situation),
        ("主要做法", doc.practices),
        ("取得成效", doc.results),
    ):
        body = _paragraphs(text, figures)
        if body:
            sections.append({"heading": heading, "body": body})
    stories = [case_story(c) for c in cases]
    if stories:
        sections.append({"heading": "典型案例", "cases": stories})
    for heading, text in (("存在问题", doc.problems), ("下一步打算", doc.next_steps)):
        body = _paragraphs(text, figures)
        if body:
            sections.append({"heading": heading, "body": body})
    for i, s in enumerate(sections):
        s["number"] = cn_number(i + 1)
    attachments = ["各单位走访和问题办理情况统计表"]
    if figures.get("categories"):
        attachments.append("问题类别统计表")
    attachments.append("走访和问题办理情况图表")
    return render_to_string(
        "reports/summary_pdf.html",
        {
            "f": figures,
            "doc": doc,
            "sections": sections,
            "signed_on": chinese_date(doc.signed_on),
            "attachments": attachments,
            "columns": selectors.UNIT_COLUMNS,
            "charts": chart_set(figures, label_chars=9),
            "fonts": document_font_urls(),
        },
    )
