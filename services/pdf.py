"""PDF documents with xhtml2pdf: Cyrillic and Kazakh letters through an embedded DejaVu font,
no files read outside the fonts' folder and nothing fetched from the network, one document
rendered at a time (xhtml2pdf is not thread-safe)."""
from __future__ import annotations

import io
import threading
from pathlib import Path

from markupsafe import Markup
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_lock = threading.Lock()


class PdfError(RuntimeError):
    """xhtml2pdf could not lay out the document."""


def font_face_css() -> Markup:
    """The @font-face rules every PDF template includes (regular and bold)."""
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    return Markup(f"@font-face {{ font-family: DejaVu; src: url('{regular}'); }}\n"
                  f"@font-face {{ font-family: DejaVu; font-weight: bold; src: url('{bold}'); }}\n")


def render(html: str) -> bytes:
    """The PDF of an HTML document (built from a template including font_face_css())."""
    policy = ResourceAccessPolicy(allow_remote=False, base_dir=FONT_DIR, extra_roots=(FONT_DIR,))
    out = io.BytesIO()
    with _lock:
        result = pisa.CreatePDF(html, dest=out, encoding="utf-8", resource_policy=policy)
    if result.err:
        raise PdfError(f"xhtml2pdf reported {result.err} error(s)")
    return out.getvalue()
