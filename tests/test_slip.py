"""The slip in three copies: plain text within 80 columns, A4 HTML with print styles,
a PDF in the built-in Chinese font (rendered to an image here), lp, ESC/POS; every
print and reprint counted on the order and audited."""

from __future__ import annotations

import io
import os
import stat
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from csdesk.clock import FakeClock, set_clock
from csdesk.domain.errors import DeskError, Invalid
from csdesk.i18n import set_language
from csdesk.services import order_form as of
from csdesk.services import slip as sl
from csdesk.store.engine import read_session, write_session
from csdesk.store.models import AuditLog, WorkOrder, WorkOrderEvent

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
LONG = ("厨房水槽下方的软管接头漏水，地面已经积水，业主已关闭总阀；另外卫生间马桶水箱一直流水不止，"
        "请师傅带上软管和水箱配件 (hose, cistern valve) 一并处理。") * 2


@pytest.fixture
def order(engine, agents):
    set_clock(FakeClock(T0))
    set_language("zh_CN")
    try:
        with write_session(engine) as s:
            info = of.create_order(s, agents["1001"], of.OrderForm(
                phone="13800138000", name="张三", building="3", unit="2", room="1201", description=LONG,
                category="repair.water", appointment="明天 10:00", technician="E01", paid=True,
                fees=(("tap_replace", 2), ("leak_inspect", 1)), price_told=True))
        yield info
    finally:
        set_clock(None)


def build(engine, agents, order_id):
    with read_session(engine) as s:
        return sl.build_slip(s, order_id, agents["1001"], at=T0)


def test_text_fits_80_columns_with_three_marked_copies(engine, agents, order):
    slip = build(engine, agents, order.id)
    text = sl.render_text(slip)
    copies = text.split("\f")
    assert len(copies) == 3
    for copy, name in zip(copies, ("第一联 客户联", "第二联 工程联", "第三联 存档联"), strict=True):
        assert name in copy and order.number in copy and "13800138000" in copy and "王建国" in copy
        assert "3-2-1201" in copy and "上门查看后报价" in copy and "¥60.00" in copy and "客户签字" in copy
        assert max(sl.cells(line) for line in copy.splitlines()) <= 80
    assert "一并处理" in text  # the long description wrapped, not cut
    receipt = sl.render_text(slip, ("customer",), width=sl.RECEIPT_WIDTH)
    assert max(sl.cells(line) for line in receipt.splitlines()) <= sl.RECEIPT_WIDTH
    assert sl.cells("张三ab") == 6 and sl.wrap("一二三四五", 4) == ["一二", "三四", "五"]


def test_html_is_a4_with_one_copy_per_page_and_escapes_what_was_typed(engine, agents, order):
    with write_session(engine) as s:
        of.save_form(s, agents["1001"], order.id, of.with_(of.form_for(s, order.id), description="<script>x</script> & 漏水"))
    page = sl.render_html(build(engine, agents, order.id))
    assert "@page { size: A4" in page and "page-break-after: always" in page
    assert page.count('<section class="copy') == 3
    assert "<script>x" not in page and "&lt;script&gt;x&lt;/script&gt; &amp; 漏水" in page
    assert page.index("第一联 客户联") < page.index("第二联 工程联") < page.index("第三联 存档联")


def test_pdf_has_three_pages_in_the_builtin_chinese_font_and_draws_text(engine, agents, order):
    from pypdf import PdfReader

    pdf = sl.render_pdf(build(engine, agents, order.id))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 3
    for page, name in zip(reader.pages, ("第一联 客户联", "第二联 工程联", "第三联 存档联"), strict=True):
        text = page.extract_text()
        assert name in text and order.number in text and "张三" in text and "渗漏检测维修" in text
        fonts = page["/Resources"]["/Font"]
        assert any("STSong-Light" in str(f.get_object()["/BaseFont"]) for f in fonts.values())
    # the first page rendered to an image has ink on it
    image = _render_first_page(pdf)
    gray = image.convert("L")
    dark = sum(gray.histogram()[:128])
    assert dark > gray.width * gray.height * 0.005, dark


def _render_first_page(pdf: bytes):
    """The first page as an image, through pypdfium2 (in the test extra: the same on every machine;
    a system pdftoppm wrote its PNG to a file named '-' rather than to stdout)."""
    import pypdfium2 as pdfium

    return pdfium.PdfDocument(pdf)[0].render(scale=60 / 72).to_pil()


def test_escpos_prints_each_copy_in_gb18030_and_cuts(engine, agents, order):
    pytest.importorskip("escpos")
    printer = sl.open_escpos("dummy")
    sl.print_escpos(build(engine, agents, order.id), printer)
    out = printer.output
    assert out.count(sl.CHINESE_MODE) == 3 and out.count(b"\x1dV") == 3
    assert order.number.encode() in out and "第二联 工程联".encode("gb18030") in out
    with pytest.raises(DeskError):
        sl.open_escpos("carrier-pigeon:1")


def test_lp_gets_the_pdf_or_says_there_is_no_printer(engine, agents, order, tmp_path, monkeypatch):
    pdf = sl.render_pdf(build(engine, agents, order.id))
    monkeypatch.setenv("PATH", str(tmp_path / "none"))
    assert not sl.lp_available()
    with pytest.raises(DeskError, match="lp"):
        sl.send_to_lp(pdf, title=order.number)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "lp"
    fake.write_text(f"#!/bin/sh\necho \"$@\" > {tmp_path}/args\nfor last; do :; done\ncp \"$last\" {tmp_path}/job.pdf\n"
                    "echo 'request id is desk-42 (1 file(s))'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin")
    assert sl.send_to_lp(pdf, title=order.number, printer="desk") == "request id is desk-42 (1 file(s))"
    assert (tmp_path / "job.pdf").read_bytes() == pdf
    assert f"-t {order.number} -d desk" in (tmp_path / "args").read_text()


def test_every_print_and_reprint_is_counted_and_audited(engine, agents, order):
    assert sl.parse_copies("all") == sl.COPIES and sl.parse_copies("file,客户联") == ("customer", "file")
    with pytest.raises(Invalid):
        sl.parse_copies("everything")
    with write_session(engine) as s:
        first = sl.record_print(s, agents["1001"], order.id, "pdf", sl.COPIES, "/tmp/x.pdf")
    assert not first.reprint and first.copies_printed == 3
    assert build(engine, agents, order.id).reprint
    with write_session(engine) as s:
        again = sl.record_print(s, agents["2001"], order.id, "text", ("customer",))
    assert again.reprint and (again.copies_printed, again.print_count) == (4, 2)
    with read_session(engine) as s:
        audits = s.exec(select(AuditLog).where(AuditLog.action == "print")).all()
        row = s.get(WorkOrder, order.id)
        prints = s.exec(select(WorkOrderEvent).where(WorkOrderEvent.kind == "print")).all()
    assert [(a.staff_no, a.entity_id) for a in audits] == [("1001", order.id), ("2001", order.id)]
    assert "reprint=True" in audits[1].detail and row.printed_at is not None
    assert len(prints) == 2 and "补打" in prints[1].note
