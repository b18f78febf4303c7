"""``csdesk order …`` and ``csdesk technician …``: work orders from scripts, with the console's rules.

- ``order list|show``: the F3 views and search, masked phones unless ``--full``
  (a supervisor's, with their password, audited);
- ``order new|move|complete|note|explain|print``: as the agent named by ``--as``
  (or ``CSDESK_AGENT``), like ``csdesk intake``; a deadline of one's own
  (``order new --deadline``) and ``order ack`` are a supervisor's and ask for
  the password;
- ``technician list|add|deactivate``: the roster (adding and taking off is the
  manager's, with the password).

User errors are one line on stderr (``csdesk: …``) and exit 2.
"""


import json
from typing import Annotated

import typer

from csdesk.cli.auth import AsOnlyOption, authenticated, identified
from csdesk.cli.common import DbOption, fail, open_db
from csdesk.cli.output import FormatOption, emit
from csdesk.i18n import _

FullOption = Annotated[bool, typer.Option("--full", help="Full phone numbers (supervisors, with the password; audited).")]


def _desk_errors():
    """Turn the services' user errors into one line and exit 2."""
    from contextlib import contextmanager

    from csdesk.domain.errors import DeskError

    @contextmanager
    def guard():
        try:
            yield
        except DeskError as exc:
            fail(str(exc))

    return guard()


def _order_id(session, number: str) -> int:
    from csdesk.services.register import find_record_id

    found = find_record_id(session, "workorder", (number or "").strip().upper())
    if found is None:
        fail(_("no work order numbered {number}").format(number=(number or "")[:40]))
    return found


def _on_order(ctx, db, as_, number: str, act, *, password: bool = False):
    """Open the database, identify the actor (with the password: ``password``), and run
    ``act(session, actor, order_id)`` in one write, the desk's refusals as one line."""
    from csdesk.services.database import write_session

    engine = open_db(ctx, db)
    actor = (authenticated if password else identified)(engine, as_)
    with _desk_errors(), write_session(engine) as session:
        return act(session, actor, _order_id(session, number))


def _parse_fee(value: str) -> tuple[str, int]:
    code, _sep, qty = value.replace("×", "*").replace(":", "*").partition("*")
    if qty and not qty.strip().isdigit():
        fail(_("--fee: use CODE or CODE*QUANTITY, e.g. tap_replace*2"))
    return code.strip(), int(qty) if qty else 1


def _when(value: str | None, option: str):
    from csdesk.services.order_form import parse_when

    try:
        return parse_when(value or "")
    except ValueError as exc:
        fail(f"{option}: {exc}")


def _viewer(engine, as_: str | None, full: bool):
    if full:
        from csdesk.domain.policy import Act, require

        actor = authenticated(engine, as_)
        with _desk_errors():
            require(actor, Act.SEE_FULL_PHONE)
        return actor
    return identified(engine, as_)


def _audit_full(engine, actor, what: str) -> None:
    from csdesk.services.audit import Action, record
    from csdesk.services.database import write_session

    with write_session(engine) as session:
        record(session, actor, Action.FULL_PHONES, "workorder", detail=what[:500])


def register(app: typer.Typer) -> None:
    order = typer.Typer(name="order", help="Work orders: list, show, open, move, complete, print.",
                        no_args_is_help=True, rich_markup_mode=None)
    app.add_typer(order, name="order")

    @order.command("list")
    def list_(
        ctx: typer.Context,
        view: Annotated[str, typer.Option("--view", help="mine, department, escalated, overdue, due_today, on_hold, "
                                                         "awaiting_visit or all.")] = "mine",
        department: Annotated[str | None, typer.Option("--department", help="The department view's department.")] = None,
        search: Annotated[str, typer.Option("--search", help="Order number, phone, last 4 digits, name, pinyin "
                                                             "initials, unit (3-2-1201) or words.")] = "",
        limit: Annotated[int, typer.Option("--limit", min=1, max=10000, help="Rows to print.")] = 50,
        fmt: FormatOption = None,
        full: FullOption = False,
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """List work orders as F3 does (one view, optionally searched)."""
        from csdesk.clock import fmt as show
        from csdesk.clock import now
        from csdesk.services import order_list as ol
        from csdesk.services.database import read_session
        from csdesk.services.reference import departments

        if view not in ol.VIEWS:
            fail(_("--view: choose one of: {choices}").format(choices=", ".join(ol.VIEWS)))
        engine = open_db(ctx, db)
        actor = _viewer(engine, as_, full)
        at = now()
        with read_session(engine) as session:
            deps = {d.code: d for d in departments(session)}
            dep = (department or "engineering").strip()
            found = next((d for d in deps.values() if dep in (d.code, d.name_zh) or dep.lower() == d.name_en.lower()),
                         None)
            if view == "department" and found is None:
                fail(_("--department: unknown department {value!r}").format(value=dep))
            q = ol.ListQuery(view=view, search=search, owner_id=actor.id, department=found.code if found else "",
                             at=at)
            page = ol.page_after(session, q, limit=limit, full_phones=full)
            total = ol.count(session, q) if page.rows else 0
        if full:
            _audit_full(engine, actor, f"order list {view} {search!r}: {len(page.rows)} rows")
        rows = []
        for r in page.rows:
            due = r.due(at)
            rows.append({
                "number": r.number, "status": r.status.value, "urgency": r.urgency.value,
                "deadline": show(r.deadline_at, "%Y-%m-%d %H:%M"), "due": due.value if due else "",
                "dispatch_late": r.dispatch_late(at), "customer": r.customer_name, "phone": r.phone,
                "unit": r.unit, "department": r.department, "technician": r.technician, "owner": r.owner_staff_no,
                "explanation": r.explanation(at).value, "summary": r.summary,
            })
        columns = [("number", _("Order")), ("status", _("Status")), ("urgency", _("Urgency")),
                   ("deadline", _("Deadline")), ("due", _("Due state")), ("dispatch_late", _("Not dispatched in 5 min")),
                   ("customer", _("Customer")), ("phone", _("Phone")), ("unit", _("Unit")),
                   ("department", _("Department")), ("technician", _("Technician")), ("owner", _("Owner")),
                   ("explanation", _("Explanation")), ("summary", _("To do"))]
        emit(rows, columns, fmt, title=ol.view_label(view),
             note=_("{shown} of {total} shown.").format(shown=len(rows), total=total))

    @order.command("show")
    def show_(
        ctx: typer.Context,
        number: Annotated[str, typer.Argument(help="The order number, WO20261122-0007.")],
        fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
        full: FullOption = False,
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """Show one order in full, with its fee lines and timeline."""
        from csdesk.clock import fmt as show
        from csdesk.clock import now
        from csdesk.services.database import read_session
        from csdesk.services.orders import order_detail

        engine = open_db(ctx, db)
        actor = _viewer(engine, as_, full)
        with read_session(engine) as session:
            detail = order_detail(session, _order_id(session, number), full_phones=full)
        if full:
            _audit_full(engine, actor, f"order show {detail.number}")
        at = now()
        fields = [
            ("number", _("Order"), detail.number), ("status", _("Status"), detail.status.label),
            ("customer", _("Customer"), detail.customer_name), ("phone", _("Phone"), detail.phone),
            ("unit", _("Unit / address"), " ".join(x for x in (detail.unit_key, detail.address) if x)),
            ("description", _("To do"), detail.description), ("category", _("Category"), detail.subtype or detail.category),
            ("urgency", _("Urgency"), detail.urgency.label), ("department", _("Department"), detail.department),
            ("appointment", _("Appointment"), show(detail.appointment_at, "%Y-%m-%d %H:%M")),
            ("deadline", _("Deadline"), show(detail.deadline_at, "%Y-%m-%d %H:%M")),
            ("technician", _("Technician"), detail.technician),
            ("paid", _("Paid"), detail.paid), ("quote", _("Quote"), detail.quote.text() if detail.paid else ""),
            ("price_told", _("customer told the price"), detail.price_told),
            ("received", _("Received"), show(detail.received_at, "%Y-%m-%d %H:%M:%S")),
            ("dispatch_late", _("Not dispatched in 5 min"), detail.dispatch_late(at)),
            ("owner", _("Owner"), f"{detail.owner_staff_no} {detail.owner_name}".strip()),
            ("explanation", _("Explanation"), detail.explanation_state(at).value),
            ("copies_printed", _("Copies printed"), detail.copies_printed),
        ]
        if detail.completed_at:
            fields += [("result", _("Result"), detail.result), ("satisfaction", _("Satisfaction"), detail.satisfaction)]
        events = [{"at": show(e.at, "%Y-%m-%d %H:%M:%S"), "by": e.staff_no, "kind": e.kind, "what": e.describe()}
                  for e in detail.events]
        if fmt == "json":
            out = {key: value for key, _label, value in fields}
            out["fees"] = [{"code": line.code, "name": line.name, "quantity": line.quantity, "price_fen": line.price_fen}
                           for line in detail.quote.lines]
            out["events"] = events
            typer.echo(json.dumps(out, ensure_ascii=False, indent=1))
            return
        if fmt != "table":
            fail(_("--format: choose one of: {choices}").format(choices="table, json"))  # one order: no tsv/csv
        emit([{"field": label, "value": value} for _key, label, value in fields], [("field", " "), ("value", " ")],
             "table", title=detail.number)
        if detail.quote.lines:
            emit([{"item": line.name, "qty": line.quantity,
                   "price": _("price on inspection") if line.on_inspection else line.price_fen / 100}
                  for line in detail.quote.lines], [("item", _("Fees")), ("qty", "×"), ("price", "¥")], "table")
        emit(events, [("at", _("Time")), ("by", _("Staff no.")), ("what", _("Event"))], "table")

    @order.command("new")
    def new(
        ctx: typer.Context,
        description: Annotated[str, typer.Option("--description", "-d", help="What is to be done.")],
        category: Annotated[str, typer.Option("--category", help="Category or sub-type code or name (repair.water, 水电维修 …).")] = "repair",
        phone: Annotated[str, typer.Option("--phone", help="The customer's phone.")] = "",
        name: Annotated[str, typer.Option("--name", help="The customer's name.")] = "",
        unit: Annotated[str, typer.Option("--unit", help="Building-entrance-room, 3-2-1201.")] = "",
        address: Annotated[str, typer.Option("--address", help="Or a free address.")] = "",
        urgency: Annotated[str, typer.Option("--urgency", help="normal, urgent, critical.")] = "normal",
        department: Annotated[str, typer.Option("--department", help="Department (default: the category's).")] = "",
        appointment: Annotated[str, typer.Option("--appointment", help="14:30, 明天 9:00, 2026-12-01 09:30.")] = "",
        technician: Annotated[str, typer.Option("--technician", help="Code or name from the department's roster.")] = "",
        fee: Annotated[list[str] | None, typer.Option("--fee", help="A fee item, CODE or CODE*QTY (repeat); makes the work paid.")] = None,
        told: Annotated[bool, typer.Option("--told", help="The customer was told the price.")] = False,
        deadline: Annotated[str, typer.Option("--deadline", help="A deadline of your own (supervisors, with --reason).")] = "",
        reason: Annotated[str, typer.Option("--reason", help="Why the deadline differs.")] = "",
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """Open a work order directly (as on F3); prints its number."""
        from csdesk.config import load_settings
        from csdesk.services.database import write_session
        from csdesk.services.order_form import OrderForm, create_order

        fees = tuple(_parse_fee(f) for f in (fee or []))
        engine = open_db(ctx, db)
        actor = authenticated(engine, as_) if deadline else identified(engine, as_)
        form = OrderForm(phone=phone, name=name, building=unit, address=address, description=description,
                         category=category, urgency=urgency, department=department, appointment=appointment,
                         technician=technician, paid=bool(fees), fees=fees, price_told=told, deadline=deadline,
                         deadline_reason=reason)
        with _desk_errors(), write_session(engine) as session:
            info = create_order(session, actor, form, settings=load_settings())
        typer.echo(info.number)

    @order.command("move")
    def move_(
        ctx: typer.Context,
        number: Annotated[str, typer.Argument(help="The order number.")],
        status: Annotated[str, typer.Argument(help="dispatched, in_progress, on_hold, cancelled, closed (or 已派工 …).")],
        reason: Annotated[str, typer.Option("--reason", help="Why (on hold, cancelled).")] = "",
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """Move an order along its lifecycle (done: use `order complete`)."""
        from csdesk.domain import OrderStatus
        from csdesk.services.orders import move

        try:
            target = OrderStatus.parse(status)
        except ValueError as exc:
            fail(f"STATUS: {exc}")
        info = _on_order(ctx, db, as_, number, lambda s, actor, order_id: move(s, actor, order_id, target, reason=reason))
        typer.echo(f"{info.number} {info.status.label}")

    @order.command("complete")
    def complete_(
        ctx: typer.Context,
        number: Annotated[str, typer.Argument(help="The order number.")],
        satisfaction: Annotated[int, typer.Option("--satisfaction", min=1, max=5, help="The customer's score, 1-5.")],
        result: Annotated[str, typer.Option("--result", help="What was done.")],
        materials: Annotated[str, typer.Option("--materials", help="Materials used.")] = "",
        fee_charged: Annotated[str, typer.Option("--fee-charged", help="Fee charged, in yuan.")] = "",
        signed: Annotated[bool, typer.Option("--signed", help="The customer signed the paper slip.")] = False,
        opinion: Annotated[str, typer.Option("--opinion", help="The customer's opinion.")] = "",
        by: Annotated[str, typer.Option("--by", help="The technician who did the work (default: the order's).")] = "",
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """Record the completion; a score of 1-3 creates a call-back for the agent who took the call."""
        from csdesk.domain.fees import parse_yuan
        from csdesk.services.orders import Completion, complete

        try:
            fee = parse_yuan(fee_charged)
        except ValueError as exc:
            fail(f"--fee-charged: {exc}")
        done = Completion(satisfaction, result=result, materials=materials, fee_charged_fen=fee, signed=signed,
                          opinion=opinion, completed_by=by)
        info = _on_order(ctx, db, as_, number, lambda s, actor, order_id: complete(s, actor, order_id, done))
        typer.echo(f"{info.number} {info.status.label}" + (
            "  " + _("call-back due within 2 hours") if info.low_score_callback_id else ""))

    @order.command("note")
    def note_(
        ctx: typer.Context,
        number: Annotated[str, typer.Argument(help="The order number.")],
        text: Annotated[str, typer.Argument(help="The note.")],
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """Add a note to the order's timeline."""
        from csdesk.services.orders import add_note

        _on_order(ctx, db, as_, number, lambda s, actor, order_id: add_note(s, actor, order_id, text))

    @order.command("explain")
    def explain_(
        ctx: typer.Context,
        number: Annotated[str, typer.Argument(help="The order number.")],
        why: Annotated[str, typer.Option("--why", help="Why the deadline was missed.")],
        plan: Annotated[str, typer.Option("--plan", help="How and by when it will be caught up.")],
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """The owner's explanation of an overdue order (owed within 1 hour of the escalation)."""
        from csdesk.services.orders import explain_overdue

        _on_order(ctx, db, as_, number, lambda s, actor, order_id: explain_overdue(s, actor, order_id, why, plan))

    @order.command("ack")
    def ack_(
        ctx: typer.Context,
        number: Annotated[str, typer.Argument(help="The order number.")],
        note: Annotated[str, typer.Option("--note", help="The supervisor's remark.")] = "",
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """Acknowledge the owner's explanation of an overdue order (supervisors, with the password)."""
        from csdesk.services.orders import acknowledge_explanation

        _on_order(ctx, db, as_, number, lambda s, actor, order_id: acknowledge_explanation(s, actor, order_id, note),
                  password=True)

    @order.command("print")
    def print_(
        ctx: typer.Context,
        number: Annotated[str, typer.Argument(help="The order number.")],
        fmt: Annotated[str, typer.Option("--format", help="text, html, pdf, lp (the system printer) or escpos.")] = "text",
        copies: Annotated[str, typer.Option("--copies", help="all, or some of customer,engineering,file.")] = "all",
        output: Annotated[str | None, typer.Option("-o", "--output", help="File to write (text, html, pdf); text goes to stdout without it.")] = None,
        printer: Annotated[str | None, typer.Option("--printer", help="lp: the printer's name; escpos: net:HOST, usb:VID:PID, serial:DEV or file:PATH (or CSDESK_ESCPOS).")] = None,
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """Print the slip in three copies (customer, engineering, file); every print is recorded."""
        import os
        from pathlib import Path

        from csdesk.services import slip as sl
        from csdesk.services.database import read_session, write_session

        if fmt not in sl.FORMATS:
            fail(_("--format: choose one of: {choices}").format(choices=", ".join(sl.FORMATS)))
        with _desk_errors():
            which = sl.parse_copies(copies)
        if fmt == "pdf" and output is None:
            fail(_("--format pdf needs -o FILE"))
        engine = open_db(ctx, db)
        actor = identified(engine, as_)
        with _desk_errors():
            from csdesk.domain.policy import Act, require

            require(actor, Act.PRINT)
            with read_session(engine) as session:
                order_id = _order_id(session, number)
                slip = sl.build_slip(session, order_id, actor)
            target = output or ""
            if fmt == "lp":
                target = sl.send_to_lp(sl.render_pdf(slip, which), title=slip.number, printer=printer)
            elif fmt == "escpos":
                spec = printer or os.environ.get("CSDESK_ESCPOS", "")
                sl.print_escpos(slip, sl.open_escpos(spec), which)
                target = spec
            else:
                data = {"text": lambda: sl.render_text(slip, which), "html": lambda: sl.render_html(slip, which),
                        "pdf": lambda: sl.render_pdf(slip, which)}[fmt]()
                if output is None:
                    typer.echo(data, nl=False)
                else:
                    path = Path(output)
                    if not path.parent.exists():
                        fail(_("the folder {folder} does not exist").format(folder=path.parent))
                    try:
                        if isinstance(data, bytes):
                            path.write_bytes(data)
                        else:
                            path.write_text(data, encoding="utf-8")
                    except OSError as exc:
                        fail(_("cannot write {path}: {error}").format(path=path, error=exc.strerror or exc))
            with write_session(engine) as session:
                done = sl.record_print(session, actor, order_id, fmt, which, target)
        if output is not None or fmt in ("lp", "escpos"):
            typer.echo(_("{number}: {copies} printed ({format}){reprint}").format(
                number=done.number, copies=len(which), format=fmt, reprint=" · " + _("reprint") if done.reprint else ""),
                err=output is None and fmt == "text")

    tech = typer.Typer(name="technician", help="The technicians' roster per department.", no_args_is_help=True,
                       rich_markup_mode=None)
    app.add_typer(tech, name="technician")

    @tech.command("list")
    def tech_list(
        ctx: typer.Context,
        department: Annotated[str | None, typer.Option("--department", help="Only this department.")] = None,
        all_: Annotated[bool, typer.Option("--all", help="Include those taken off the roster.")] = False,
        fmt: FormatOption = None,
        db: DbOption = None,
    ) -> None:
        """List the roster."""
        from csdesk.services.database import read_session
        from csdesk.services.technicians import roster

        engine = open_db(ctx, db)
        with read_session(engine) as session:
            rows = roster(session, department, include_inactive=all_)
        emit([{"code": t.code, "name": t.name, "department": t.department_code, "phone": t.phone,
               "hire_date": t.hire_date.isoformat() if t.hire_date else "", "new": t.is_new(), "active": t.active,
               "skills": t.skills} for t in rows],
             [("code", _("Code")), ("name", _("Name")), ("department", _("Department")), ("phone", _("Phone")),
              ("hire_date", _("Hired")), ("new", _("New staff")), ("active", _("Active")), ("skills", _("Skills"))],
             fmt, title=_("Technicians"))

    @tech.command("add")
    def tech_add(
        ctx: typer.Context,
        code: Annotated[str, typer.Argument(help="A stable code, e.g. E09.")],
        name: Annotated[str, typer.Option("--name", help="Full name.")],
        department: Annotated[str, typer.Option("--department", help="Department code.")],
        phone: Annotated[str, typer.Option("--phone", help="Phone.")] = "",
        hire_date: Annotated[str, typer.Option("--hire-date", help="YYYY-MM-DD.")] = "",
        skills: Annotated[str, typer.Option("--skills", help="What they do.")] = "",
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """Add a technician to the roster (managers; written to the roster file in the config directory)."""
        from csdesk.cli.parse import day
        from csdesk.services.database import write_session
        from csdesk.services.technicians import add_technician

        hired = day(hire_date or None, "--hire-date")
        engine = open_db(ctx, db)
        actor = authenticated(engine, as_)
        with _desk_errors(), write_session(engine) as session:
            t = add_technician(session, actor, code=code, name=name, department=department, phone=phone,
                               hire_date=hired, skills=skills)
        typer.echo(f"{t.code} {t.name}")

    @tech.command("deactivate")
    def tech_deactivate(
        ctx: typer.Context,
        code: Annotated[str, typer.Argument(help="The technician's code.")],
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """Take a technician off the roster (managers); old orders keep their name."""
        from csdesk.services.database import write_session
        from csdesk.services.technicians import remove_technician

        engine = open_db(ctx, db)
        actor = authenticated(engine, as_)
        with _desk_errors(), write_session(engine) as session:
            t = remove_technician(session, actor, code)
        typer.echo(f"{t.code} {t.name}")
