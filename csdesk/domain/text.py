"""Text as the desk keeps it: input hygiene for every text field, and search keys.

Input hygiene (one function for every service)
==============================================

:func:`clean_text` is what every service runs on every text field before it is
checked or stored::

    from csdesk.domain.text import TextError, TextKind, clean_text

    try:
        name = clean_text(form.name, 32, kind=TextKind.NAME)
        note = clean_text(form.note, 2000, kind=TextKind.BLOCK)
    except TextError as exc:
        errors["name"] = str(exc)          # a message for the field

Field kinds (:class:`TextKind`):

``NAME``   one line of letters, digits and punctuation: names, staff numbers,
           building/unit/room, addresses, phone numbers, identity answers,
           codes.  Emoji and symbols are refused.
``LINE``   one line of free text: reasons, titles, one-line notes.  Emoji are
           fine (customers send them).
``BLOCK``  several lines of free text: summary, handling steps, handover notes.
           Emoji are fine; the only line break kept is ``\\n``.

What happens to the characters, in this order:

1. *Refused* (:class:`TextError`, saying which character and where): C0 and C1
   control characters (NUL, ESC, DEL …) other than the line breaks and tabs of
   step 2, Unicode surrogates (what invalid UTF-8 in a command-line argument
   becomes), non-characters, and the bidirectional embeddings, overrides and
   isolates U+202A–202E and U+2066–2069, which make text display in an order
   other than the one it is stored in.  No one types these at a desk; they come
   from a script, a hostile paste or a broken encoding, and silently removing
   them could change what the text says.  With ``drop_unsafe=True`` (search
   boxes, recognition, the console's own look-ups) they are removed instead.
2. *Line breaks*: CR LF, CR, NEL, VT, FF, U+2028 and U+2029 are line breaks.
   In one-line kinds every line break and tab becomes a space and runs of
   spaces become one (a pasted address stays one line); in ``BLOCK`` they
   become ``\\n``, a tab becomes four spaces and trailing spaces of each line
   go.
3. *Stripped silently*: invisible format characters that mean nothing at a
   desk and arrive with every paste from a web page or a word processor: soft
   hyphen, zero-width space, BOM / zero-width no-break space, word joiner and
   the invisible operators, LRM/RLM/ALM (U+200E/F, U+061C), the Mongolian vowel
   separator, combining grapheme joiner, interlinear annotation marks and tag
   characters (kept inside an emoji flag sequence in free text).  ZWJ and ZWNJ
   are kept in free text (emoji sequences) and stripped from ``NAME`` fields.
4. NFC normalisation (``e`` + combining acute and ``é`` compare equal).
5. Trimmed; text made only of invisible characters (spaces, format characters,
   Hangul fillers, the braille blank …) becomes ``""``, so the service's own
   "required" message applies.
6. ``NAME`` only: emoji, symbols, private-use and unassigned characters and any
   other format character are refused.
7. Longer than ``limit`` characters: refused.

For output there is :func:`printable` (unsafe characters shown as ``\\x1b``,
``\\u202e`` escapes: nothing stored can drive a terminal) and
:func:`quote_input` (a short, safe quotation of what the user typed, for error
messages: at most 40 characters of it).  :func:`csv_safe` neutralises spreadsheet
formulas in CSV cells.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from csdesk.i18n import _

_UNIT_RE = re.compile(
    r"^\s*(\d{1,3}[A-Za-z]?)\s*(?:号楼|[-－—栋幢号楼#])\s*(\d{1,2})\s*[-－—单元]*\s*(\d{2,5})\s*室?\s*$",
    re.ASCII)


class TextKind(StrEnum):
    """What a text field holds; decides line breaks and which characters are allowed."""

    NAME = "name"
    LINE = "line"
    BLOCK = "block"


class TextError(ValueError):
    """Text that cannot be kept as it is; the message is for the field."""


# --------------------------------------------------------------------------- character classes

# Refused (step 1).  Tab, LF, CR, VT, FF and NEL are line breaks/spacing, handled in step 2.
_BIDI = "\u202a-\u202e\u2066-\u2069"
_UNSAFE_RE = re.compile(
    f"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff{_BIDI}\ufdd0-\ufdef\ufffe\uffff]")
_BREAKS_RE = re.compile("\r\n|[\r\n\x0b\x0c\x85\u2028\u2029]")
# Stripped (step 3).  ZWJ/ZWNJ (U+200C/D) are added for NAME fields.
_INVISIBLE = ("\u00ad\u034f\u061c\u180e\u200b\u200e\u200f\u2060-\u2065\u206a-\u206f\ufeff\ufff9-\ufffb"
              "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a")
_TAGS = "\U000e0000-\U000e007f"
_FLAG_SEQ = re.compile("\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f")
_STRIP_FREE = re.compile(f"[{_INVISIBLE}{_TAGS}]")
_STRIP_NAME = re.compile(f"[{_INVISIBLE}{_TAGS}\u200c\u200d]")
# What looks like nothing at all (step 5): spaces, format characters, fillers, braille blank.
_BLANK_RE = re.compile(
    f"^[\\s{_INVISIBLE}{_TAGS}{_BIDI}\u200c\u200d\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5"
    "\u180b-\u180d\u180f\ufe00-\ufe0f\U000e0100-\U000e01ef]*$")
_SPACES = re.compile(r" {2,}")

_CHAR_NAMES = {0: "NUL", 0x1B: "ESC", 0x7F: "DEL"}


def _describe(ch: str) -> str:
    cp = ord(ch)
    name = _CHAR_NAMES.get(cp) or unicodedata.name(ch, "")
    return f"U+{cp:04X} {name}".rstrip()


def _refusal(ch: str, pos: int) -> TextError:
    cp = ord(ch)
    if 0xD800 <= cp <= 0xDFFF:
        return TextError(_("Not valid text: bytes that are not UTF-8 at position {pos}.").format(pos=pos))
    if "\u202a" <= ch <= "\u202e" or "\u2066" <= ch <= "\u2069":
        return TextError(_("Contains a text-direction control ({char}) at position {pos}; remove it.").format(
            char=_describe(ch), pos=pos))
    return TextError(_("Contains a control character ({char}) at position {pos}; remove it.").format(
        char=_describe(ch), pos=pos))


def _not_for_names(ch: str) -> bool:
    """Emoji, symbols and control-like characters, which a name, unit or number never holds."""
    if ch.isascii():
        return False
    cat = unicodedata.category(ch)
    if cat in ("Cc", "Cf", "Cs", "Co", "Cn"):
        return True
    return cat == "So" and ord(ch) >= 0x2190  # pictographs, emoji, dingbats


def _other_format(ch: str) -> bool:
    """A format character that free text does not keep (ZWJ/ZWNJ and emoji tags are kept)."""
    return (not ch.isascii() and unicodedata.category(ch) == "Cf" and ch not in "\u200c\u200d"
            and not "\U000e0020" <= ch <= "\U000e007f")


def is_emoji_or_control(ch: str) -> bool:
    """True for a character a ``NAME`` field refuses (emoji, symbols, controls, private use)."""
    return ch < " " or ch == "\x7f" or _not_for_names(ch)


def is_blank(value: str | None) -> bool:
    """True when ``value`` shows nothing: empty, spaces, or only invisible characters."""
    return _BLANK_RE.match(value or "") is not None


def _strip_invisible(text: str, kind: TextKind) -> str:
    if kind is TextKind.NAME:
        return _STRIP_NAME.sub("", text)
    if "\U0001f3f4" in text:  # keep the tags of a flag sequence (England, Scotland, Wales)
        out, last = [], 0
        for m in _FLAG_SEQ.finditer(text):
            out.append(_STRIP_FREE.sub("", text[last:m.start()]))
            out.append(m.group())
            last = m.end()
        out.append(_STRIP_FREE.sub("", text[last:]))
        return "".join(out)
    return _STRIP_FREE.sub("", text)


def clean_text(value: str | None, limit: int | None = None, *, kind: TextKind | str = TextKind.BLOCK,
               drop_unsafe: bool = False) -> str:
    """``value`` as it may be stored in a field of ``kind``; raise :class:`TextError` otherwise.

    See the module notes for what is refused, normalised and stripped.  With
    ``drop_unsafe=True`` the characters that would be refused are removed
    instead (the length limit still raises).  ``None`` is ``""``.
    """
    kind = TextKind(kind)
    text = value or ""
    if not isinstance(text, str):
        raise TypeError(f"text expected, not {type(text).__name__}")
    # 1. refused characters
    m = _UNSAFE_RE.search(text)
    if m is not None:
        if not drop_unsafe:
            raise _refusal(m.group(), m.start() + 1)
        text = _UNSAFE_RE.sub("", text)
    # 2. line breaks
    if kind is TextKind.BLOCK:
        text = _BREAKS_RE.sub("\n", text).replace("\t", "    ")
        if "\n" in text:
            text = "\n".join(line.rstrip() for line in text.split("\n"))
    else:
        text = _BREAKS_RE.sub(" ", text).replace("\t", " ")
    # 3. invisible format characters
    text = _strip_invisible(text, kind)
    if not text.isascii():
        # 4. one spelling per character
        text = unicodedata.normalize("NFC", text)
        # 5. nothing visible is nothing
        if is_blank(text):
            return ""
        # 6. what else the kind refuses
        bad = _not_for_names if kind is TextKind.NAME else _other_format
        i = next((i for i, ch in enumerate(text) if bad(ch)), None)
        if i is not None:
            if drop_unsafe:
                text = "".join(ch for ch in text if not bad(ch))
            elif kind is TextKind.NAME:
                raise TextError(_("Letters, digits and punctuation only (no emoji or control characters)."))
            else:
                raise _refusal(text[i], i + 1)
    if kind is not TextKind.BLOCK and "  " in text:
        text = _SPACES.sub(" ", text)  # one line: runs of spaces are one
    text = text.strip()
    # 7. length
    if limit is not None and len(text) > limit:
        raise TextError(_("At most {limit} characters (this has {n}).").format(limit=limit, n=len(text)))
    return text


# --------------------------------------------------------------------------- output


# What printable() escapes: controls, surrogates, bidi controls, invisible format characters.
SHOWN_ESCAPED = re.compile(
    f"[\x00-\x1f\x7f-\x9f\ud800-\udfff{_BIDI}{_INVISIBLE}{_TAGS}\u2028\u2029\ufdd0-\ufdef\ufffe\uffff]")


_NAMED_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape(m: re.Match) -> str:
    ch = m.group()
    if ch in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[ch]
    cp = ord(ch)
    if cp < 0x100:
        return f"\\x{cp:02x}"
    if cp < 0x10000:
        return f"\\u{cp:04x}"
    return f"\\U{cp:08x}"


def printable(value: object, *, keep: str = "") -> str:
    """``value`` as text that is safe to write to a terminal or a file meant for people.

    Control characters, surrogates, bidi controls and invisible format
    characters appear as Python-style escapes (``\\x1b``, ``\\u202e``), so they
    are seen and never act.  Characters in ``keep`` (e.g. ``"\\n"`` or
    ``"\\n\\t"``) are left alone.  ``None`` is ``""``.  Never raises.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.isascii() and text.isprintable():
        return text
    if not keep:
        return SHOWN_ESCAPED.sub(_escape, text)
    return SHOWN_ESCAPED.sub(lambda m: m.group() if m.group() in keep else _escape(m), text)


def quote_input(value: object, limit: int = 40, *, tail: bool = False) -> str:
    """What the user gave, shortened to at most ``limit`` characters and safe to print
    (for error messages): escaped as :func:`printable` does, then cut with ``…``
    (keeping the end when ``tail``, for paths)."""
    text = "" if value is None else (value if isinstance(value, str) else str(value))
    cut = len(text) > limit
    shown = printable(text[-limit:] if tail else text[:limit])
    if cut or len(shown) > limit:
        shown = ("…" + shown[-(limit - 1):]) if tail else (shown[: limit - 1] + "…")
    return shown


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP: prefix ``'``).

    Text beginning with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a
    leading single quote; anything else (and every non-string) is unchanged.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


# --------------------------------------------------------------------------- search keys


def pinyin_initials(name: str) -> str:
    """``张三`` -> ``zs``; Latin letters are kept (lower case), other characters dropped.

    Imports pypinyin on first use (half a second): call it off the UI thread.
    """
    if not name:
        return ""
    from pypinyin import Style, lazy_pinyin

    out = []
    for part in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default"):
        for ch in part.lower():
            if "a" <= ch <= "z":
                out.append(ch)
    return "".join(out)


def ascii_digits(value: str) -> str:
    """Full-width digits, letters and punctuation as typed with a Chinese IME as their
    ASCII forms (NFKC): ``１２０１`` -> ``1201``, ``１６：３０`` -> ``16:30``."""
    if not value or value.isascii():
        return value or ""
    return unicodedata.normalize("NFKC", value)


def unit_key(building: str = "", unit: str = "", room: str = "") -> str:
    """The normalised building-unit-room key, ``3-2-1201``; empty if no room."""
    parts = [p.strip() for p in (building, unit, room)]
    if not any(parts):
        return ""
    return "-".join(p for p in parts if p)


def parse_unit(value: str) -> tuple[str, str, str] | None:
    """``3-2-1201``, ``3栋2单元1201``, ``3号楼2单元1201``, ``3#2-1201`` -> (``3``, ``2``, ``1201``);
    None if not a unit.

    Full-width digits (``３-２-１２０１``) are read as the same unit; the parts are ASCII.
    """
    text = value or ""
    if len(text) > 64:
        return None
    m = _UNIT_RE.match(ascii_digits(text))
    if not m:
        return None
    return m.group(1).upper(), m.group(2), m.group(3)
