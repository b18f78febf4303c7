"""The register service: search kinds, filters, keyset paging, index in step with
edits, hostile input, bulk loading, reveal audit, export, query plans."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from csdesk.clock import local, to_local
from csdesk.services import register as reg
from csdesk.store import search_index as si
from csdesk.store.engine import read_session, write_session
from tests.test_register_data import LINKED, add_filler, link_records, make_contact, seed


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One populated database for the read-only tests of this module (built once)."""
    from csdesk.clock import _zone
    from csdesk.store.engine import open_database
    from tests.test_register_data import quick_agents

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSDESK_TIMEZONE", "Asia/Shanghai")
        _zone.cache_clear()
        engine = open_database(str(tmp_path_factory.mktemp("register") / "desk.db"))
        agents = quick_agents(engine)
        ids = seed(engine, agents, filler=300)
        link_records(engine, agents, ids)
    _zone.cache_clear()
    yield engine, agents, ids
    engine.dispose()


@pytest.fixture
def known(shared):
    return shared[2]


@pytest.fixture
def ro(shared):
    return shared[0]


@pytest.fixture
def qa(engine):
    from tests.test_register_data import quick_agents

    return quick_agents(engine)


@pytest.fixture
def fresh(engine, qa):
    """A database of its own, for tests that write."""
    return seed(engine, qa, filler=50)


def ids_for(engine, q, limit=500):
    with read_session(engine) as s:
        return [r.id for r in reg.page_after(s, q, None, limit=limit).rows]


# --------------------------------------------------------------------------- interpretation


@pytest.mark.parametrize("typed, kind, value", [
    ("13800138000", "phone", "13800138000"),
    ("138 0013 8000", "phone", "13800138000"),
    ("+86 138-0013-8000", "phone", "13800138000"),
    ("8000", "last4", "8000"),
    ("3-2-1201", "unit", "3-2-1201"),
    ("3栋2单元1201", "unit", "3-2-1201"),
    ("zs", "initials", "zs"),
    ("张三", "text", "张三"),
    ("漏水", "text", "漏水"),
    ("elevator stuck", "text", "elevator stuck"),
    ("CT20261120-9000", "number", "CT20261120-9000"),
    ("ct20261120-9000", "number", "CT20261120-9000"),
    ("WO20261122-0007", "work_order", "WO20261122-0007"),
    ("wo20261122-0007", "work_order", "WO20261122-0007"),
    ("CP20231028-0001", "complaint", "CP20231028-0001"),
    ("C20231028001", "customer", "C20231028001"),
    ("c20231028001", "customer", "C20231028001"),
    ("1391234", "phone_prefix", "1391234"),  # the first 7 digits of a mobile
    ("139 1234 56", "phone_prefix", "139123456"),
    ("0106234", "phone_prefix", "0106234"),  # an area code and the first digits
    ("20231028001", "text", "20231028001"),  # an order reference the customer quotes is a word
    ("123456", "text", "123456"),  # six digits: not a phone prefix
    ("", "none", ""),
])
def test_interpret(typed, kind, value):
    plan = reg.interpret(typed)
    assert (plan.kind, plan.value) == (kind, value)


# --------------------------------------------------------------------------- each search kind


@pytest.mark.parametrize("typed, expected", [
    ("13800138000", {"zhangsan"}),
    ("8000", {"zhangsan", "october"}),  # last four digits of two numbers
    ("张三", {"zhangsan"}),
    ("王", {"wangwei"}),  # one character: a prefix of a name bigram
    ("zs", {"zhangsan"}),  # pinyin initials
    ("3-2-1201", {"zhangsan"}),
    ("漏水", {"zhangsan"}),  # two-character word
    ("停电", {"wangwei"}),
    ("电梯", {"lisi"}),
    ("天花板渗水", {"zhangsan"}),  # longer text
    ("电梯故障 被困", {"lisi"}),  # several words, all must match
    ("elevator", {"english"}),
    ("ELEVATOR floors", {"english"}),
    ("courier", {"english"}),  # handling steps are searched too
    ("Garden", {"english"}),  # and the address
    ("CT20261120-9000", {"zhangsan"}),
    (LINKED["work_order"], {"zhangsan"}),  # the contact that opened the work order
    (LINKED["work_order"].lower(), {"zhangsan"}),
    (LINKED["complaint"], {"lisi"}),
    (LINKED["customer"], {"english"}),  # the contacts of a customer, by the customer code
    ("1380013", {"zhangsan"}),  # the first 7 digits of a phone
    ("1391234567", {"lisi"}),  # ten of its eleven digits
    ("138 0013 8", {"zhangsan"}),
])
def test_each_search_kind_finds_the_contact(ro, known, typed, expected):
    got = set(ids_for(ro, reg.Query(search=typed)))
    want = {known[k] for k in expected}
    assert want <= got
    # known rows that should not match do not
    others = {known[k] for k in known} - want
    assert not (got & others), typed


@pytest.mark.parametrize("typed", ["WO20991231-0001", "CP20991231-0001", "C20991231001", "1999999", "0999999"])
def test_a_number_nobody_has_finds_nothing(ro, typed):
    with read_session(ro) as s:
        assert reg.page_after(s, reg.Query(search=typed)).rows == ()
        assert reg.count(s, reg.Query(search=typed)) == 0


def test_a_phone_prefix_is_the_start_of_the_number_not_any_digits(ro, known):
    # 0013800 is inside 13800138000, not its start; 8000 alone is the last four
    assert known["zhangsan"] not in ids_for(ro, reg.Query(search="0013800"))
    assert ids_for(ro, reg.Query(search="1370000"), limit=5000) == [known["october"]]
    assert ids_for(ro, reg.Query(search="3700008"), limit=5000) == []


def test_substring_inside_a_longer_chinese_run(ro, known):
    # 渗水 sits in the middle of 楼下天花板渗水; 板渗 straddles two words
    assert known["zhangsan"] in ids_for(ro, reg.Query(search="板渗"))
    assert ids_for(ro, reg.Query(search="漏电")) == [] or known["zhangsan"] not in ids_for(ro, reg.Query(search="漏电"))


HOSTILE = ['"', "'", '""', "%", "_", "%_%", "*", "漏*", '"漏水', "NEAR", "NEAR(漏水 电梯)", "AND", "OR", "NOT",
           "漏水 AND", "漏水 OR 电梯", "- ", "^", "body:漏水", "{body}: x", "'; DROP TABLE contact; --",
           "1=1 OR", "\\", "\x00", "😀", "　", "x" * 10_000, "漏" * 10_000, "138" * 3000, "3-2-" * 2000,
           "%' OR '1'='1", "[a-z]*", "?", "()", ":", "+", "1234" * 2]


@pytest.mark.parametrize("typed", HOSTILE)
def test_hostile_input_never_errors(ro, known, typed):
    q = reg.Query(search=typed, category="repair", start=local(2026, 1, 1), end=local(2027, 1, 1))
    with read_session(ro) as s:
        for query in (reg.Query(search=typed), q):
            page = reg.page_after(s, query)
            assert isinstance(page.rows, tuple)
            reg.count(s, query)
    # the table is still there
    with read_session(ro) as s:
        assert s.connection().exec_driver_sql("SELECT count(*) FROM contact").scalar() > 0


def test_fts_query_is_only_quoted_terms():
    q = si.fts_query('漏水 "x" NEAR(a b) * AND or')
    assert q == ('{body name} : "漏水" AND {body name} : "x" AND {body name} : "near" AND {body name} : "a" '
                 'AND {body name} : "b" AND {body name} : "and" AND {body name} : "or"')
    assert si.fts_query('"*^-') is None


# --------------------------------------------------------------------------- filters


def test_each_filter(ro, known):
    def only(**kw):
        got = set(ids_for(ro, reg.Query(**kw)))
        return {k for k, v in known.items() if v in got}

    assert only(channel="walk_in") >= {"lisi"} and "zhangsan" not in only(channel="walk_in")
    assert {"zhangsan", "lisi"} <= only(category="repair")  # parent includes repair.water
    assert only(category="repair.water") == {"zhangsan"}
    assert only(category="repair.elevator") == {"lisi"}  # stored as category + sub-type, as intake does
    assert only(category="repair.elevator", search="8000") == set()  # the B-tree path agrees
    assert only(category="repair.elevator", search="13912345678") == {"lisi"}
    assert only(urgency="critical") >= {"lisi"} and "zhangsan" not in only(urgency="critical")
    assert only(outcome="referred") >= {"english"}
    assert "zhangsan" in only(open_only=True) and "lisi" not in only(open_only=True)
    start, end = reg.days_range(date(2026, 11, 18), date(2026, 11, 19))
    assert only(start=start, end=end) == {"lisi", "wangwei"}
    # combined with a search on either path
    assert only(search="漏水", category="repair", start=start - (end - start) * 5, end=end + (end - start) * 5) == {"zhangsan"}
    assert only(search="8000", channel="phone", category="suggestion") == {"october"}


def test_agent_filter(ro, shared, known):
    agents = shared[1]
    mine = set(ids_for(ro, reg.Query(agent_id=agents["1001"].id)))
    assert known["zhangsan"] in mine and known["lisi"] not in mine


def test_periods_are_local_days():
    at = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    start, end = reg.period_range("today", at=at)
    assert (start.isoformat(), end.isoformat()) == ("2026-11-22T00:00:00+08:00", "2026-11-23T00:00:00+08:00")
    start, end = reg.period_range("yesterday", at=at)
    assert start.day == 21 and end.day == 22
    start, end = reg.period_range("week", at=at)
    assert start.date() == date(2026, 11, 16)  # a Monday
    start, end = reg.period_range("month", at=at)
    assert (start.date(), end.date()) == (date(2026, 11, 1), date(2026, 12, 1))

    class Night:
        start, end = "18:00", "23:00"

    start, end = reg.period_range("shift", at=at, shift=Night)
    assert start.hour == 18 and end.hour == 23

    class Cross:
        start, end = "22:00", "06:00"

    start, end = reg.period_range("shift", at=datetime(2026, 11, 21, 20, 0, tzinfo=UTC), shift=Cross)  # 04:00 local
    assert start.day == 21 and start.hour == 22 and end.day == 22 and end.hour == 6


# --------------------------------------------------------------------------- keyset paging


@pytest.mark.parametrize("kw", [{}, {"category": "inquiry"}, {"search": "物业费"}, {"search": "8000"}, {"dates": 1}])
def test_paging_both_ways_walks_the_whole_order(ro, known, kw):
    if kw.pop("dates", None):
        kw = {"start": local(2025, 6, 1), "end": local(2026, 1, 1)}
    q = reg.Query(**kw)
    with read_session(ro) as s:
        built = reg.page_sql(q, limit=None)
        sql, params = reg._named_to_qmark(*built)
        everything = [r[0] for r in s.connection().exec_driver_sql(sql, params)]
        total = reg.count(s, q)
        assert total == len(everything)
        seen, page = [], reg.page_after(s, q, None, limit=7)
        assert page.at_start
        while True:
            seen += [r.id for r in page.rows]
            if page.at_end:
                break
            page = reg.page_after(s, q, page.last, limit=7)
        assert seen == everything
        # and back up from the end
        back, page = [], reg.page_before(s, q, None, limit=7)
        assert page.at_end
        while True:
            back = [r.id for r in page.rows] + back
            if page.at_start:
                break
            page = reg.page_before(s, q, page.first, limit=7)
        assert back == everything
        if len(everything) > 10:
            mid = reg.page_after(s, q, None, limit=10).last
            assert reg.count_newer(s, q, mid) == 9


def test_newest_first_by_received_time_not_by_id(engine, qa, fresh):
    # a contact entered late but received early sorts by its time
    with write_session(engine) as s:
        c = make_contact("CT-LATE", local(2026, 11, 18, 12, 0), qa["1001"].id, "1001", summary="补录漏水")
        s.add(c)
        s.flush()
        late = c.id
    got = ids_for(engine, reg.Query(search="漏水"))
    assert got.index(fresh["zhangsan"]) < got.index(late)
    order = ids_for(engine, reg.Query(start=local(2026, 11, 18), end=local(2026, 11, 21)))
    assert order == [fresh["zhangsan"], fresh["lisi"], late, fresh["wangwei"]]


# --------------------------------------------------------------------------- the index follows edits


def test_index_follows_insert_update_delete(engine, qa, fresh):
    from csdesk.store.models import Contact

    assert ids_for(engine, reg.Query(search="煤气泄漏")) == []
    with write_session(engine) as s:
        c = s.get(Contact, fresh["wangwei"])
        c.summary = "闻到煤气泄漏"
        c.category = "complaint"
        c.status = "open"
    assert ids_for(engine, reg.Query(search="煤气泄漏")) == [fresh["wangwei"]]
    assert ids_for(engine, reg.Query(search="停电恢复")) == []  # the old text is gone
    assert fresh["wangwei"] in ids_for(engine, reg.Query(category="complaint", open_only=True))
    assert fresh["wangwei"] not in ids_for(engine, reg.Query(category="inquiry"))
    with write_session(engine) as s:
        c = s.get(Contact, fresh["wangwei"])
        c.received_at = local(2020, 1, 1)
    with read_session(engine) as s:
        assert reg.page_before(s, reg.Query(category="complaint"), None, limit=1).rows[0].id == fresh["wangwei"]
    with write_session(engine) as s:
        s.delete(s.get(Contact, fresh["wangwei"]))
    assert ids_for(engine, reg.Query(search="煤气")) == []
    with engine.connect() as conn:  # the index is consistent with its content
        conn.exec_driver_sql(f"INSERT INTO {si.FTS_TABLE}({si.FTS_TABLE}, rank) VALUES ('integrity-check', 0)")


def test_bulk_loading_defers_indexing_and_restores_triggers(engine, qa, fresh):
    from csdesk.store.models import Contact

    with engine.begin() as conn:
        with si.bulk_loading(conn):
            names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='trigger'")}
            assert not names & set(si.TRIGGERS)
            conn.exec_driver_sql(
                "INSERT INTO contact(number, received_at, channel, channel_detail, customer_name, name_initials, "
                "phone, phone_ext, unit_key, address, category, subtype, urgency, summary, handling, result, outcome, "
                "status, verified_by, agent_id, agent_staff_no, referred_department, referral_contact, "
                "escalation_reason, created_at) VALUES ('CT-BULK', '2026-11-21 01:00:00.000000', 'phone', '', "
                "'钱七', 'qq', '13611112222', '', '', '', 'repair', '', 'normal', '水表漏水', '', '', 'resolved', "
                "'closed', '', ?, '1001', '', '', '', '2026-11-21 01:00:00.000000')", (qa["1001"].id,))
    names = {r[0] for r in engine.connect().exec_driver_sql("SELECT name FROM sqlite_master WHERE type='trigger'")}
    assert set(si.TRIGGERS) <= names
    got = ids_for(engine, reg.Query(search="水表"))
    assert len(got) == 1
    with read_session(engine) as s:
        assert s.get(Contact, got[0]).number == "CT-BULK"
    assert ids_for(engine, reg.Query(search="qq"))[0] == got[0]


# --------------------------------------------------------------------------- phones, detail, export


def test_masking_and_reveal_is_audited(engine, qa, fresh):
    from sqlmodel import select

    from csdesk.store.models import AuditLog

    with read_session(engine) as s:
        row = reg.page_after(s, reg.Query(search="13800138000")).rows[0]
        assert row.phone == "138****8000" and row.phone_masked
        full = reg.page_after(s, reg.Query(search="13800138000"), full_phones=True).rows[0]
        assert full.phone == "13800138000"
        assert reg.detail(s, fresh["zhangsan"]).phone == "138****8000"
    assert not reg.may_see_full_phones(qa["1001"])
    assert reg.may_see_full_phones(qa["2001"]) and reg.may_see_full_phones(qa["9001"])
    with write_session(engine) as s:
        assert reg.reveal_phone(s, fresh["zhangsan"], qa["1001"]) == "13800138000"
    with read_session(engine) as s:
        audit = s.exec(select(AuditLog).where(AuditLog.action == "reveal_phone")).one()
        assert audit.agent_id == qa["1001"].id and audit.entity_id == fresh["zhangsan"]
        assert audit.at is not None


def test_detail_has_steps_and_links(engine, qa, fresh):
    from csdesk.store.models import Callback, Complaint, Contact, WorkOrder

    with write_session(engine) as s:
        wo = WorkOrder(number="WO20261120-0001", customer_name="张三", description="修水管",
                       deadline_at=local(2026, 11, 20, 11, 15), owner_id=qa["1001"].id,
                       created_by_id=qa["1001"].id)
        cp = Complaint(number="CP20261120-0001", customer_name="张三", about="维修太慢")
        s.add(wo)
        s.add(cp)
        s.flush()
        c = s.get(Contact, fresh["zhangsan"])
        c.work_order_id, c.complaint_id = wo.id, cp.id
        s.add(Callback(kind="promised_reply", due_at=local(2026, 11, 20, 10, 15), contact_id=c.id,
                       customer_name="张三", phone="13800138000"))
    with read_session(engine) as s:
        d = reg.detail(s, fresh["zhangsan"])
        assert d.handling_steps == ("1. 核实住户信息", "2. 通知工程部上门", "3. 告知预计到达时间")
        assert [link.kind for link in d.links] == ["work_order", "complaint", "callback"]
        row = reg.page_after(s, reg.Query(search="张三")).rows[0]
        assert row.work_order_number == "WO20261120-0001"
        rec = reg.linked_record(s, "work_order", d.links[0].id)
        assert rec.title.endswith("WO20261120-0001") and ("To do", "修水管") in rec.fields
        assert reg.linked_record(s, "callback", d.links[2].id).fields[3] == ("Phone", "138****8000")
        assert reg.linked_record(s, "complaint", d.links[1].id) is not None


def test_export_rows_and_files(ro, known, tmp_path):
    from openpyxl import load_workbook

    from csdesk.domain.text import csv_safe
    from csdesk.services import export as ex

    q = reg.Query(start=local(2026, 11, 1), end=local(2026, 12, 1))
    col = {c.key: i for i, c in enumerate(reg.EXPORT_COLUMNS)}
    with read_session(ro) as s:
        rows = list(reg.export_rows(s, q, batch=2))
        assert all(len(r) == len(reg.EXPORT_COLUMNS) for r in rows)
        assert [r[0] for r in rows] == [f"CT202611{d}-900{i}" for d, i in (("20", 0), ("19", 1), ("18", 2), ("17", 3))]
        assert rows[0][col["phone"]] == "138****8000"
        assert rows[0][col["received_at"]] == local(2026, 11, 20, 9, 15)  # an aware time: a real date in a workbook
        csv_res = ex.write(tmp_path / "r.csv", reg.export_headers(), reg.export_rows(s, q), fmt="csv")
        xlsx_res = ex.write(tmp_path / "r.xlsx", reg.export_headers(), reg.export_rows(s, q, full_phones=True),
                            fmt="xlsx", widths=reg.export_widths())
    raw = (tmp_path / "r.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert back[0] == list(reg.export_headers())
    # times as local wall time text; cells a spreadsheet would run as a formula (+44… here) carry a leading quote
    assert back[1][col["received_at"]] == "2026-11-20 09:15:00"

    def as_csv(v):
        if isinstance(v, datetime):
            return to_local(v).replace(tzinfo=None).isoformat(sep=" ")
        return "" if v is None else csv_safe(v)

    assert [tuple(r) for r in back[1:]] == [tuple(as_csv(v) for v in r) for r in rows]
    assert "'+44****0000" in [r[col["phone"]] for r in back[1:]]
    assert csv_res.rows == xlsx_res.rows == 4
    ws = load_workbook(tmp_path / "r.xlsx").active
    values = list(ws.values)
    assert values[0] == reg.export_headers()
    assert values[1][0] == "CT20261120-9000" and values[1][col["phone"]] == "13800138000"
    # a real Excel date (local wall time), not text
    assert values[1][col["received_at"]] == datetime(2026, 11, 20, 9, 15)
    assert ws.cell(2, col["received_at"] + 1).is_date
    summary = col["summary"]
    letter = ws.cell(1, summary + 1).column_letter
    assert abs(ws.column_dimensions[letter].width - reg.EXPORT_COLUMNS[summary].width) < 1  # characters + padding
    assert ws.freeze_panes == "A2" and ws["A1"].font.b
    assert not list(tmp_path.glob("*.part"))
    # text stays text in the workbook: a summary like a formula or a link is not evaluated
    from csdesk.services.export import write

    write(tmp_path / "f.xlsx", ["Summary"], [("=1+1",), ("http://example.com",)], fmt="xlsx")
    sheet = load_workbook(tmp_path / "f.xlsx").active
    assert [c.value for c in sheet["A"]] == ["Summary", "=1+1", "http://example.com"]
    assert sheet["A2"].data_type == "s" and not sheet["A3"].hyperlink


# --------------------------------------------------------------------------- query plans


def interactive_queries(known_phone="13800138000"):
    """Every interactive query shape of the register (search kinds x filters)."""
    searches = ["", known_phone, "8000", "张三", "zs", "3-2-1201", "漏水", "天花板渗水", "elevator", "王",
                "CT20261120-9000", LINKED["work_order"], LINKED["complaint"], LINKED["customer"], "1380013",
                "13", "0106234"]
    month = dict(start=local(2026, 11, 1), end=local(2026, 12, 1))
    filters = [{}, month, {"category": "repair"}, {"channel": "phone"}, {"urgency": "urgent"},
               {"outcome": "resolved"}, {"agent_id": 1}, {"open_only": True},
               {**month, "category": "repair", "channel": "phone"}]
    for s in searches:
        for f in filters:
            yield reg.Query(search=s, **f)


def assert_no_scan(lines: list[str], what, *, unfiltered: bool = False, count: bool = False) -> None:
    for line in lines:
        if not line.startswith("SCAN"):
            continue
        if "VIRTUAL TABLE INDEX" in line:
            # an FTS5 lookup shows as "SCAN contact_fts VIRTUAL TABLE INDEX n:M…": M is the MATCH
            assert ":M" in line, (what, lines)
        elif unfiltered and not count:
            # the plain register: walk the time index in order, stopped by LIMIT after one page
            assert line == "SCAN c USING INDEX ix_contact_received", (what, lines)
        elif unfiltered and count:
            # counting the whole register is a scan of an index: done lazily, after the first paint
            assert "USING COVERING INDEX" in line, (what, lines)
        else:
            raise AssertionError((what, lines))


@pytest.mark.parametrize("analyze", [False, True])
def test_no_interactive_query_scans_a_large_table(engine, analyze):
    from tests.test_register_data import quick_agents

    agents = quick_agents(engine)
    link_records(engine, agents, seed(engine, agents))
    add_filler(engine, agents, 3000)
    if analyze:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    cursor = reg.Cursor("2026-01-01 00:00:00.000000", 10, si.time_key(datetime(2026, 1, 1, tzinfo=UTC), 10))
    checked = 0
    with read_session(engine) as s:
        for q in interactive_queries():
            for kwargs in ({}, {"cursor": cursor}, {"cursor": cursor, "newer": True}, {"count_query": True}):
                lines = reg.explain(s, q, **kwargs)
                assert lines, q
                assert_no_scan(lines, (q, kwargs), unfiltered=q == reg.Query() and "newer" not in kwargs,
                               count=bool(kwargs.get("count_query")))
                if reg.plan(q).path == "btree" and q.search.strip() == "" and not kwargs.get("count_query"):
                    # plain paging reads the time index in order: no sort of the table
                    assert not any("TEMP B-TREE" in line for line in lines), (q, lines)
                checked += 1
    assert checked > 500


def test_bulk_loading_in_steps_within_one_transaction(engine, qa, fresh):
    """The demo loads in steps: bulk_loading entered again on the same connection."""
    insert = ("INSERT INTO contact(number, received_at, channel, channel_detail, customer_name, name_initials, "
              "phone, phone_ext, unit_key, address, category, subtype, urgency, summary, handling, result, outcome, "
              "status, verified_by, agent_id, agent_staff_no, referred_department, referral_contact, "
              "escalation_reason, created_at) VALUES (?, ?, 'phone', '', '', '', '', '', '', '', 'repair', '', "
              "'normal', ?, '', '', 'resolved', 'closed', '', ?, '1001', '', '', '', ?)")
    with engine.begin() as conn:
        with si.bulk_loading(conn, optimize=False):
            conn.exec_driver_sql(insert, ("CT-S1", "2026-11-21 02:00:00.000000", "第一批燃气表", qa["1001"].id,
                                          "2026-11-21 02:00:00.000000"))
        with si.bulk_loading(conn):
            conn.exec_driver_sql(insert, ("CT-S2", "2026-11-21 03:00:00.000000", "第二批燃气表", qa["1001"].id,
                                          "2026-11-21 03:00:00.000000"))
    got = ids_for(engine, reg.Query(search="燃气表"))
    assert len(got) == 2
    with engine.connect() as conn:
        conn.exec_driver_sql(f"INSERT INTO {si.FTS_TABLE}({si.FTS_TABLE}, rank) VALUES ('integrity-check', 0)")


def test_export_has_the_handbooks_fields_and_the_complaint_tracking_record(engine, qa):
    """The extra columns carry their values: customer code, sub-channel, result, satisfaction, closed
    time, referral department, escalation reason, identity check, and the complaint's tracking fields."""
    from csdesk.store.models import Complaint, Contact
    from tests.test_register_data import link_records

    ids = seed(engine, qa)
    link_records(engine, qa, ids)
    with write_session(engine) as s:
        c = s.get(Contact, ids["english"])
        c.channel, c.channel_detail, c.satisfaction, c.result = "online", "mini_program", 4, "已答复"
        c.closed_at, c.referred_department, c.referral_contact = local(2026, 11, 17, 12, 0), "engineering", "王工"
        c.identity_verified, c.verified_by = True, "name_on_record"
        lisi = s.get(Contact, ids["lisi"])
        lisi.escalation_reason = "困人超过半小时"
        cp = s.get(Complaint, lisi.complaint_id)
        cp.complained_at, cp.order_ref, cp.first_handler_staff_no = local(2026, 11, 19, 8, 0), "WO-OLD-1", "2001"
        cp.escalated_at, cp.escalation_reason = local(2026, 11, 19, 8, 30), "需主管处理"
        cp.plan, cp.customer_response = "当日派维保单位检修", "满意"
    col = {c.key: i for i, c in enumerate(reg.EXPORT_COLUMNS)}
    with read_session(engine) as s:
        rows = {r[0]: r for r in reg.export_rows(s, reg.Query())}
        numbers = {k: s.get(Contact, v).number for k, v in ids.items()}
    english, lisi = rows[numbers["english"]], rows[numbers["lisi"]]
    assert english[col["customer_code"]] == "C20261117001"
    assert english[col["sub_channel"]] == "mini program" and english[col["satisfaction"]] == 4
    assert english[col["result"]] == "已答复" and english[col["closed_at"]] == local(2026, 11, 17, 12, 0)
    assert english[col["referred_department"]] == "Engineering"  # its name (English in this test), not its code
    assert english[col["referral_contact"]] == "王工"
    assert english[col["identity_check"]] == "yes (name on record)"
    assert lisi[col["escalation_reason"]] == "困人超过半小时" and lisi[col["complaint"]] == "CP20261119-0002"
    assert lisi[col["complained_at"]] == local(2026, 11, 19, 8, 0) and lisi[col["complaint_about"]] == "电梯困人"
    assert lisi[col["order_concerned"]] == "WO-OLD-1" and lisi[col["first_handler"]].startswith("2001")
    assert lisi[col["complaint_escalated_at"]] == local(2026, 11, 19, 8, 30)
    assert lisi[col["complaint_escalation_reason"]] == "需主管处理"
    assert lisi[col["supervisor_plan"]] == "当日派维保单位检修" and lisi[col["customer_response"]] == "满意"
    assert english[col["complaint"]] == "" and english[col["complaint_status"]] == ""
