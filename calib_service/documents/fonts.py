"""The CJK font used in PDFs: an embedded TrueType subset when one is installed, else a standard CID font.

ReportLab embeds subsets of TrueType (``glyf``) fonts, including one face of a ``.ttc`` collection; it
cannot embed CFF-flavoured OpenType such as Noto Sans CJK (``fonts-noto-cjk``). The search order is the
Debian packages ``fonts-wqy-zenhei`` (the one CI installs), ``fonts-wqy-microhei`` and
``fonts-arphic-uming``. When none is present, the PDF falls back to the Adobe standard CID font
``STSong-Light`` (UniGB-UCS2-H): text still extracts, but the glyphs are not embedded, so the viewer
must supply a Chinese font (fine in Acrobat and most readers, not PDF/A). The choice is reported as
:attr:`PdfFont.note` and logged once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

__all__ = ["DEFAULT_FONT_CANDIDATES", "FALLBACK_CID_FONT", "PdfFont", "cjk_font", "fallback_font"]

_LOG = logging.getLogger(__name__)

# (path, face index in a .ttc, Debian package)
DEFAULT_FONT_CANDIDATES: tuple[tuple[str, int, str], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0, "fonts-wqy-zenhei"),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0, "fonts-wqy-microhei"),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0, "fonts-arphic-uming"),
)

FALLBACK_CID_FONT = "STSong-Light"


@dataclass(frozen=True)
class PdfFont:
    """A registered ReportLab font name and how it got there.

    Attributes:
        name: The ReportLab font name to use with ``setFont``.
        embedded: True when a subset of the glyphs is embedded in the PDF.
        note: One line saying which font is used and why (the ``font_note``).
    """

    name: str
    embedded: bool
    note: str


_CACHE: dict[tuple[str, ...], PdfFont] = {}


def fallback_font() -> PdfFont:
    """Register and return the standard CID font ``STSong-Light`` (no embedding).

    Returns:
        The font.
    """
    key = ("cid", FALLBACK_CID_FONT)
    if key not in _CACHE:
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID_FONT))
        _CACHE[key] = PdfFont(
            FALLBACK_CID_FONT,
            False,
            f"no embeddable CJK TrueType font found; using the standard CID font {FALLBACK_CID_FONT} "
            "(not embedded; install the Debian package fonts-wqy-zenhei to embed a font)",
        )
    return _CACHE[key]


def cjk_font(candidates: tuple[tuple[str, int, str], ...] = DEFAULT_FONT_CANDIDATES) -> PdfFont:
    """Find, register (once per process) and return the CJK font for PDFs.

    Args:
        candidates: ``(path, face index, Debian package)`` tried in order.

    Returns:
        The first installed TrueType font, else :func:`fallback_font`.
    """
    key = ("ttf", *(f"{p}#{i}" for p, i, _ in candidates))
    if key in _CACHE:
        return _CACHE[key]
    chosen: PdfFont | None = None
    for path, index, package in candidates:
        if not Path(path).is_file():
            continue
        name = f"CJK-{Path(path).stem}-{index}"
        try:
            pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
        except Exception as exc:  # a broken or CFF font file: try the next one
            _LOG.warning("cannot use CJK font %s: %s", path, exc)
            continue
        chosen = PdfFont(name, True, f"embedded subset of {path} (Debian package {package})")
        break
    if chosen is None:
        chosen = fallback_font()
    _LOG.info("PDF CJK font: %s", chosen.note)
    _CACHE[key] = chosen
    return chosen
