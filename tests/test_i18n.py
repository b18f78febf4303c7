"""Every user-facing string goes through gettext, and the zh_CN catalogue is complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from csdesk.i18n import LOCALE_DIR, _, resolve_language, set_language

ROOT = Path(__file__).resolve().parents[1]
PO = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "csdesk.po"
PLACEHOLDER = re.compile(r"\{[a-zA-Z_][a-zA-Z0-9_]*(?:![rsa])?(?::[^}]*)?\}")


def source_messages() -> dict[str, str]:
    found = {}
    for package in ("csdesk", "screens"):
        for filename, _lineno, message, _comments, _ctx in extract_from_dir(
            ROOT / package, keywords={"_": None, "N_": None, "ngettext": (1, 2)},
            method_map=[("**/migrations/**.py", "ignore"), ("**.py", "python")],
        ):
            for msgid in message if isinstance(message, tuple) else (message,):
                if msgid:
                    found[msgid] = f"{package}/{filename}"
    return found


def catalogue():
    with PO.open("rb") as fh:
        return read_po(fh, locale="zh_CN")


def test_every_message_has_a_chinese_translation():
    cat = catalogue()
    missing = []
    for msgid, where in sorted(source_messages().items()):
        entry = cat.get(msgid)
        text = entry.string if entry else None
        if isinstance(text, tuple):
            text = text[0]
        if not text or (entry and entry.fuzzy):
            missing.append(f"{where}: {msgid!r}")
    assert not missing, f"{len(missing)} messages lack a zh_CN translation:\n" + "\n".join(missing[:40])


def test_translations_keep_their_placeholders():
    wrong = []
    for entry in catalogue():
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if sorted(PLACEHOLDER.findall(ids[0])) != sorted(PLACEHOLDER.findall(strings[0])):
            wrong.append(entry.id)
    assert not wrong, wrong


def test_enum_labels_agree_with_their_chinese_names():
    from csdesk.domain import LABELLED_MEMBERS, LabelledEnum

    set_language("zh_CN")
    assert _("Staff no.") == "工号"
    mismatched = [(m, m.label, m.zh) for m in LABELLED_MEMBERS if m.label != m.zh]
    assert not mismatched, mismatched
    # every member of every vocabulary has its own label
    for enum in LabelledEnum.__subclasses__():
        assert set(enum) <= set(LABELLED_MEMBERS), enum


@pytest.mark.parametrize("cli,configured,env,expected", [
    ("en", "zh_CN", "zh_CN.UTF-8", "en"),
    (None, "en", "zh_CN.UTF-8", "en"),
    (None, None, "en_US.UTF-8", "en"),
    (None, None, "zh_TW.UTF-8", "zh_CN"),
    (None, None, "C", "zh_CN"),
    (None, None, None, "zh_CN"),
])
def test_language_is_decided_by_option_then_config_then_locale(monkeypatch, cli, configured, env, expected):
    for var in ("LC_ALL", "LC_MESSAGES", "LANGUAGE", "LANG"):
        monkeypatch.delenv(var, raising=False)
    if env:
        monkeypatch.setenv("LANG", env)
    assert resolve_language(cli, configured) == expected


def test_the_configuration_file_sets_the_language(tmp_path, monkeypatch):
    from csdesk.i18n import configured_language

    config = tmp_path / "config.toml"
    config.write_text('lang = "en"\n', encoding="utf-8")
    monkeypatch.setenv("CSDESK_CONFIG", str(config))
    assert configured_language() == "en"
    monkeypatch.setenv("CSDESK_LANG", "zh_CN")
    assert configured_language() == "zh_CN"
