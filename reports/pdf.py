"""HTML → PDF with WeasyPrint, using only the vendored font (never the system's fonts)."""

from functools import lru_cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from campaigns.lib import charts

FONT_FILE = "fonts/NotoSansSC-Regular.otf"


@lru_cache(maxsize=1)
def font_url():
    """file:// URL of the vendored CJK font, found through the staticfiles finders."""
    found = finders.find(FONT_FILE)
    if not found:
        raise RuntimeError(f"vendored font {FONT_FILE} not found by the staticfiles finders")
    return Path(found).resolve().as_uri()


def chart_set(figures):
    """The SVG charts shared by the dashboard and the summary."""
    kids = figures["children"]
    return {
        "coverage": charts.hbar(
            [(c["name"], c["coverage_rate"]) for c in kids], title="各单位走访覆盖率", max_value=100, suffix="%"
        ),
        "overdue": charts.hbar([(c["name"], c["grievances_overdue"]) for c in kids], title="各单位超期问题数"),
        "funnel": charts.funnel(figures.get("funnel", [])),
        "trend": charts.weekly(figures.get("trend", [])),
        "categories": charts.hbar(
            [(c["name"], c["grievances_total"]) for c in figures.get("top_categories", [])], title="问题类别（前五）"
        ),
    }


def summary_html(figures):
    return render_to_string(
        "reports/summary_pdf.html", {"f": figures, "charts": chart_set(figures), "font_url": font_url()}
    )


def render_pdf(html):
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    # base_url only for relative links; the font is an absolute file:// URL.
    return HTML(string=html, base_url=str(Path(font_url().removeprefix("file://")).parent)).write_pdf(
        font_config=FontConfiguration()
    )
