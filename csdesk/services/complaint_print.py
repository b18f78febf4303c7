"""The complaint tracking record (客诉处理跟踪表) on paper and in files, in the handbook's layout.

The handbook's fields in its order (customer, contact, complaint time, what it
is about, order concerned, first handler, escalation time and reason, the
supervisor's plan, the customer's response, close time), then what csdesk
adds (number, status, source, supervisor, staff complained about, reply
deadline, calls to the customer, handling time) and the steps with who and
when.

- :func:`as_text`: plain text for an 80-column printer (Chinese counts two columns);
- :func:`as_html`: an A4 page per record with print styles;
- :func:`as_pdf`: reportlab with its built-in Chinese CID font ``STSong-Light``
  (no font file needed);
- :func:`export_headers` / :func:`export_rows`: one row per complaint for CSV and
  XLSX through :mod:`csdesk.services.export`, times as the desk reads them.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

from csdesk.clock import fmt
from csdesk.i18n import N_, _
from csdesk.services.complaints import ComplaintRecord, event_label

TITLE = N_("Complaint tracking record")
PDF_FONT = "STSong-Light"

# (key, label msgid); the handbook's fields first, in its order
HANDBOOK_FIELDS: tuple[tuple[str, str], ...] = (
    ("customer", N_("Customer")),
    ("contact", N_("Contact")),
    ("complained_at", N_("Complained at")),
    ("about", N_("About")),
    ("order", N_("Order concerned")),
    ("first_handler", N_("First handler")),
    ("escalated_at", N_("Escalated")),
    ("escalation_reason", N_("Reason")),
    ("plan", N_("Supervisor's plan")),
    ("response", N_("Customer's response")),
    ("closed_at", N_("Closed")),
)
EXTRA_FIELDS: tuple[tuple[str, str], ...] = (
    ("number", N_("Complaint number")),
    ("status", N_("Status")),
    ("source", N_("Source")),
    ("supervisor", N_("Supervisor")),
    ("about_staff", N_("Staff complained about")),
    ("due_at", N_("Reply due")),
    ("replied_at", N_("Replied")),
    ("calls", N_("Calls to the customer")),
    ("handling_time", N_("Handling time")),
)


def _label(kind: str, value: str) -> str:
    from csdesk import domain

    try:
        return getattr(domain, kind)(value).label
    except (ValueError, AttributeError):
        return value or ""


def _span(seconds: float) -> str:
    minutes = int(seconds // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("{d} d {h} h {m} min").format(d=days, h=hours, m=minutes)
    return _("{h} h {m} min").format(h=hours, m=minutes)


def values(r: ComplaintRecord) -> dict[str, str]:
    """Every field of the record as the desk reads it (local times to the second, labels)."""
    customer = r.customer_name or ""
    if r.customer_code:
        customer = f"{customer} ({r.customer_code})".strip()
    first = " ".join(x for x in (r.first_handler_staff_no, r.first_handler_name) if x)
    supervisor = " ".join(x for x in (r.supervisor_staff_no, r.supervisor_name) if x)
    about_staff = ""
    if r.about_staff_name:
        about_staff = f"{_label('StaffKind', r.about_staff_kind)} {r.about_staff_name}".strip()
    calls = [e for e in r.events if e.kind == "call"]
    return {
        "customer": customer,
        "contact": r.contact,
        "complained_at": fmt(r.complained_at),
        "about": r.about,
        "order": r.order_ref,
        "first_handler": first,
        "escalated_at": fmt(r.escalated_at),
        "escalation_reason": r.escalation_reason,
        "plan": r.plan,
        "response": r.customer_response,
        "closed_at": fmt(r.closed_at),
        "number": r.number,
        "status": _label("ComplaintStatus", r.status),
        "source": _label("ComplaintSource", r.source),
        "supervisor": supervisor,
        "about_staff": about_staff,
        "due_at": fmt(r.due_at),
        "replied_at": fmt(r.replied_at),
        "calls": "\n".join(f"{fmt(e.at)} {e.staff_no} {e.note}".strip() for e in calls),
        "handling_time": _span(r.handling_time.total_seconds()) if r.handling_time else "",
    }


def rows_of(r: ComplaintRecord) -> list[tuple[str, str]]:
    v = values(r)
    return [(_(label), v[key]) for key, label in (*HANDBOOK_FIELDS, *EXTRA_FIELDS)]


def steps_of(r: ComplaintRecord) -> list[tuple[str, str, str, str]]:
    """(time, staff no., step, note) of each event."""
    return [(fmt(e.at), e.staff_no, event_label(e.kind), e.note) for e in r.events]


# --------------------------------------------------------------------------- text


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _wrap(text: str, width: int) -> list[str]:
    out: list[str] = []
    for para in (text or "").split("\n"):
        line, used = "", 0
        for ch in para:
            w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
            if used + w > width:
                out.append(line.rstrip())
                line, used = "", 0
                if ch == " ":
                    continue
            line += ch
            used += w
        out.append(line.rstrip())
    return out or [""]


def as_text(records: Iterable[ComplaintRecord], width: int = 80) -> str:
    """The records for a plain-text printer, ``width`` columns."""
    pages = []
    for r in records:
        lines = [_(TITLE) + f"  {r.number}", "=" * width]
        rows = rows_of(r)
        label_w = max(_width(label) for label, _v in rows) + 2
        for label, value in rows:
            wrapped = _wrap(value, width - label_w)
            pad = " " * (label_w - _width(label))
            lines.append(f"{label}{pad}{wrapped[0]}".rstrip())
            lines += [" " * label_w + more for more in wrapped[1:]]
        lines += ["-" * width, _("Steps")]
        for when, staff, step, note in steps_of(r):
            head = f"{when}  {staff:<6} {step}"
            lines.append(head)
            lines += ["    " + more for more in _wrap(note, width - 4) if more]
        pages.append("\n".join(lines))
    return "\n\f".join(pages) + "\n"


# --------------------------------------------------------------------------- HTML


_CSS = """
@page { size: A4; margin: 18mm 16mm; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", SimSun, sans-serif;
       font-size: 11pt; color: #000; }
.record { page-break-after: always; break-after: page; }
.record:last-child { page-break-after: auto; break-after: auto; }
h1 { font-size: 16pt; text-align: center; margin: 0 0 4mm; }
.number { text-align: right; font-size: 10pt; margin-bottom: 2mm; }
table { width: 100%; border-collapse: collapse; }
th, td { border: 1px solid #000; padding: 2mm 3mm; vertical-align: top; text-align: left; }
th { width: 28%; background: #eee; font-weight: bold; }
td { white-space: pre-wrap; }
h2 { font-size: 12pt; margin: 5mm 0 2mm; }
.steps th { width: auto; }
@media screen { body { max-width: 190mm; margin: 10mm auto; } }
"""


def as_html(records: Iterable[ComplaintRecord]) -> str:
    """An HTML document, one A4 page per record, ready for the browser's print."""
    esc = html.escape
    parts = [f"<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{esc(_(TITLE))}</title>"
             f"<style>{_CSS}</style></head><body>"]
    for r in records:
        parts.append(f'<section class="record"><h1>{esc(_(TITLE))}</h1>'
                     f'<div class="number">{esc(r.number)}</div><table>')
        for label, value in rows_of(r):
            parts.append(f"<tr><th>{esc(label)}</th><td>{esc(value)}</td></tr>")
        parts.append(f"</table><h2>{esc(_('Steps'))}</h2><table class=\"steps\"><tr><th>{esc(_('Time'))}</th>"
                     f"<th>{esc(_('Staff no.'))}</th><th>{esc(_('Step'))}</th><th>{esc(_('Note'))}</th></tr>")
        for when, staff, step, note in steps_of(r):
            parts.append(f"<tr><td>{esc(when)}</td><td>{esc(staff)}</td><td>{esc(step)}</td><td>{esc(note)}</td></tr>")
        parts.append("</table></section>")
    parts.append("</body></html>\n")
    return "".join(parts)


# --------------------------------------------------------------------------- PDF


def as_pdf(records: Iterable[ComplaintRecord], path: str | Path) -> Path:
    """An A4 PDF, one page (or more) per record, in reportlab's built-in Chinese font."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    body = ParagraphStyle("body", fontName=PDF_FONT, fontSize=10, leading=14, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=16, leading=22, alignment=1)
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=12, alignment=2)
    sub = ParagraphStyle("sub", parent=body, fontSize=12, leading=18)

    def para(text: str, style=body) -> Paragraph:
        return Paragraph(html.escape(text or "").replace("\n", "<br/>"), style)

    path = Path(path)
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=_(TITLE))
    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.6, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                       ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eeeeee"))])
    story: list = []
    for i, r in enumerate(records):
        if i:
            story.append(PageBreak())
        story += [para(_(TITLE), head), para(r.number, small), Spacer(1, 3 * mm)]
        table = Table([[para(label), para(value)] for label, value in rows_of(r)], colWidths=[42 * mm, 136 * mm])
        table.setStyle(grid)
        story += [table, Spacer(1, 5 * mm), para(_("Steps"), sub)]
        steps = [[para(_("Time")), para(_("Staff no.")), para(_("Step")), para(_("Note"))]]
        steps += [[para(w), para(s), para(k), para(n)] for w, s, k, n in steps_of(r)]
        t2 = Table(steps, colWidths=[36 * mm, 18 * mm, 34 * mm, 90 * mm], repeatRows=1)
        t2.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.6, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))]))
        story.append(t2)
    if not story:
        story.append(para(_("Nothing found.")))
    doc.build(story)
    return path


# --------------------------------------------------------------------------- CSV / XLSX


EXPORT_KEYS = tuple(k for k, _l in (*EXTRA_FIELDS[:1], *HANDBOOK_FIELDS, *EXTRA_FIELDS[1:]))


def export_headers() -> tuple[str, ...]:
    labels = dict((*HANDBOOK_FIELDS, *EXTRA_FIELDS))
    return tuple(_(labels[k]) for k in EXPORT_KEYS)


def export_rows(records: Iterable[ComplaintRecord]) -> Iterator[tuple]:
    for r in records:
        v = values(r)
        yield tuple(v[k] for k in EXPORT_KEYS)
