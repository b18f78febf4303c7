"""In the user's language, everywhere: every screen of the console in zh_CN, read off a real
terminal, holds no English words but data (numbers, codes the agent types, names of keys)."""

from __future__ import annotations

import re

import pytest

from tests.terminal.conftest import seed_caller, unique_phone

pytestmark = pytest.mark.terminal

WORD = re.compile(r"[A-Za-z][A-Za-z'’-]{2,}")
# not English prose: key names, the program's name, formats and the numbers' prefixes
KEYS_AND_NAMES = {
    "csdesk", "Esc", "Tab", "Enter", "Ctrl", "Shift", "PgUp", "PgDn", "Home", "End", "Del", "Space", "XLSX",
    "CSV", "UTF", "App", "SVG",
}
NUMBER = re.compile(r"\b(?:WO|CT|CP|C)\d[\d-]*\b|\bF\d{1,2}\b|\b\d+\b")


def english_words(text: str) -> set[str]:
    text = NUMBER.sub(" ", text)
    allowed = {k.lower() for k in KEYS_AND_NAMES}
    return {w for w in WORD.findall(text) if w.lower() not in allowed}


SCREENS = [  # how to get there from the overview, what its header says
    ("f1", "Intake"), ("f2", "Visit log"), ("f3", "Work orders"), ("f4", "Handover"), ("f5", "Overview"),
]


def test_every_screen_in_chinese_shows_no_english_words(open_console, fresh_desk):
    seed_caller(fresh_desk, unique_phone(), "张三", "3", "2", "1201", summary="厨房水龙头漏水")
    con = open_console(size=(140, 40), lang="zh_CN", login="2001")
    found = {}
    for key, title in SCREENS:
        con.goto(key)
        con.wait_for(lambda: "…" not in con.screen_text().split("\n")[0], timeout=5)
        found[title] = english_words(con.screen_text())
    assert "palette" not in con.screen_text() and con.tr("Commands") in con.screen_text()  # the footer's ^p
    # the command palette: Textual's own commands and the search box
    con.press("ctrl+p")
    con.wait_for_text(con.tr("Change the current theme"))
    found["palette"] = english_words(con.screen_text())
    con.press("escape")
    # a sentence of English is caught (the check itself)
    assert english_words("csdesk · 概览  F2 CT20261120-0001 Esc Open the log") == {"Open", "the", "log"}
    bad = {screen: sorted(words) for screen, words in found.items() if words}
    assert not bad, bad
