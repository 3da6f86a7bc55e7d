"""The evidence report as one self-contained HTML page with inline SVG charts (no scripts, no links)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from calib_service.documents.charts import chart_svg
from calib_service.documents.evidence_data import EvidenceReport
from calib_service.documents.evidence_view import Cell, Section, cell_text, evidence_sections, report_title

__all__ = ["render_evidence_html"]

_CSS = """
body{font-family:"Noto Sans CJK SC","WenQuanYi Zen Hei","Microsoft YaHei",sans-serif;margin:2em auto;
max-width:60em;color:#222;line-height:1.5}
h1{font-size:1.6em;border-bottom:2px solid #3b6ea5;padding-bottom:.2em}
h2{font-size:1.2em;margin-top:1.6em;color:#3b6ea5}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #bbb;padding:.2em .5em;text-align:left;vertical-align:top}
th{background:#eef2f7}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.hash{font-family:monospace;font-size:.85em;word-break:break-all}
figure{margin:.8em 0}
footer{margin-top:2em;font-size:.8em;color:#666}
""".strip()


def _cell(cell: Cell) -> str:
    text = escape(cell_text(cell))
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return f'<td class="num">{text}</td>'
    if isinstance(cell, str) and len(cell) == 64 and all(c in "0123456789abcdef" for c in cell):
        return f'<td class="hash">{text}</td>'
    return f"<td>{text}</td>"


def _section(s: Section) -> str:
    out = [f'<section id="{s.key}">', f"<h2>{escape(s.title)}</h2>"]
    out += [f"<p>{escape(line)}</p>" for line in s.lines if line]
    for chart in s.charts:
        out.append(f"<figure>{chart_svg(chart)}</figure>")
    if s.header:
        out.append("<table>")
        out.append("<thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in s.header) + "</tr></thead>")
        out.append("<tbody>")
        out += ["<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in s.rows]
        out.append("</tbody></table>")
    out.append("</section>")
    return "\n".join(out)


def render_evidence_html(report: EvidenceReport, lang: str = "zh") -> bytes:
    """The report as a self-contained HTML page (UTF-8).

    Args:
        report: The report.
        lang: ``zh`` (default) or ``en``.

    Returns:
        The HTML bytes; the same report gives the same bytes.

    Raises:
        EvidenceDataError: The report is inconsistent.
        DocumentError: Unknown language.
    """
    sections = evidence_sections(report, lang)
    title = f"{report.centre.name.get(lang)} {report_title(report, lang)}"
    html_lang = "zh-CN" if lang == "zh" else "en"
    body = "\n".join(_section(s) for s in sections)
    page = (
        "<!DOCTYPE html>\n"
        f'<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>\n{_CSS}\n</style>\n</head>\n<body>\n"
        f"<h1>{escape(title)}</h1>\n{body}\n"
        f"<footer>{escape(report.as_of.isoformat())} · calib-service</footer>\n</body>\n</html>\n"
    )
    return page.encode("utf-8")
