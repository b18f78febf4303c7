"""My queue: due call-backs and escalations, nearest first, with a live countdown."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from csdesk.i18n import _


def fmt_span(seconds: int) -> str:
    """``3725`` -> ``1:02:05``; ``125`` -> ``02:05``; over a day -> ``2d 03:00``."""
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return _("{days}d {hours:02d}:{minutes:02d}").format(days=days, hours=hours, minutes=minutes)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def mask_phone(number: str) -> str:
    from csdesk.domain.phones import mask

    return mask(number)


def queue_prompt(item, at: datetime) -> Text:
    """One line of the queue: countdown (red when overdue), what, who."""
    left = item.seconds_left(at)
    text = Text(no_wrap=True, overflow="ellipsis")
    if item.kind == "callback":
        if left < 0:
            text.append(_("overdue {span}").format(span=fmt_span(left)), style="bold red")
        else:
            text.append(_("in {span}").format(span=fmt_span(left)), style="bold green" if left > 600 else "bold yellow")
    else:
        text.append(_("waiting {span}").format(span=fmt_span(left)), style="bold red" if -left > 1800 else "bold yellow")
    text.append("  ")
    text.append(item.title, style="bold")
    if item.customer_name or item.phone:
        text.append(f"  {item.customer_name} {mask_phone(item.phone)}".rstrip())
    if item.kind == "escalation" and item.raised_by:
        text.append(f"  ({item.raised_by})", style="dim")
    note = (item.note or "").split("\n", 1)[0]
    if note:
        text.append(f"  {note}", style="dim")
    return text


class QueuePanel(Vertical):
    """The list; Enter on an item posts :class:`QueuePanel.Chosen`."""

    DEFAULT_CSS = """
    QueuePanel { height: 1fr; min-height: 6; border-top: solid $primary; }
    QueuePanel > #queue-title { text-style: bold; padding: 0 1; }
    QueuePanel > #queue-list { height: 1fr; border: none; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    class Chosen(Message):
        def __init__(self, item) -> None:
            super().__init__()
            self.item = item

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: list = []

    def compose(self) -> ComposeResult:
        yield Static(_("My queue"), id="queue-title")
        yield OptionList(id="queue-list")

    @property
    def list(self) -> OptionList:
        return self.query_one("#queue-list", OptionList)

    def set_items(self, items: list, at: datetime) -> None:
        olist = self.list
        keep = olist.highlighted_option.id if olist.highlighted_option is not None else None
        self.items = list(items)
        olist.set_options([Option(queue_prompt(item, at), id=item.key) for item in self.items])
        if keep is not None:
            for i, item in enumerate(self.items):
                if item.key == keep:
                    olist.highlighted = i
                    break
        overdue = sum(1 for i in self.items if i.kind == "callback" and i.seconds_left(at) < 0)
        title = _("My queue") + f" ({len(self.items)})"
        if overdue:
            title += "  " + _("{n} overdue").format(n=overdue)
        self.query_one("#queue-title", Static).update(title)
        if not self.items:
            olist.set_options([Option(Text(_("Nothing due."), style="dim"), id="none", disabled=True)])

    TICK_ITEMS = 60  # the live countdown redraws the nearest ones; the rest follow on the next reload

    def tick(self, at: datetime) -> None:
        if not self.screen.is_current:
            return
        olist = self.list
        for index, item in enumerate(self.items[: self.TICK_ITEMS]):
            if index < olist.option_count:
                olist.replace_option_prompt_at_index(index, queue_prompt(item, at))

    @on(OptionList.OptionSelected, "#queue-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        item = next((i for i in self.items if i.key == event.option.id), None)
        if item is not None:
            self.post_message(self.Chosen(item))
