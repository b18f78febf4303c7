"""Test data for the register tests (imported by tests/test_register_*.py and
tests/test_log_*.py): a handful of known contacts plus optional filler."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from csdesk.clock import local

# A fixed "now" for the known rows: they sit in November 2026, local time.
KNOWN = [
    # key, local time (y, m, d, h, min), fields
    ("zhangsan", (2026, 11, 20, 9, 15), dict(
        channel="phone", customer_name="张三", name_initials="zs", phone="13800138000", unit_key="3-2-1201",
        category="repair.water", urgency="urgent", summary="厨房漏水，楼下天花板渗水",
        handling="1. 核实住户信息\n2. 通知工程部上门\n3. 告知预计到达时间", result="已派工",
        outcome="work_order", status="open")),
    ("lisi", (2026, 11, 19, 14, 30), dict(
        channel="walk_in", customer_name="李四", name_initials="ls", phone="13912345678", unit_key="5-1-302",
        category="repair", subtype="repair.elevator", urgency="critical", summary="电梯故障，有人被困", handling="1. 通知电梯维保\n2. 安抚住户",
        result="困人已解救", outcome="escalated", status="closed")),
    ("wangwei", (2026, 11, 18, 10, 0), dict(
        channel="online", channel_detail="app", customer_name="王伟", name_initials="ww", phone="15000001234",
        unit_key="1-1-101", category="inquiry", urgency="normal", summary="询问停电恢复时间",
        handling="1. 查询停电通知", result="告知18:00前恢复", outcome="resolved", status="closed")),
    ("english", (2026, 11, 17, 16, 45), dict(
        channel="email", customer_name="Mr. Smith", name_initials="mrsmith", phone="+442079460000",
        unit_key="", address="12 Garden Road", category="complaint", urgency="normal",
        summary="The elevator is stuck between floors", handling="1. checked the courier record",
        result="courier will redeliver", outcome="referred", status="closed")),
    ("october", (2026, 10, 5, 11, 0), dict(
        channel="phone", customer_name="赵六", name_initials="zl", phone="13700008000", unit_key="3-2-1202",
        category="suggestion", urgency="normal", summary="建议增加儿童游乐设施", handling="",
        result="已记录", outcome="resolved", status="closed")),
]

FILLER_TEXT = ["物业费缴费咨询", "门禁卡失效需要补办", "垃圾清运不及时", "parking card not working",
               "空调外机滴水", "快递显示已签收但未收到"]


def make_contact(number: str, received: datetime, agent_id: int, staff_no: str, **fields):
    from csdesk.store.models import Contact

    values = dict(channel="phone", category="inquiry", urgency="normal", outcome="resolved", status="closed")
    values.update(fields)
    return Contact(number=number, received_at=received, agent_id=agent_id, agent_staff_no=staff_no, **values)


def seed(engine, agents, filler: int = 0, *, seed_value: int = 7) -> dict[str, int]:
    """Insert the known contacts (and ``filler`` random ones, older); return key -> contact id."""
    from csdesk.store.engine import write_session

    agent = agents["1001"]
    other = agents["2001"]
    ids: dict[str, int] = {}
    with write_session(engine) as session:
        rows = {}
        for i, (key, when, fields) in enumerate(KNOWN):
            at = local(*when)  # local time of the test's zone (Asia/Shanghai)
            who = agent if i % 2 == 0 else other
            c = make_contact(f"CT{at:%Y%m%d}-{9000 + i:04d}", at, who.id, who.staff_no, **fields)
            session.add(c)
            rows[key] = c
        session.flush()
        ids = {k: c.id for k, c in rows.items()}
    if filler:
        add_filler(engine, agents, filler, seed_value=seed_value)
    return ids


LINKED = {"work_order": "WO20261120-0001", "complaint": "CP20261119-0002", "customer": "C20261117001"}


def link_records(engine, agents, ids: dict[str, int]) -> None:
    """Zhang San's contact opened a work order, Li Si's a complaint; the English contact's caller
    has a customer record (codes in ``LINKED``): the register finds them by those numbers."""
    from csdesk.store.engine import write_session
    from csdesk.store.models import Complaint, Contact, Customer, WorkOrder

    who = agents["1001"]
    with write_session(engine) as session:
        order = WorkOrder(number=LINKED["work_order"], customer_name="张三", description="修水管",
                          deadline_at=local(2026, 11, 21, 9, 15), owner_id=who.id, created_by_id=who.id,
                          contact_id=ids["zhangsan"])
        complaint = Complaint(number=LINKED["complaint"], customer_name="李四", about="电梯困人",
                              contact_id=ids["lisi"])
        customer = Customer(code=LINKED["customer"], name="Mr. Smith")
        session.add_all([order, complaint, customer])
        session.flush()
        session.get(Contact, ids["zhangsan"]).work_order_id = order.id
        session.get(Contact, ids["lisi"]).complaint_id = complaint.id
        session.get(Contact, ids["english"]).customer_id = customer.id


def add_filler(engine, agents, n: int, *, seed_value: int = 7, start: datetime | None = None) -> None:
    """``n`` random older contacts, inserted in one transaction (triggers index them)."""
    from csdesk.store.engine import write_session

    rnd = random.Random(seed_value)
    start = start or datetime(2025, 1, 1, tzinfo=UTC)
    ag = [agents["1001"], agents["2001"]]
    chans = ["phone", "walk_in", "online", "email", "outbound", "patrol"]
    cats = ["inquiry", "inquiry.fees", "repair", "complaint", "suggestion", "other"]
    with write_session(engine) as session:
        for i in range(n):
            at = start + timedelta(minutes=rnd.randrange(0, 60 * 24 * 600))
            who = rnd.choice(ag)
            session.add(make_contact(
                f"CTF{i:07d}", at, who.id, who.staff_no, channel=rnd.choice(chans),
                customer_name=rnd.choice("陈林黄周吴") + rnd.choice("明华红军"), name_initials="x",
                phone="1" + str(rnd.randrange(3, 10)) + f"{rnd.randrange(10**9):09d}",
                unit_key=f"{rnd.randint(1, 20)}-{rnd.randint(1, 4)}-{rnd.randint(1, 30)}0{rnd.randint(1, 4)}",
                category=rnd.choice(cats), urgency=rnd.choice(["normal"] * 8 + ["urgent", "critical"]),
                summary=rnd.choice(FILLER_TEXT), handling="1. 登记", result="已处理",
                outcome=rnd.choice(["resolved", "work_order", "referred", "promised", "escalated"]),
                status=rnd.choice(["closed"] * 9 + ["open"])))


def quick_agents(engine) -> dict:
    """Agents 1001 (agent), 2001 (supervisor), 9001 (manager) without hashing passwords
    (for databases nobody logs in to)."""
    from sqlmodel import select

    from csdesk.services.accounts import info
    from csdesk.store.engine import write_session
    from csdesk.store.models import Agent

    with write_session(engine) as session:
        made = {}
        for staff_no, name, role in (("1001", "张敏", "agent"), ("2001", "李强", "supervisor"),
                                     ("9001", "王芳", "manager")):
            a = session.exec(select(Agent).where(Agent.staff_no == staff_no)).first()
            if a is not None:  # the test database already has the demo roles
                made[staff_no] = info(a)
                continue
            a = Agent(staff_no=staff_no, name=name, role=role, password_hash="-")
            session.add(a)
            session.flush()
            made[staff_no] = info(a)
    return made


def test_seed_builds_the_known_rows(engine, agents):
    ids = seed(engine, agents)
    assert set(ids) == {k for k, _at, _f in KNOWN}
