"""The service record slip in three copies (一式三份): customer, engineering, file.

Each copy carries its copy name, the order number, the customer, unit, phone,
what is to be done, appointment, deadline, department and technician, the
quote, and blocks for the completion result and the technician's and the
customer's signatures (filled in when the order is done).

Outputs
- :func:`render_text`: plain text for an 80-column printer (CJK counted as two
  columns), copies separated by a form feed;
- :func:`render_html`: A4 with print styles, one copy per page;
- :func:`render_pdf`: A4 through reportlab with its built-in Chinese CID font
  ``STSong-Light`` (no font file needed), one copy per page;
- :func:`send_to_lp`: the system printer through ``lp`` when there is one;
- :func:`print_escpos`: an 80 mm ESC/POS receipt printer through python-escpos
  (the optional extra ``csdesk[escpos]``), text in GB18030, a cut after each copy.

Every print and reprint is recorded with :func:`record_print`: the order's
counts, an event on its timeline and an audit row.  The slip shows the full
phone number (the technician calls the customer): printing is audited.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from csdesk.clock import fmt
from csdesk.clock import now as utcnow
from csdesk.domain.actor import Actor
from csdesk.domain.errors import DeskError, Invalid
from csdesk.domain.fees import yuan
from csdesk.domain.policy import Act, require
from csdesk.i18n import N_, _

COPIES = ("customer", "engineering", "file")
COPY_LABELS = {"customer": N_("Customer copy"), "engineering": N_("Engineering copy"), "file": N_("File copy")}
FORMATS = ("text", "html", "pdf", "lp", "escpos")
FORMAT_LABELS = {"text": N_("Text (80 columns)"), "html": N_("HTML for A4"), "pdf": N_("PDF (A4)"),
                 "lp": N_("System printer (lp)"), "escpos": N_("Receipt printer (80 mm)")}
TEXT_WIDTH = 80
RECEIPT_WIDTH = 48  # characters of an 80 mm receipt at the standard font (24 Chinese characters)
PDF_FONT = "STSong-Light"


# --------------------------------------------------------------------------- the slip's content


@dataclass(frozen=True)
class Slip:
    """What is printed, as labelled lines, for every output."""

    number: str
    title: str
    centre: str
    printed_at: datetime
    printed_by: str
    reprint: bool
    fields: tuple[tuple[str, str], ...]  # label, value
    description: str
    fee_lines: tuple[tuple[str, str, str], ...]  # item, price × quantity, amount
    quote: str
    paid: bool
    price_told: bool
    completion: tuple[tuple[str, str], ...]  # label, value ("" = a blank to fill in by hand)
    signed: bool


def parse_copies(value: str | None) -> tuple[str, ...]:
    """``"all"``/``""`` -> all three; ``"customer,file"`` -> those (English keys or Chinese names)."""
    raw = (value or "all").strip()
    if raw in ("all", "全部"):
        return COPIES
    names = {"客户联": "customer", "工程联": "engineering", "存档联": "file"}
    out = []
    for part in raw.replace("，", ",").split(","):
        key = names.get(part.strip(), part.strip().lower())
        if key not in COPIES:
            raise Invalid({"copies": _("Copies: all, or some of {choices}").format(choices=", ".join(COPIES))})
        if key not in out:
            out.append(key)
    return tuple(sorted(out, key=COPIES.index))


def build_slip(session: Session, order_id: int, actor: Actor | None = None, *, at: datetime | None = None,
               centre: str = "") -> Slip:
    """The slip of an order, in the current language."""
    from csdesk.services.orders import order_detail
    from csdesk.services.reference import departments
    from csdesk.services.register import category_name, label

    d = order_detail(session, order_id, full_phones=True)
    deps = {x.code: x.name for x in departments(session)}
    category = category_name(session, d.category)
    if d.subtype and d.subtype != d.category:
        category += " / " + category_name(session, d.subtype)
    tech = d.technician + (f"  {d.technician_phone}" if d.technician_phone else "")
    fields_ = (
        (_("Order no."), d.number),
        (_("Received"), fmt(d.received_at, "%Y-%m-%d %H:%M")),
        (_("Customer"), d.customer_name),
        (_("Phone"), d.phone),
        (_("Unit / address"), " ".join(x for x in (d.unit_key, d.address) if x)),
        (_("Category"), category),
        (_("Urgency"), d.urgency.label),
        (_("Department"), deps.get(d.department, d.department)),
        (_("Appointment"), fmt(d.appointment_at, "%Y-%m-%d %H:%M") or _("none agreed")),
        (_("Deadline"), fmt(d.deadline_at, "%Y-%m-%d %H:%M")),
        (_("Technician"), tech or _("to be assigned")),
        (_("Taken by"), f"{d.owner_staff_no} {d.owner_name}".strip()),
        (_("Status"), label("OrderStatus", d.status.value)),
    )
    fee_lines = tuple(
        (line.name,
         (_("price on inspection") if line.on_inspection else f"{yuan(line.price_fen)} × {line.quantity} {line.unit}"),
         "" if line.on_inspection else yuan(line.amount_fen))
        for line in d.quote.lines)
    done = d.completed_at is not None
    completion = (
        (_("Result"), d.result if done else ""),
        (_("Materials"), d.materials if done else ""),
        (_("Fee charged"), yuan(d.fee_charged_fen) if done and d.fee_charged_fen is not None else ""),
        (_("Customer's opinion"), d.customer_opinion if done else ""),
        (_("Satisfaction (1-5)"), str(d.satisfaction) if done and d.satisfaction else ""),
        (_("Completed"), fmt(d.completed_at, "%Y-%m-%d %H:%M") if done else ""),
    )
    return Slip(
        number=d.number, title=_("Service record (work order)"), centre=centre or _("Customer service centre"),
        printed_at=at or utcnow(), printed_by=actor.staff_no if actor else "", reprint=d.print_count > 0,
        fields=fields_, description=d.description, fee_lines=fee_lines,
        quote=d.quote.text() if d.paid else _("free of charge"), paid=d.paid, price_told=d.price_told,
        completion=completion, signed=d.signed)


# --------------------------------------------------------------------------- plain text


def cells(text: str) -> int:
    """Terminal/printer columns of ``text``: wide (CJK) characters count two, combining marks none."""
    n = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        n += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return n


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cells(text))


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` columns (CJK wraps anywhere, Latin words are kept whole when they fit)."""
    out: list[str] = []
    for paragraph in (text or "").replace("\r", "").split("\n"):
        line, used = "", 0
        for token in _tokens(paragraph):
            w = cells(token)
            if used + w > width and line:
                out.append(line.rstrip())
                line, used = "", 0
                if token == " ":
                    continue
            while w > width:  # a Latin word longer than the line
                cut, cw = "", 0
                for ch in token:
                    if cw + cells(ch) > width:
                        break
                    cut, cw = cut + ch, cw + cells(ch)
                out.append(cut)
                token, w = token[len(cut):], w - cw
            line, used = line + token, used + w
        out.append(line.rstrip())
    return out


def _tokens(text: str):
    word = ""
    for ch in text:
        if ch == " " or cells(ch) == 2:
            if word:
                yield word
                word = ""
            yield ch
        else:
            word += ch
    if word:
        yield word


def _copy_text(slip: Slip, copy: str, width: int) -> list[str]:
    rule, thin = "=" * width, "-" * width
    lines = [rule]
    head = f"{slip.centre} · {slip.title}"
    tag = "[" + _(COPY_LABELS[copy]) + "]"
    lines.append(pad(head, width - cells(tag)) + tag if cells(head) + cells(tag) < width else head)
    if cells(head) + cells(tag) >= width:
        lines.append(tag)
    stamp = _("Printed {when} by {who}").format(when=fmt(slip.printed_at, "%Y-%m-%d %H:%M"), who=slip.printed_by)
    if slip.reprint:
        stamp += " · " + _("reprint")
    lines += [stamp, thin]
    label_w = max(cells(label) for label, _v in slip.fields) + 2
    for label, value in slip.fields:
        body = wrap(value or "—", width - label_w) or [""]
        lines.append(pad(label, label_w) + body[0])
        lines += [" " * label_w + more for more in body[1:]]
    lines.append(thin)
    lines.append(_("What is to be done") + ":")
    lines += ["  " + x for x in wrap(slip.description, width - 2)]
    lines.append(thin)
    charge, quote_label = _("Charge"), _("Quote")
    lines.append(f"{charge}: " + (_("paid") if slip.paid else _("free")))
    for item, price, amount in slip.fee_lines:
        left = pad("  " + item, width - 30)
        lines.append(pad(left + pad(price, 18), width - cells(amount)) + amount if cells(left) + 18 < width
                     else f"  {item} {price} {amount}")
    if slip.paid:
        told = _("customer told the price") if slip.price_told else _("price NOT yet told to the customer")
        lines.append(pad(f"  {quote_label}: {slip.quote}", width - cells(told)) + told
                     if cells(slip.quote) + cells(told) + 12 < width else f"  {quote_label}: {slip.quote}  {told}")
    lines.append(thin)
    lines.append(_("Completion (filled in on site)"))
    for label, value in slip.completion:
        blank = "_" * max(4, width - cells(label) - 4)
        lines.append(f"  {label}: {value}" if value else f"  {label}: {blank}")
    signed = "  (" + _("signed") + ")" if slip.signed else ""
    sig = (_("Technician signature") + ": ________________   " + _("Customer signature") + ": ________________"
           + signed)
    lines += wrap(sig, width)
    lines.append(rule)
    out: list[str] = []
    for line in lines:  # whatever did not fit its layout wraps: nothing is cut, nothing overflows
        out += wrap(line, width) if cells(line) > width else [line]
    return out


def render_text(slip: Slip, copies: tuple[str, ...] = COPIES, *, width: int = TEXT_WIDTH) -> str:
    """The slip as plain text, each copy fitting ``width`` columns, copies separated by a form feed."""
    return "\f".join("\n".join(_copy_text(slip, copy, width)) + "\n" for copy in copies)


# --------------------------------------------------------------------------- HTML for A4

_CSS = """
@page { size: A4; margin: 14mm 16mm; }
* { box-sizing: border-box; }
body { font-family: "Songti SC", "SimSun", "Noto Serif CJK SC", "Source Han Serif SC", serif;
       font-size: 11pt; color: #000; margin: 0; }
.copy { page-break-after: always; break-after: page; padding: 0; }
.copy:last-child { page-break-after: auto; break-after: auto; }
header { display: flex; justify-content: space-between; align-items: baseline; border-bottom: 2px solid #000; }
h1 { font-size: 18pt; margin: 0 0 4pt 0; }
.tag { font-size: 14pt; font-weight: bold; border: 2px solid #000; padding: 2pt 8pt; }
.meta { font-size: 9pt; color: #333; margin: 4pt 0 8pt 0; }
table { width: 100%; border-collapse: collapse; margin-bottom: 8pt; }
th, td { border: 1px solid #000; padding: 4pt 6pt; vertical-align: top; text-align: left; }
th { width: 18%; background: #eee; font-weight: normal; white-space: nowrap; }
td.num { text-align: right; white-space: nowrap; }
.blank { height: 22pt; }
.sign td { height: 40pt; }
@media screen { body { background: #888; } .copy { background: #fff; width: 210mm; min-height: 297mm;
                margin: 8mm auto; padding: 14mm 16mm; } }
"""


def _h(text: str) -> str:
    return html.escape(text or "", quote=True).replace("\n", "<br>")


def _copy_html(slip: Slip, copy: str) -> str:
    rows = "".join(f"<tr><th>{_h(label)}</th><td>{_h(value)}</td></tr>" for label, value in slip.fields)
    parts = [f'<section class="copy copy-{copy}">',
             f'<header><h1>{_h(slip.centre)} · {_h(slip.title)}</h1><span class="tag">{_h(_(COPY_LABELS[copy]))}</span>'
             "</header>",
             f'<p class="meta">{_h(_("Printed {when} by {who}").format(when=fmt(slip.printed_at, "%Y-%m-%d %H:%M"), who=slip.printed_by))}'
             + (f" · {_h(_('reprint'))}" if slip.reprint else "") + "</p>",
             f"<table>{rows}<tr><th>{_h(_('What is to be done'))}</th><td>{_h(slip.description)}</td></tr></table>",
             f"<table><tr><th>{_h(_('Charge'))}</th><td colspan=\"2\">{_h(_('paid') if slip.paid else _('free'))}</td></tr>"]
    for item, price, amount in slip.fee_lines:
        parts.append(f"<tr><td>{_h(item)}</td><td>{_h(price)}</td><td class=\"num\">{_h(amount)}</td></tr>")
    if slip.paid:
        told = _("customer told the price") if slip.price_told else _("price NOT yet told to the customer")
        parts.append(f"<tr><th>{_h(_('Quote'))}</th><td>{_h(slip.quote)}</td><td>{_h(told)}</td></tr>")
    parts.append("</table>")
    parts.append(f"<table><tr><th colspan=\"2\">{_h(_('Completion (filled in on site)'))}</th></tr>")
    for label, value in slip.completion:
        parts.append(f"<tr><th>{_h(label)}</th><td class=\"blank\">{_h(value)}</td></tr>")
    parts.append("</table>")
    signed = f" ({_h(_('signed'))})" if slip.signed else ""
    parts.append(f"<table class=\"sign\"><tr><th>{_h(_('Technician signature'))}</th><td></td>"
                 f"<th>{_h(_('Customer signature'))}{signed}</th><td></td></tr></table>")
    parts.append("</section>")
    return "\n".join(parts)


def render_html(slip: Slip, copies: tuple[str, ...] = COPIES) -> str:
    """A4 HTML with print styles: one page per copy."""
    body = "\n".join(_copy_html(slip, copy) for copy in copies)
    return (f"<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            f"<title>{_h(slip.number)}</title><style>{_CSS}</style></head>\n<body>\n{body}\n</body></html>\n")


# --------------------------------------------------------------------------- PDF


def _pdf_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    return PDF_FONT


def _pdf_wrap(text: str, width: float, size: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    out = []
    for paragraph in (text or "").split("\n"):
        line = ""
        for ch in paragraph:
            if stringWidth(line + ch, PDF_FONT, size) > width and line:
                out.append(line)
                line = ""
            line += ch
        out.append(line)
    return out


def render_pdf(slip: Slip, copies: tuple[str, ...] = COPIES) -> bytes:
    """A4 PDF, one page per copy, in reportlab's built-in Chinese font (no font file)."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    font = _pdf_font()
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"{slip.number} {slip.title}")
    pdf.setAuthor(slip.centre)
    page_w, page_h = A4
    left, right, top = 18 * mm, page_w - 18 * mm, page_h - 16 * mm
    label_w = 32 * mm
    for copy in copies:
        y = top
        pdf.setFont(font, 16)
        pdf.drawString(left, y, f"{slip.centre} · {slip.title}")
        tag = _(COPY_LABELS[copy])
        pdf.setFont(font, 13)
        tw = pdf.stringWidth(tag, font, 13)
        pdf.rect(right - tw - 8, y - 4, tw + 8, 18, stroke=1, fill=0)
        pdf.drawString(right - tw - 4, y, tag)
        y -= 9
        pdf.setLineWidth(1.2)
        pdf.line(left, y, right, y)
        y -= 13
        pdf.setFont(font, 8.5)
        stamp = _("Printed {when} by {who}").format(when=fmt(slip.printed_at, "%Y-%m-%d %H:%M"), who=slip.printed_by)
        pdf.drawString(left, y, stamp + (" · " + _("reprint") if slip.reprint else ""))
        y -= 8
        pdf.setLineWidth(0.5)

        def row(label: str, value: str, size: float = 10.5, min_h: float = 0) -> None:
            nonlocal y
            lines = _pdf_wrap(value or "", right - left - label_w - 8, size) or [""]
            h = max(min_h, 6 + len(lines) * (size + 3))
            pdf.rect(left, y - h, right - left, h, stroke=1, fill=0)
            pdf.line(left + label_w, y, left + label_w, y - h)
            pdf.setFont(font, size - 1)
            pdf.drawString(left + 4, y - size - 1, label)
            pdf.setFont(font, size)
            for i, text in enumerate(lines):
                pdf.drawString(left + label_w + 5, y - size - 1 - i * (size + 3), text)
            y -= h

        for label, value in slip.fields:
            row(label, value)
        row(_("What is to be done"), slip.description, min_h=40)
        y -= 6
        charge = _("paid") if slip.paid else _("free")
        row(_("Charge"), charge + (" · " + slip.quote if slip.paid else ""))
        for item, price, amount in slip.fee_lines:
            row("", f"{item}    {price}    {amount}".strip(), size=9.5)
        if slip.paid:
            row("", _("customer told the price") if slip.price_told else _("price NOT yet told to the customer"),
                size=9.5)
        y -= 6
        pdf.setFont(font, 10.5)
        pdf.drawString(left, y - 12, _("Completion (filled in on site)"))
        y -= 16
        for label, value in slip.completion:
            row(label, value, min_h=20)
        y -= 10
        signed = " (" + _("signed") + ")" if slip.signed else ""
        half = (right - left) / 2
        pdf.rect(left, y - 46, right - left, 46, stroke=1, fill=0)
        pdf.line(left + half, y, left + half, y - 46)
        pdf.setFont(font, 10)
        pdf.drawString(left + 4, y - 13, _("Technician signature"))
        pdf.drawString(left + half + 4, y - 13, _("Customer signature") + signed)
        pdf.setFont(font, 8)
        pdf.drawString(left, 12 * mm, f"{slip.number} · {tag}")
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


# --------------------------------------------------------------------------- printers


def lp_available() -> bool:
    return shutil.which("lp") is not None


def send_to_lp(pdf: bytes, *, title: str, printer: str | None = None) -> str:
    """Send a PDF to the system printer with ``lp``; returns lp's answer (the job id line)."""
    lp = shutil.which("lp")
    if lp is None:
        raise DeskError(_("No system printer here: the lp command is not installed."))
    with tempfile.NamedTemporaryFile(prefix="csdesk-slip-", suffix=".pdf", delete=False) as fh:
        fh.write(pdf)
        path = fh.name
    try:
        args = [lp, "-t", title] + (["-d", printer] if printer else []) + [path]
        done = subprocess.run(args, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        raise DeskError(_("The printer did not take the slip: {error}").format(error=exc)) from None
    finally:
        Path(path).unlink(missing_ok=True)
    if done.returncode != 0:
        raise DeskError(_("The printer did not take the slip: {error}").format(
            error=(done.stderr or done.stdout).strip()[:200]))
    return done.stdout.strip()


def escpos_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("escpos") is not None


def open_escpos(target: str):
    """An ESC/POS printer from a target: ``net:HOST[:PORT]``, ``usb:VID:PID``, ``serial:DEVICE``,
    ``file:PATH`` (e.g. /dev/usb/lp0) or ``dummy`` (tests)."""
    if not escpos_available():
        raise DeskError(_("The receipt printer needs the escpos extra: pip install 'csdesk[escpos]'."))
    from escpos import printer as p

    kind, _sep, rest = (target or "").partition(":")
    try:
        if kind == "dummy":
            return p.Dummy()
        if kind == "net":
            host, _s, port = rest.partition(":")
            return p.Network(host, port=int(port or 9100), timeout=10)
        if kind == "usb":
            vid, _s, pid = rest.partition(":")
            return p.Usb(int(vid, 16), int(pid, 16))
        if kind == "serial":
            return p.Serial(rest)
        if kind == "file":
            return p.File(rest)
    except Exception as exc:
        raise DeskError(_("Cannot reach the receipt printer {target}: {error}").format(target=target, error=exc)) from None
    raise DeskError(_("Receipt printer: give net:HOST, usb:VID:PID, serial:DEVICE or file:PATH (not {target!r}).").format(
        target=target))


CHINESE_MODE = b"\x1c\x26"  # FS & : double-byte (GB18030) characters on Chinese ESC/POS printers


def print_escpos(slip: Slip, printer, copies: tuple[str, ...] = COPIES, *, width: int = RECEIPT_WIDTH) -> None:
    """Print the copies on an 80 mm receipt printer, cutting after each."""
    for copy in copies:
        text = "\n".join(_copy_text(slip, copy, width)) + "\n\n\n"
        printer._raw(b"\x1b\x40")  # ESC @ : initialise
        printer._raw(CHINESE_MODE)
        printer._raw(text.encode("gb18030", errors="replace"))
        printer.cut()


# --------------------------------------------------------------------------- recording


@dataclass(frozen=True)
class PrintRecord:
    order_id: int
    number: str
    copies_printed: int  # on the order, after this print
    print_count: int
    reprint: bool
    audit_id: int


def record_print(session: Session, actor: Actor, order_id: int, fmt_name: str, copies: tuple[str, ...],
                 target: str = "", *, at: datetime | None = None) -> PrintRecord:
    """Count a print (or reprint) on the order, put it on the timeline and in the audit log.

    Call it in a write session once the slip has been written or sent.
    """
    from csdesk.services.audit import Action, acting, record
    from csdesk.services.orders import _event, _load

    require(actor, Act.PRINT)
    at = at or utcnow()
    order = _load(session, order_id)
    acting(session, actor, at)
    reprint = order.print_count > 0
    order.copies_printed += len(copies)
    order.print_count += 1
    order.printed_at = at
    names = ", ".join(_(COPY_LABELS[c]) for c in copies)
    note = _("{format}: {copies}").format(format=_(FORMAT_LABELS.get(fmt_name, fmt_name)), copies=names)
    if reprint:
        note += " · " + _("reprint")
    if target:
        note += f" → {target}"
    _event(session, order, actor, at, kind="print", note=note[:500])
    audit_id = record(session, actor, Action.PRINT, "workorder", order.id,
                      detail=f"{order.number} {fmt_name} copies={','.join(copies)} reprint={reprint} {target}"[:500])
    session.flush()
    return PrintRecord(order.id, order.number, order.copies_printed, order.print_count, reprint, audit_id)
