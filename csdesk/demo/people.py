"""The demo's people: the desk's accounts and rota, and the customers with their
phones and building-unit-room addresses."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from csdesk.demo.run import Run
from csdesk.demo.shape import DAYS, DEMO_PASSWORD, STAFF
from csdesk.demo.texts import (
    ADDRESS,
    COMMUNITY,
    CUSTOMER_NOTES,
    PHONE_LABEL_FAMILY,
    PHONE_LABEL_LANDLINE,
    UNIT_SHORT,
)
from csdesk.domain import Role
from csdesk.i18n import _

_LANDLINE_AREAS = (("010", 8), ("021", 8), ("0755", 8), ("0571", 8), ("020", 8))  # area code, digits after it


# --------------------------------------------------------------------------- the desk's staff


def make_agents(run: Run) -> None:
    """The accounts of :data:`csdesk.demo.shape.STAFF`, one password hash for all."""
    from csdesk.services.accounts import hash_password

    pw = hash_password(DEMO_PASSWORD)  # argon2 is slow: one hash for every account
    today = run.local_day(run.now)
    rows = []
    first = run.ids("agent", len(STAFF))
    for i, s in enumerate(STAFF):
        aid = first + i
        run.agents[s.staff_no] = aid
        if s.left is not None:
            run.left_at[s.staff_no] = run.now - s.left * 86400
        hired = today - timedelta(days=s.hired)
        rows.append(run.row("agent", id=aid, staff_no=s.staff_no, name=s.name, role=s.role, password_hash=pw,
                            active=s.left is None, hire_date=hired.isoformat(),
                            password_changed_at=run.ts(run.now - run.ri(5, 80) * 86400),
                            created_at=run.ts(run.midnight(hired) + 9 * 3600)))
        run.hired_at[s.staff_no] = run.midnight(hired)
        run.hire_date[s.staff_no] = hired
        if s.complained is not None:
            run.complained_at[s.staff_no] = (datetime.fromtimestamp(run.now - s.complained * 86400, run.tz),)
    run.write("agent", rows)
    run.progress(_("accounts written"))


def on_duty(run: Run, shift: str, days_ago: int, epoch: int) -> list[str]:
    """Staff numbers of the agents of ``shift`` working that day (two days off a week)."""
    staff = [s for s in STAFF if s.role == Role.AGENT and s.shift == shift]
    out = [s.staff_no for s in staff
           if (days_ago + s.rota) % 7 not in (5, 6)
           and run.hired_at[s.staff_no] <= epoch and run.left_at.get(s.staff_no, epoch + 1) > epoch]
    if not out:
        out = [s.staff_no for s in staff
               if run.hired_at[s.staff_no] <= epoch and run.left_at.get(s.staff_no, epoch + 1) > epoch]
    return out


# --------------------------------------------------------------------------- customers


@dataclass
class Customers:
    """The customers as parallel lists (by index), for the per-contact hot loop."""

    id: list[int] = field(default_factory=list)
    name: list[str] = field(default_factory=list)
    initials: list[str] = field(default_factory=list)
    unit_key: list[str] = field(default_factory=list)
    address: list[str] = field(default_factory=list)
    short: list[str] = field(default_factory=list)  # 3栋2单元1201, or the address
    phones: list[list[str]] = field(default_factory=list)
    created: list[int] = field(default_factory=list)
    building: list[str] = field(default_factory=list)  # never empty: texts need one
    unit: list[str] = field(default_factory=list)
    room: list[str] = field(default_factory=list)
    old: int = 0  # the first ``old`` were registered before the 90 days: any contact may be theirs

    def __len__(self) -> int:
        return len(self.id)


def make_customers(run: Run) -> None:
    """Customers registered over three years, with one or two phones each; sets ``run.customers``."""
    from faker import Faker

    from csdesk.domain.text import pinyin_initials

    rng = run.rng
    faker = Faker("zh_CN")
    faker.seed_instance(run.rr(2**31))
    n_cust = max(60, min(run.n // 5, 40_000))
    pool_size = max(200, min(n_cust, 6000))
    names = [faker.name() for _ in range(pool_size)]
    initials = {name: pinyin_initials(name) for name in set(names)}
    addresses = [faker.address().split(" ")[0] for _ in range(60)]
    prefixes = [str(p) for p in faker.provider("faker.providers.phone_number").phonenumber_prefixes]
    run.name_pool = names

    # Unit addresses: buildings of 3 units, 18-33 floors, 2-4 rooms a floor.
    per_building = 3 * 26 * 3
    buildings = max(6, math.ceil(n_cust * 1.3 / per_building))
    run.buildings = buildings
    units: set[tuple[int, int, int]] = set()
    while len(units) < n_cust:
        b = run.ri(1, buildings)
        floors = 18 + (b * 7) % 16
        units.add((b, run.ri(1, 3), run.ri(1, floors) * 100 + run.ri(1, 3)))
    units_list = sorted(units)
    rng.shuffle(units_list)

    phones_seen: set[str] = set()

    def new_mobile() -> str:
        while True:
            p = run.pick(prefixes) + f"{run.rr(10**8):08d}"
            if p not in phones_seen:
                phones_seen.add(p)
                return p

    def new_landline() -> str:
        while True:
            area, width = run.pick(_LANDLINE_AREAS)
            p = area + str(run.ri(2, 8)) + f"{run.rr(10**(width - 1)):0{width - 1}d}"
            if p not in phones_seen:
                phones_seen.add(p)
                return p

    # Customers registered over three years; some in the last 90 days.
    created = []
    for _i in range(n_cust):
        if rng.random() < 0.1:
            created.append(run.now - run.ri(1, DAYS) * 86400 - run.ri(0, 86399))
        else:
            created.append(run.now - run.ri(DAYS + 1, 3 * 365) * 86400 - run.ri(0, 86399))
    created.sort()
    by_day: dict[str, list[int]] = {}
    for i, epoch in enumerate(created):
        by_day.setdefault(run.local_day(epoch).strftime("%Y%m%d"), []).append(i)
    codes = [""] * n_cust
    for day, idxs in by_day.items():
        first = run.reserve(f"C{day}", len(idxs))
        for k, i in enumerate(idxs):
            codes[i] = f"C{day}{first + k:03d}"

    first_id = run.ids("customer", n_cust)
    agent_ids = [run.agents[s.staff_no] for s in STAFF if s.role == Role.AGENT]
    rows, phones = [], []
    cust = Customers()
    pid = run.ids("customerphone", 0)
    for i in range(n_cust):
        cid = first_id + i
        name = run.pick(names)
        if rng.random() < 0.05:  # not a resident: a prospect or a visitor
            b = u = room = ""
            key = ""
            addr = run.pick(addresses)
            short = addr
        else:
            bn, un, rn = units_list[i]
            b, u, room = str(bn), str(un), str(rn)
            key = f"{b}-{u}-{room}"
            short = UNIT_SHORT.format(b=b, u=u, room=room)
            addr = ADDRESS.format(community=COMMUNITY, short=short)
        note = run.pick(CUSTOMER_NOTES) if rng.random() < 0.08 else ""
        rows.append(run.row("customer", id=cid, code=codes[i], name=name, name_initials=initials[name],
                            building=b, unit=u, room=room, unit_key=key, address=addr, note=note,
                            created_at=run.ts(created[i]),
                            created_by_id=run.pick(agent_ids) if rng.random() < 0.7 else None))
        nums = [new_mobile()]
        if rng.random() < 0.3:
            nums.append(new_landline() if rng.random() < 0.4 else new_mobile())
        for k, num in enumerate(nums):
            label = "" if k == 0 else (PHONE_LABEL_LANDLINE if num.startswith("0") else PHONE_LABEL_FAMILY)
            phones.append(run.row("customerphone", id=pid, customer_id=cid, phone=num, ext="",
                                  label=label, primary=k == 0))
            pid += 1
        cust.id.append(cid)
        cust.name.append(name)
        cust.initials.append(initials[name])
        cust.unit_key.append(key)
        cust.address.append(addr)
        cust.short.append(short)
        cust.phones.append(nums)
        cust.created.append(created[i])
        cust.building.append(b or "1")
        cust.unit.append(u or "1")
        cust.room.append(room or "101")
    run.ids("customerphone", pid - run.next_id["customerphone"])
    run.write("customer", rows)
    run.write("customerphone", phones)
    cust.old = sum(1 for c in created if c < run.now - DAYS * 86400)
    run.customers = cust
    run.n_cust = n_cust
    run.progress(_("{n} customers written").format(n=n_cust))

