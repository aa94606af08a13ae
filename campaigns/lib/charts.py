"""Server-rendered SVG charts (vector in the browser and in the PDF; no JavaScript library).

Each function returns safe SVG markup; every label is escaped.
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .figures import percent

FONT = 'font-family="&quot;ZF Sans&quot;, &quot;Noto Sans CJK SC&quot;, sans-serif"'
COLORS = ["#1f6feb", "#2da44e", "#bf8700", "#cf222e", "#8250df", "#0a7ea4"]
NO_DATA = '<text x="10" y="25" fill="#888">无数据</text>'


def svg(width: int, height: float, body: str, title: str, *, fluid: bool = False) -> SafeString:
    """The <svg> element around `body`. A fluid chart fills its box's width (a phone page) and keeps
    its proportions; otherwise it has a fixed size (the PDF, the dashboard's chart boxes)."""
    size = 'width="100%"' if fluid else f'width="{width}" height="{height}"'
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" {size} '
        f'role="img" aria-label="{escape(title)}" {FONT} font-size="12">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def hbar(
    items,
    *,
    title: str,
    max_value: float | None = None,
    suffix: str = "",
    width: int = 560,
    label_width: int = 150,
    label_chars: int | None = None,
    colors: tuple[str, str] = (COLORS[0], COLORS[2]),
    track: str | None = None,
    fluid: bool = False,
) -> SafeString:
    """Horizontal bars: items = [(label, value or None)], or [(label, value, minor value)] for a
    thin second bar under each (the focus households' coverage under all households'). None is
    drawn as 「无数据」; `track` shades the whole span behind each bar."""
    paired = any(len(item) > 2 for item in items)
    row = 30 if paired else 24
    height = max(row * len(items) + 10, 40)
    top = max_value or max([item[1] for item in items if item[1] is not None] + [1])
    span = width - label_width - 70
    parts = []
    for i, (label, value, *minor) in enumerate(items):
        y = 5 + i * row
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end">{escape(_fit(label, label_chars))}</text>'
        )
        if value is None:
            parts.append(f'<text x="{label_width + 4}" y="{y + 15}" fill="#888">无数据</text>')
            continue
        if track:
            parts.append(f'<rect x="{label_width}" y="{y + 3}" width="{span}" height="16" fill="{track}" rx="2"/>')
        w = max(1.0, span * value / top) if value else 0
        parts.append(f'<rect x="{label_width}" y="{y + 3}" width="{w:.1f}" height="16" fill="{colors[0]}" rx="2"/>')
        if minor and minor[0]:
            m = max(1.0, span * minor[0] / top)
            parts.append(f'<rect x="{label_width}" y="{y + 20}" width="{m:.1f}" height="5" fill="{colors[1]}"/>')
        shown = percent(value) if suffix == "%" else f"{value:g}{suffix}"
        parts.append(f'<text x="{label_width + w + 4:.1f}" y="{y + 15}">{shown}</text>')
    if not items:
        parts.append(NO_DATA)
    return svg(width, height, "".join(parts), title, fluid=fluid)


def _fit(label: str, chars: int | None) -> str:
    """At most `chars` characters, the last one an ellipsis when the label is cut."""
    if chars is None or len(label) <= chars:
        return label
    return label[: chars - 1] + "…"


def funnel(stages, *, title: str = "台账办理漏斗", width: int = 560) -> SafeString:
    """Centred bars narrowing from registered to closed."""
    row = 30
    height = row * len(stages) + 10
    top = max([s["count"] for s in stages] + [1])
    mid = width / 2 + 60
    span = width - 200
    parts = []
    for i, s in enumerate(stages):
        y = 5 + i * row
        w = max(2.0, span * s["count"] / top)
        parts.append(f'<text x="8" y="{y + 18}">{escape(s["label"])}</text>')
        parts.append(
            f'<rect x="{mid - w / 2:.1f}" y="{y + 2}" width="{w:.1f}" height="22" fill="{COLORS[i % len(COLORS)]}" rx="2"/>'
        )
        parts.append(f'<text x="{mid:.1f}" y="{y + 18}" text-anchor="middle" fill="#fff">{s["count"]}</text>')
    return svg(width, height, "".join(parts), title)


def weekly(trend, *, title: str = "每周走访与问题趋势", width: int = 560, height: int = 200) -> SafeString:
    """Paired columns per week: visits (left axis scale) and entries registered (own scale)."""
    if not trend:
        return svg(width, 40, NO_DATA, title)
    left, bottom, chart_h = 30, height - 30, height - 50
    n = len(trend)
    slot = (width - left - 10) / n
    top_v = max([t["visits"] for t in trend] + [1])
    top_g = max([t["grievances"] for t in trend] + [1])
    parts = [f'<line x1="{left}" y1="{bottom}" x2="{width - 5}" y2="{bottom}" stroke="#999"/>']
    bar = max(2.0, min(18.0, slot / 2 - 3))
    for i, t in enumerate(trend):
        x = left + i * slot + slot / 2
        hv = chart_h * t["visits"] / top_v
        hg = chart_h * t["grievances"] / top_g
        parts.append(
            f'<rect x="{x - bar - 1:.1f}" y="{bottom - hv:.1f}" width="{bar:.1f}" height="{hv:.1f}" fill="{COLORS[0]}"/>'
        )
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{bottom - hg:.1f}" width="{bar:.1f}" height="{hg:.1f}" fill="{COLORS[2]}"/>'
        )
        if n <= 16 or i % max(1, n // 8) == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{bottom + 14}" text-anchor="middle" font-size="10">{escape(t["week"][5:])}</text>'
            )
    parts.append(
        f'<rect x="{left}" y="4" width="10" height="10" fill="{COLORS[0]}"/><text x="{left + 14}" y="13">走访次数</text>'
    )
    parts.append(
        f'<rect x="{left + 90}" y="4" width="10" height="10" fill="{COLORS[2]}"/><text x="{left + 104}" y="13">问题登记</text>'
    )
    return svg(width, height, "".join(parts), title)
