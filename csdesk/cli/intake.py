"""``csdesk intake``: record a contact without the console (for a phone system or a script).

Same validation and the same linked records as the intake screen; prints the
new contact's number on success, one line on stderr and a non-zero exit
otherwise.  Vocabulary options take the stable English keys or the Chinese
names (``--category repair`` or ``--category 报修``).
"""


from typing import Annotated

import typer

from csdesk.cli.common import DbOption, fail, open_db
from csdesk.i18n import _


def register(app: typer.Typer) -> None:
    @app.command("intake")
    def intake(
        ctx: typer.Context,
        phone: Annotated[str | None, typer.Option("--phone", help="Caller's phone number.")] = None,
        name: Annotated[str | None, typer.Option("--name", help="Customer's name.")] = None,
        unit: Annotated[str | None, typer.Option("--unit", help="Building-unit-room, e.g. 3-2-1201 or 3栋2单元1201.")] = None,
        address: Annotated[str | None, typer.Option("--address", help="Free address, when not a building-unit-room.")] = None,
        category: Annotated[str | None, typer.Option("--category", help="inquiry, repair, complaint, info_change, suggestion, other, a sub-type (repair.water) or a Chinese name.")] = None,
        subtype: Annotated[str | None, typer.Option("--subtype", help="Sub-type of the category (key or name).")] = None,
        urgency: Annotated[str, typer.Option("--urgency", help="normal, urgent or critical (or 普通/紧急/特急).")] = "normal",
        summary: Annotated[str | None, typer.Option("--summary", help="What the customer needs.")] = None,
        handling: Annotated[str | None, typer.Option("--handling", help="Handling steps, one per line.")] = None,
        outcome: Annotated[str | None, typer.Option("--outcome", help="resolved, work_order, referred, promised or escalated (default: by category).")] = None,
        channel: Annotated[str, typer.Option("--channel", help="phone, walk_in, online, email, outbound or patrol (a finding on patrol: give its place with --unit or --address).")] = "phone",
        sub_channel: Annotated[str | None, typer.Option("--sub-channel", help="For an online contact: app, web, mini_program, wechat, weibo, social or sms (or the Chinese name).")] = None,
        customer: Annotated[str | None, typer.Option("--customer", help="The customer's code, e.g. C20231028001.")] = None,
        caller_number: Annotated[str | None, typer.Option("--caller-number", help="What was given of the caller's number: full (default), partial (--phone …5678) or none.")] = None,
        received: Annotated[str | None, typer.Option("--received", help="When it was received, for entry after the fact: YYYY-MM-DD HH:MM[:SS] or HH:MM (today); default now.")] = None,
        result: Annotated[str | None, typer.Option("--result", help="The result (what came of the handling).")] = None,
        satisfaction: Annotated[str | None, typer.Option("--satisfaction", help="The customer's satisfaction, 1 to 5.")] = None,
        order_ref: Annotated[str | None, typer.Option("--order-ref", help="The customer's own order reference, as said.")] = None,
        agent: Annotated[str | None, typer.Option("--agent", envvar="CSDESK_AGENT", help="Staff number of the agent taking the contact.")] = None,
        department: Annotated[str | None, typer.Option("--department", help="Department referred to (or of the work order).")] = None,
        referral_contact: Annotated[str | None, typer.Option("--referral-contact", help="Contact given to the customer on referral (default: the department's).")] = None,
        promise: Annotated[str | None, typer.Option("--promise", help="Promised reply: minutes (60) or a time (16:30).")] = None,
        reason: Annotated[str | None, typer.Option("--reason", help="One-line reason for escalating.")] = None,
        identity: Annotated[str | None, typer.Option("--identity", help="Caller's answer to the identity check (info_change).")] = None,
        new_phone: Annotated[str | None, typer.Option("--new-phone", help="Information change: the caller's new phone number.")] = None,
        new_name: Annotated[str | None, typer.Option("--new-name", help="Information change: the caller's new name.")] = None,
        new_address: Annotated[str | None, typer.Option("--new-address", help="Information change: the new building-unit-room (3-2-1201) or address.")] = None,
        db: DbOption = None,
    ) -> None:
        """Record a contact (with its outcome) and print its number."""
        from csdesk.cli import parse
        from csdesk.domain import CallerNumber, Channel, Outcome, SubChannel, Urgency
        from csdesk.domain.text import parse_unit, quote_input
        from csdesk.services.intake import LIMITS

        # every option through the shared argument parsing: one line and exit 2 before the database is opened
        def text(value, option, field=None, kind="name", limit=64):
            return parse.text(value, option, kind=kind, limit=LIMITS[field] if field else limit)

        phone, name, address = text(phone, "--phone"), text(name, "--name", "name"), text(address, "--address", "address")
        category, subtype, department = text(category, "--category"), text(subtype, "--subtype"), text(department, "--department")
        summary = text(summary, "--summary", "summary", kind="block")
        handling = text(handling, "--handling", "handling", kind="block")
        referral_contact = text(referral_contact, "--referral-contact", "referral_contact")
        promise = text(promise, "--promise", kind="line", limit=32)
        reason = text(reason, "--reason", "escalation_reason", kind="line")
        identity = text(identity, "--identity", "identity")
        new_phone, new_name = text(new_phone, "--new-phone"), text(new_name, "--new-name", "new_name")
        new_address = text(new_address, "--new-address", "new_address")
        agent = text(agent, "--agent", limit=32)
        customer = text(customer, "--customer", limit=32)
        received = text(received, "--received", kind="line", limit=40)
        result = text(result, "--result", "result", kind="block")
        satisfaction = text(satisfaction, "--satisfaction", kind="line", limit=20)
        order_ref = text(order_ref, "--order-ref", "order_ref")
        sub_channel_value = parse.choice(SubChannel, sub_channel, "--sub-channel").value if sub_channel else ""
        caller_number_value = (parse.choice(CallerNumber, caller_number, "--caller-number").value
                               if caller_number else "")
        channel_value = parse.choice(Channel, channel, "--channel").value
        urgency_value = parse.choice(Urgency, urgency, "--urgency").value
        outcome_value = parse.choice(Outcome, outcome, "--outcome").value if outcome else ""

        building = unit_part = room = ""
        unit = text(unit, "--unit")
        if unit:
            parsed = parse_unit(unit)
            if parsed is None:
                fail(_('--unit "{value}" is not a building-unit-room such as 3-2-1201; use --address for '
                       "a free address").format(value=quote_input(unit)))
            building, unit_part, room = parsed
        if not agent:
            fail(_("give the agent's staff number: --agent STAFFNO (or CSDESK_AGENT)"))

        from csdesk.config import load_settings
        from csdesk.services.accounts import get_agent
        from csdesk.services.intake import IntakeForm, IntakeInvalid, record_contact
        from csdesk.store.engine import write_session

        engine = open_db(ctx, db)
        form = IntakeForm(
            channel=channel_value, phone=phone, name=name, building=building, unit=unit_part, room=room,
            address=address, category=category, subtype=subtype, urgency=urgency_value,
            summary=summary, handling=handling, outcome=outcome_value, department=department,
            referral_contact=referral_contact, promise=promise, escalation_reason=reason,
            identity=identity, customer_code=customer, received=received, result=result,
            satisfaction=satisfaction, order_ref=order_ref, channel_detail=sub_channel_value,
            caller_number=caller_number_value, new_phone=new_phone, new_name=new_name, new_address=new_address)
        try:
            settings = load_settings()
        except Exception as exc:
            fail(_("cannot read the configuration: {error}").format(error=str(exc).splitlines()[0]))
        try:
            with write_session(engine) as session:
                who = get_agent(session, agent)
                if who is None or not who.active:
                    fail(_("no active agent with staff number {staff_no}").format(staff_no=quote_input(agent)))
                saved = record_contact(session, form, who, settings=settings)
        except IntakeInvalid as exc:
            options = {"escalation_reason": "reason", "callback_result": "result", "building": "unit",
                       "unit": "unit", "room": "unit", "customer_code": "customer",
                       "channel_detail": "sub-channel"}
            parts = [f"--{options.get(k, k).replace('_', '-')}: {v}" for k, v in exc.errors.items()]
            fail("; ".join(dict.fromkeys(parts)).replace("\n", " "))
        except typer.Exit:
            raise
        except Exception as exc:
            fail(_("not saved: {error}").format(
                error=quote_input(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, 200)))
        typer.echo(saved.number)
        for note in changed_notes(form, saved):  # stdout keeps the number alone, for scripts
            typer.echo(note, err=True)


def changed_notes(form, saved) -> list:
    """One line for each thing saved otherwise than asked (the service's rules decided)."""
    from csdesk.clock import fmt, to_local
    from csdesk.services.register import label

    notes = []
    if form.outcome and saved.outcome != form.outcome:
        notes.append(_("note: saved as “{saved}”, not “{asked}” as asked{why}").format(
            saved=label("Outcome", saved.outcome), asked=label("Outcome", form.outcome),
            why=_(" (it became complaint {number})").format(number=saved.complaint_number)
            if saved.complaint_number else ""))
    if form.category.split(".")[0] in ("info_change", "信息变更") and not saved.identity_verified:
        notes.append(_("note: the caller's identity was not verified: the change is recorded, not applied"))
    if saved.callback_due_at is not None and (
            to_local(saved.callback_due_at).date() > to_local(saved.received_at).date()):
        notes.append(_("note: the promised reply falls on another day: {when}").format(
            when=fmt(saved.callback_due_at, "%Y-%m-%d %H:%M")))
    return notes
