"""One shift's handover pages as a document: the rows (:func:`rows`), Markdown, HTML and PDF.

The same content everywhere: each page with its author, sign-off, addressee,
receipt, review and escalation; its items by group with state, deadline, last
update, the instruction, who acknowledged it and when, whether the matter is
still open, notes; remarks and passings.  Phones are masked unless the caller
says otherwise.  The PDF uses reportlab's built-in CID font ``STSong-Light``:
no font file is needed for Chinese.
"""

from __future__ import annotations

import html as htmlmod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from csdesk.clock import fmt
from csdesk.domain.phones import mask
from csdesk.i18n import _
from csdesk.services.handover import Item, Page


@dataclass(frozen=True)
class Doc:
    title: str
    pages: tuple[Page, ...]
    full_phones: bool = False


def title(day, shift_name: str) -> str:
    return _("Handover notebook · {day} {shift}").format(day=day.isoformat(), shift=shift_name)


def headers() -> tuple[str, ...]:
    return (_("#"), _("Matter"), _("Customer"), _("What"), _("State"), _("Deadline"), _("Last update"),
            _("Instruction"), _("Acknowledged"), _("Now"))


def page_facts(page: Page) -> list[tuple[str, str]]:
    """The page's header lines as (label, value)."""
    facts = [
        (_("Written by"), f"{page.author_staff_no} {page.author_name}"),
        (_("Shift"), f"{page.shift_date.isoformat()} {page.shift_name} {fmt(page.start_at, '%H:%M')}–"
                     f"{fmt(page.end_at, '%H:%M')}"),
        (_("Signed off"), fmt(page.submitted_at, "%Y-%m-%d %H:%M") or _("not yet")),
        (_("Handed to"), f"{page.to_shift_name} {fmt(page.to_start_at, '%m-%d %H:%M')}".strip()),
        (_("Handover received"), (f"{fmt(page.acknowledged_at, '%m-%d %H:%M')} {page.acknowledged_by}" if page.received
                         else _("{n} of {total} items not acknowledged").format(n=page.unacknowledged,
                                                                               total=len(page.items)))),
    ]
    if page.escalated_at:
        facts.append((_("Escalated"), fmt(page.escalated_at, "%m-%d %H:%M")))
    facts.append((_("Reviewed"), f"{fmt(page.reviewed_at, '%m-%d %H:%M')} {page.reviewed_by}" if page.reviewed_at
                  else _("not yet")))
    if page.notes:
        facts.append((_("Notes"), page.notes))
    return facts


PDF_CELL_CHARS = 160  # a longer text would make a row taller than a page (reportlab cannot split a row)


def _fit_cells(cells: list[tuple[str, ...]]) -> tuple[list[tuple[str, ...]], list[tuple[str, str, str]]]:
    """The PDF's rows with long texts cut to their start, and those texts whole, to follow the table."""
    heads = headers()
    shown, in_full = [], []
    for row in cells:
        out = []
        for header, cell in zip(heads, row, strict=True):
            if len(cell) > PDF_CELL_CHARS:
                out.append(cell[:PDF_CELL_CHARS - 20] + "… " + _("(in full below the table)"))
                in_full.append((row[0], header, cell))
            else:
                out.append(cell)
        shown.append(tuple(out))
    return shown, in_full


def item_cells(n: int, item: Item, full_phones: bool = False) -> tuple[str, ...]:
    """One item as the document's cells (plain text)."""
    matter = item.kind_label + (f" {item.ref_number}" if item.ref_number else "")
    if item.do_first:
        matter = "★ " + matter
    phone = item.phone if (full_phones or item.free) else mask(item.phone)
    customer = " ".join(x for x in (item.customer_name, phone, item.unit_key) if x)
    ack = f"{fmt(item.acknowledged_at, '%m-%d %H:%M')} {item.acknowledged_by}" if item.acknowledged_at else "—"
    if item.escalated_at:  # not acknowledged 30 minutes into the shift: it went to the supervisor
        late = _("escalated {when}").format(when=fmt(item.escalated_at, "%H:%M"))
        ack = f"{ack} · {late}" if item.acknowledged_at else late
    now = "" if item.still_open is None else (_("still open") if item.still_open else _("closed"))
    if item.passed_to:
        now = (now + " · " if now else "") + _("passed to {staff_no}").format(staff_no=item.passed_to)
    what = item.text
    if item.notes:
        what += "".join(f"\n[{r.kind_label} {r.staff_no} {fmt(r.at, '%H:%M')}] {r.text}" for r in item.notes)
    return (str(n), matter, customer, what, item.state, fmt(item.deadline_at, "%m-%d %H:%M"),
            fmt(item.last_update_at, "%m-%d %H:%M"), item.instruction, ack, now)


def rows(page: Page, full_phones: bool = False) -> list[tuple[str, list[tuple[str, ...]]]]:
    """(group label, item cells) per group, numbered through the page."""
    out = []
    n = 0
    for group, items in page.groups():
        cells = []
        for item in items:
            n += 1
            cells.append(item_cells(n, item, full_phones))
        out.append((group.label, cells))
    return out


def remark_lines(page: Page) -> list[str]:
    return [f"{fmt(r.at, '%m-%d %H:%M')} {r.staff_no} {r.name} [{r.kind_label}] {r.text}" for r in page.page_remarks]


# --------------------------------------------------------------------------- Markdown


def _md(text: str) -> str:
    return (text or "").replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


def to_markdown(doc: Doc) -> str:
    out = [f"# {doc.title}", ""]
    if not doc.pages:
        out.append(_("No handover was signed off for this shift."))
    for page in doc.pages:
        out += [f"## {page.author_staff_no} {page.author_name}", ""]
        out += [f"- **{label}**: {_md(value)}" for label, value in page_facts(page)]
        out.append("")
        for label, cells in rows(page, doc.full_phones):
            out += [f"### {label}", "", "| " + " | ".join(headers()) + " |",
                    "|" + "---|" * len(headers())]
            out += ["| " + " | ".join(_md(c) for c in row) + " |" for row in cells]
            out.append("")
        lines = remark_lines(page)
        if lines:
            out += [f"### {_('Remarks')}", ""] + [f"- {_md(line)}" for line in lines] + [""]
    return "\n".join(out).rstrip() + "\n"


# --------------------------------------------------------------------------- HTML


def to_html(doc: Doc) -> str:
    e = htmlmod.escape
    out = ["<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">', f"<title>{e(doc.title)}</title>",
           "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%;margin-bottom:1em}"
           "td,th{border:1px solid #999;padding:4px;vertical-align:top;font-size:90%;white-space:pre-wrap}"
           "th{background:#eee}dt{font-weight:bold;float:left;clear:left;width:8em}dd{margin-left:9em}</style>",
           "</head><body>", f"<h1>{e(doc.title)}</h1>"]
    if not doc.pages:
        out.append(f"<p>{e(_('No handover was signed off for this shift.'))}</p>")
    for page in doc.pages:
        out.append(f"<section><h2>{e(page.author_staff_no)} {e(page.author_name)}</h2><dl>")
        out += [f"<dt>{e(label)}</dt><dd>{e(value)}</dd>" for label, value in page_facts(page)]
        out.append("</dl>")
        for label, cells in rows(page, doc.full_phones):
            out.append(f"<h3>{e(label)}</h3><table><tr>" + "".join(f"<th>{e(h)}</th>" for h in headers()) + "</tr>")
            out += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in cells]
            out.append("</table>")
        lines = remark_lines(page)
        if lines:
            out.append(f"<h3>{e(_('Remarks'))}</h3><ul>" + "".join(f"<li>{e(x)}</li>" for x in lines) + "</ul>")
        out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- PDF

PDF_FONT = "STSong-Light"


def write_pdf(doc: Doc, path: Path) -> None:
    """An A4 landscape PDF (reportlab, built-in CID font: no font file)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    base = ParagraphStyle("base", fontName=PDF_FONT, fontSize=8, leading=10, wordWrap="CJK")
    h1 = ParagraphStyle("h1", parent=base, fontSize=15, leading=19, spaceAfter=6)
    h2 = ParagraphStyle("h2", parent=base, fontSize=12, leading=15, spaceBefore=6, spaceAfter=4)
    h3 = ParagraphStyle("h3", parent=base, fontSize=10, leading=13, spaceBefore=4, spaceAfter=2)

    def para(text: str, style=base) -> Paragraph:
        # "·" (U+00B7) has no glyph in every viewer's stand-in for the built-in STSong-Light: "｜" has
        text = (text or "").replace(" · ", " ｜ ").replace("·", "｜")
        return Paragraph(htmlmod.escape(text).replace("\n", "<br/>"), style)

    story: list = [para(doc.title, h1)]
    if not doc.pages:
        story.append(para(_("No handover was signed off for this shift.")))
    widths = [8 * mm, 37 * mm, 32 * mm, 45 * mm, 26 * mm, 20 * mm, 20 * mm, 40 * mm, 22 * mm, 17 * mm]  # a WO number on one line
    for n, page in enumerate(doc.pages):
        if n:
            story.append(PageBreak())
        story.append(para(f"{page.author_staff_no} {page.author_name}", h2))
        facts = Table([[para(label), para(value)] for label, value in page_facts(page)], colWidths=[30 * mm, 200 * mm])
        facts.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(facts)
        for label, cells in rows(page, doc.full_phones):
            story.append(para(label, h3))
            shown, in_full = _fit_cells(cells)
            table = Table([[para(h) for h in headers()]] + [[para(c) for c in row] for row in shown],
                          colWidths=widths, repeatRows=1)
            table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                       ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                                       ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story.append(table)
            story += [para(f"{n} · {header}: {text}") for n, header, text in in_full]
        lines = remark_lines(page)
        if lines:
            story.append(para(_("Remarks"), h3))
            story += [para(line) for line in lines]
        story.append(Spacer(1, 4 * mm))
    pdf = SimpleDocTemplate(str(path), pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm,
                            topMargin=10 * mm, bottomMargin=10 * mm, title=doc.title, author="csdesk")
    pdf.build(story)


def write_part(doc: Doc, path: Path, fmt_name: str) -> Path:
    """Write ``doc`` as ``md``, ``html`` or ``pdf`` to ``NAME.part`` (created 0600) and return that path.

    The caller publishes it (``part.replace(path)``) once the export is recorded in the audit log,
    and removes it otherwise, as the register's exports do (:class:`csdesk.services.export.StagedExport`).
    """
    import os

    part = path.with_name(path.name + ".part")
    os.close(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    try:
        if fmt_name == "pdf":
            write_pdf(doc, part)
        else:
            text = to_markdown(doc) if fmt_name == "md" else to_html(doc)
            part.write_text(text, encoding="utf-8")
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return part


FORMATS: Sequence[str] = ("md", "html", "pdf")
