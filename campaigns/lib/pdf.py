"""HTML → PDF with WeasyPrint for every app: vendored fonts only, and no fetch outside the app.

``render_pdf(html, trace=...)`` is the one way any app turns HTML into PDF bytes; the trace (who,
which unit, when) goes into the document's metadata and onto the top of every page. Its URL fetcher serves
``data:`` URLs and files that lie inside the static folders or the media folder, and refuses
everything else (http, https, ftp, files elsewhere on disk), so text that reaches a PDF cannot
make the worker fetch an outside address.
"""

import re
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils.html import escape

from .trace import Trace

FONT_FILE = "fonts/NotoSansSC-Regular.otf"
# The faces of an official document (GB/T 9704): serif title and body, 楷体 where the standard sets it.
DOCUMENT_FONTS = {
    "serif": "fonts/NotoSerifSC-Regular.woff2",
    "serif_bold": "fonts/NotoSerifSC-Bold.woff2",
    "kai": "fonts/ARPLUKaiCN.woff2",
    "sans": FONT_FILE,
}


class RefusedFetch(ValueError):
    """A PDF asked for a resource outside the app's own static and media files."""


@lru_cache(maxsize=8)
def static_url(path):
    """file:// URL of a static file, found through the staticfiles finders."""
    found = finders.find(path)
    if not found:
        raise RuntimeError(f"static file {path} not found by the staticfiles finders")
    return Path(found).resolve().as_uri()


def font_url():
    """file:// URL of the vendored CJK sans-serif font."""
    return static_url(FONT_FILE)


def document_font_urls():
    """file:// URLs of the official document's faces, by role (serif, serif_bold, kai, sans)."""
    return {role: static_url(path) for role, path in DOCUMENT_FONTS.items()}


@lru_cache(maxsize=1)
def _allowed_roots():
    """The folders a PDF may read from: media, the static folders and every app's static/."""
    roots = [Path(settings.MEDIA_ROOT)]
    roots += [Path(p if isinstance(p, str | Path) else p[1]) for p in getattr(settings, "STATICFILES_DIRS", [])]
    if getattr(settings, "STATIC_ROOT", None):
        roots.append(Path(settings.STATIC_ROOT))
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            if getattr(storage, "location", None):
                roots.append(Path(storage.location))
    return tuple(r.resolve() for r in roots)


def _safe_fetcher():
    """A WeasyPrint fetcher for data: URLs and the app's own files only; anything else raises RefusedFetch."""
    from urllib.parse import unquote, urlsplit

    from weasyprint.urls import URLFetcher

    class AppFilesFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file://"):
                path = Path(unquote(urlsplit(url).path)).resolve()
                if any(path.is_relative_to(root) for root in _allowed_roots()):
                    return super().fetch(url, headers)
            raise RefusedFetch(f"refused to fetch {url[:200]!r} while rendering a PDF")

    return AppFilesFetcher(allowed_protocols={"file", "data"}, allow_redirects=False, timeout=5)


# The trace line is a running element placed in every page's top margin box, which no document
# template uses; its text reaches the page from the document, never through the stylesheet. It is
# set in the sans face the document already embeds, its own copy of it only if there is none.
_TRACE_STYLE = """<style>
@font-face {{ font-family: "ZF Trace"; src: url("{font}"); }}
@page {{ @top-center {{ content: element(zf-trace); vertical-align: middle; }} }}
.zf-trace {{ position: running(zf-trace); font-family: "ZF Sans", "Noto Sans SC", "ZF Trace"; font-size: 7pt; line-height: 1.2;
  color: #888; text-align: center; text-indent: 0; letter-spacing: 0; font-weight: normal; }}
</style>"""
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)
_BODY_START = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_AUTHOR = re.compile(r"<meta\s+name=[\"']?author[\"']?[^>]*>", re.IGNORECASE)


def traced_html(html: str, trace: Trace) -> str:
    """The HTML with the trace in its metadata (author, description, keywords) and as the
    first element of the body, shown at the top of every page."""
    head = (
        f'<meta name="author" content="{escape(trace.user)}">'
        f'<meta name="description" content="{escape(trace.line)}">'
        f'<meta name="keywords" content="{escape(trace.keywords)}">'
        + _TRACE_STYLE.format(font=font_url().replace('"', "%22"))
    )
    line = f'<div class="zf-trace">{escape(trace.line)}</div>'
    html = _AUTHOR.sub("", html)
    html = _HEAD_END.sub(lambda m: head + m.group(0), html, count=1) if _HEAD_END.search(html) else head + html
    if _BODY_START.search(html):
        return _BODY_START.sub(lambda m: m.group(0) + line, html, count=1)
    return html + line


def render_pdf(html: str, *, trace: Trace | None) -> bytes:
    """PDF bytes of an HTML string; the base URL only resolves relative links to the font folder.

    `trace` is required: every PDF a user receives carries one (the requesting user's, for a
    PDF a worker renders); None only for a warm-up render that nobody receives."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    if trace is not None:
        html = traced_html(html, trace)
    base = str(Path(font_url().removeprefix("file://")).parent)
    return HTML(string=html, base_url=base, url_fetcher=_safe_fetcher()).write_pdf(font_config=FontConfiguration())
