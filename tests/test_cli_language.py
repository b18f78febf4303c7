"""The CLI in the user's language: every help text has a Chinese translation, and in zh_CN the help,
Click's own messages (usage, errors, Aborted!) and the password prompts say no English words."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from csdesk.cli import app

runner = CliRunner()
ENGLISH_WORD = re.compile(r"\b(?!CSDESK_|YYYY|HH|MM|SS)[A-Za-z]{4,}\b")
# words that are data or names the user types: commands, options, codes, formats, metavars
ALLOWED = {
    "csdesk", "help", "lang", "agent", "screen", "phone", "intake", "handover", "orders", "init", "backup",
    "restore", "demo", "tick", "order", "audit", "complaints", "visits", "problems", "passwd", "list",
    "export", "search", "json", "html", "escpos", "table", "text", "from", "format", "output", "full",
}


def help_texts():
    import typer.main

    found = {}

    def walk(command, path):
        for text in (command.help, command.short_help):
            if text:
                found.setdefault(text, path)
        for param in command.params:
            if getattr(param, "help", None):
                found.setdefault(param.help, f"{path} {param.opts[0] if param.opts else param.name}")
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")

    from csdesk.i18n import set_language

    set_language("en")
    walk(typer.main.get_command(app), "csdesk")
    return found


def test_every_help_text_has_a_chinese_translation():
    from tests.test_i18n import catalogue

    cat = catalogue()
    missing = [f"{where}: {text!r}" for text, where in help_texts().items()
               if not (cat.get(text) and cat.get(text).string)]
    assert not missing, f"{len(missing)} help texts lack a zh_CN translation:\n" + "\n".join(missing[:30])


def chinese(*args, **kw):
    return runner.invoke(app, ["--lang", "zh_CN", *args], **kw)


def test_help_and_click_messages_in_chinese(tmp_path):
    r = chinese("--help")
    assert r.exit_code == 0
    assert "用法：" in r.output and "选项" in r.output and "命令" in r.output and "显示此帮助并退出" in r.output
    assert "Usage" not in r.output and "Show this message" not in r.output and "Options" not in r.output
    r = chinese("log", "export", "--help")
    assert "要写入的文件" in r.output and "File to write" not in r.output
    r = chinese("log", "export", "--frm", "x")
    assert r.exit_code == 2 and "没有这个选项：--frm" in r.output and "No such option" not in r.output
    r = chinese("audit", "list", "--limit", "many")
    assert r.exit_code == 2 and "“--limit” 的值无效：“many”不是整数" in r.output and "Invalid value" not in r.output
    r = chinese("nosuch")
    assert r.exit_code == 2 and "没有这个命令" in r.output
    # and English stays English
    r = runner.invoke(app, ["--lang", "en", "log", "export", "--frm", "x"])
    assert r.exit_code == 2 and "No such option: --frm" in r.output and "Usage: csdesk log export" in r.output


def test_prompts_and_abort_in_chinese(tmp_path):
    db = str(tmp_path / "desk.db")
    r = chinese("init", "--db", db, input="9001\n王芳\npw-one-1\npw-two-2\nlong-pass-1\nlong-pass-1\n")
    assert r.exit_code == 0, r.output
    assert "再输入一次以确认" in r.output and "两次输入不一致" in r.output
    assert "Repeat for confirmation" not in r.output
    # a prompt left with Ctrl+D/Ctrl+C where no command catches it: Typer's "Aborted!", in Chinese
    import typer

    from csdesk.cli.localise import LocalGroup

    tiny = typer.Typer(cls=LocalGroup)

    @tiny.command()
    def ask() -> None:
        typer.prompt("x")

    @tiny.command()
    def other() -> None:
        pass

    r = runner.invoke(tiny, ["ask"], input="", env={"CSDESK_LANG": "zh_CN"})
    assert r.exit_code == 1 and "已中止" in r.output and "Aborted" not in r.output


def test_no_english_words_in_the_chinese_help_of_any_command():
    import typer.main

    from csdesk.i18n import set_language

    set_language("en")
    paths = []

    def walk(command, path):
        paths.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    bad = []
    for path in paths:
        out = chinese(*path, "--help").output
        # option names, metavars, env vars and codes the user types are data
        prose = re.sub(r"--?[\w-]+|<[^>]*>|`[^`]*`|\b[a-z_]+(\.[a-z_]+)*\b", " ", out)
        # all-capital words are metavars and format names (COMMAND, FILE, XLSX)
        words = {w for w in ENGLISH_WORD.findall(prose) if w.lower() not in ALLOWED and not w.isupper()}
        # lower-case codes stand alone ("phone、walk_in"); two English words in a row are prose ("env var")
        words |= {m.group(0) for m in re.finditer(r"\b[a-z]{2,} [a-z]{2,}\b", re.sub(r"--?[\w-]+|<[^>]*>|`[^`]*`|csdesk( [a-z-]+)*", " ", out))}
        if words:
            bad.append(f"csdesk {' '.join(path)}: {sorted(words)[:8]}")
    assert not bad, "\n".join(bad[:20])
