"""How much the CPU burner slows the console (run on demand: ``python -m tests.terminal.measure``).

Interleaved runs, idle and with every core busy (``CpuBurner``):

- login to intake: from the Enter of a typed login to the intake screen ready
  (header, categories and queue drawn);
- key to screen: from a digit typed in the phone field to the field showing it,
  the first key after login apart (typed as soon as intake is drawn);
- with ``--draft-loss N``: N terminals killed mid-sentence (typing at 80 ms per
  key, every core busy, the kill at a random moment), and for each the typing
  the draft did not keep: from the keystroke of the first character missing
  from the draft to the kill.

Medians and the slowest run.  The machine's other load moves these figures:
read them side by side, not alone.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from tests.terminal.harness import ENTER, TAB, Console, CpuBurner, Desk


def make_template(home: Path) -> Path:
    """A database with agent 1001 (password demo), as the suite's template has."""
    import os

    os.environ.update({"XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "config"),
                       "CSDESK_CONFIG": str(home / "config" / "csdesk" / "config.toml")})
    from csdesk.services.accounts import hash_password
    from csdesk.store.engine import open_database, write_session
    from csdesk.store.models import Agent

    path = home / "template.db"
    engine = open_database(str(path))
    with write_session(engine) as session:
        session.info["no_audit"] = True  # as the demo makes it: the short demo password is below the rule for new ones
        session.add(Agent(staff_no="1001", name="张敏", role="agent", password_hash=hash_password("demo")))
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def one_run(template: Path, home: Path, keys: int) -> tuple[float, list[float]]:
    con = Console(Desk.from_template(home, template)).start()
    try:
        con.wait_login_ready(60)
        con.play(["1001", TAB, "demo"], 0.08)
        start = con.play([ENTER])
        con.intake_ready(60)
        login = time.monotonic() - start
        echoes = []
        typed = ""
        for digit in "1390000111"[:keys]:
            typed += digit
            sent = con.play([digit])
            con.wait_for(lambda: f"▊  {typed} " in con.screen_text(), 10, "the digit on screen")
            echoes.append(time.monotonic() - sent)
            time.sleep(0.1)
        return login, echoes
    finally:
        con.kill()


TEXT = "楼上空调外机滴水到我家阳台已经好几天了白天晚上都在滴麻烦尽快上门看看谢谢"


def draft_loss(template: Path, home: Path, seed: int) -> float:
    """Type the matter into a killed terminal; seconds of typing the draft lost (0: nothing)."""
    import random

    desk = Desk.from_template(home, template)
    con = Console(desk).start()
    try:
        con.login("1001")
        con.intake_ready(60)
        con.play(["13900001111", TAB, TAB, TAB, TAB, TAB, TAB], 0.08)  # the matter, typed by a new caller
        burner = CpuBurner().start()
        try:
            con.type(TEXT[: random.Random(seed).randint(12, len(TEXT))], 0.08)
            time.sleep(random.Random(seed + 1).uniform(0.0, 0.3))  # the kill at a random moment after a key
            killed = time.monotonic()
            con.kill()
        finally:
            burner.stop()
        typed = [(at, key.decode()) for at, key in con.typed]
        drafts = desk.db.drafts("1001")
        kept = drafts[0]["payload"].get("summary", "") if drafts else ""
        if len(kept) >= len(typed):
            return 0.0
        return killed - typed[len(kept)][0]
    finally:
        con.kill()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keys", type=int, default=10)
    parser.add_argument("--draft-loss", type=int, default=0, metavar="N")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="csdesk-measure-"))
    template = make_template(tmp)
    if args.draft_loss:
        losses = [draft_loss(template, tmp / f"kill{i}", i) for i in range(args.draft_loss)]
        print(f"draft: typing lost at a kill, {len(losses)} kills under load: median "
              f"{statistics.median(losses) * 1000:.0f} ms, worst {max(losses) * 1000:.0f} ms, "
              f"nothing lost {sum(1 for x in losses if x == 0)} times")
        return
    results: dict[str, tuple[list[float], list[float]]] = {"idle": ([], []), "busy": ([], [])}
    first_keys: dict[str, list[float]] = {"idle": [], "busy": []}
    for i in range(args.runs):
        for mode in ("idle", "busy"):
            burner = CpuBurner()
            if mode == "busy":
                burner.start()
            try:
                login, echoes = one_run(template, tmp / f"{mode}{i}", args.keys)
            finally:
                burner.stop()
            results[mode][0].append(login)
            first_keys[mode].append(echoes[0])
            results[mode][1].extend(echoes[1:])
    for mode, (logins, echoes) in results.items():
        print(f"{mode}: login to intake median {statistics.median(logins) * 1000:.0f} ms "
              f"(max {max(logins) * 1000:.0f}); key to screen median {statistics.median(echoes) * 1000:.0f} ms "
              f"(max {max(echoes) * 1000:.0f}, {len(echoes)} keys); first key after login median "
              f"{statistics.median(first_keys[mode]) * 1000:.0f} ms (max {max(first_keys[mode]) * 1000:.0f})")
    idle, busy = (statistics.median(results[m][0]) for m in ("idle", "busy"))
    print(f"busy / idle, login to intake: {busy / idle:.2f}")


if __name__ == "__main__":
    main()
