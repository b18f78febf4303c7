"""Gettext for csdesk.

Every user-facing string goes through ``_()``.  Messages are written in English
in the source and translated by the catalogue in ``csdesk/locale`` (zh_CN is
complete).  ``N_()`` marks a string for extraction without translating it, for
labels defined at import time and translated when shown.

The language is decided by ``--lang``, then configuration, then the locale;
where the locale says nothing useful (``C``/``POSIX``), Chinese is the default:
the desk speaks Chinese first.
"""

from __future__ import annotations

import gettext
import os
from pathlib import Path

DOMAIN = "csdesk"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"

_translations: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def normalise_language(value: str | None) -> str | None:
    """Map ``zh``, ``zh_CN.UTF-8``, ``zh-Hans``, ``en_US`` … onto a supported language."""
    if not value:
        return None
    v = value.split(".")[0].split("@")[0].replace("-", "_").lower()
    if v in ("c", "posix", ""):
        return None
    if v.startswith("zh"):
        return "zh_CN"
    if v.startswith("en"):
        return "en"
    return None


def locale_language() -> str | None:
    for var in ("LC_ALL", "LC_MESSAGES", "LANGUAGE", "LANG"):
        value = os.environ.get(var)
        if value:
            return normalise_language(value.split(":")[0])
    return None


def configured_language() -> str | None:
    """The configured language without importing pydantic (the console reads it before
    its first paint): ``CSDESK_LANG``, then ``lang`` in the TOML configuration."""
    import tomllib

    from csdesk.paths import config_file

    value = os.environ.get("CSDESK_LANG")
    if value:
        return value
    try:
        with config_file().open("rb") as fh:
            return tomllib.load(fh).get("lang")
    except (OSError, tomllib.TOMLDecodeError):
        return None


def resolve_language(cli: str | None = None, configured: str | None = None) -> str:
    return (
        normalise_language(cli)
        or normalise_language(configured)
        or locale_language()
        or DEFAULT_LANGUAGE
    )


def set_language(lang: str) -> str:
    """Install the catalogue for ``lang`` and return the language now in force."""
    global _translations, _language
    lang = normalise_language(lang) or DEFAULT_LANGUAGE
    if lang == _language:
        return lang  # already installed: the catalogue is not read again
    _translations = gettext.NullTranslations() if lang == "en" else _load_catalogue(lang)
    _language = lang
    return lang


def _load_catalogue(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue; in a checkout whose ``.po`` is newer than its ``.mo``
    (edited since the last build), the ``.po`` is compiled in memory with Babel."""
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    in_checkout = (LOCALE_DIR.parents[1] / "pyproject.toml").is_file()  # never in an installed wheel
    if in_checkout and po.is_file() and (not mo.is_file() or po.stat().st_mtime > mo.stat().st_mtime):
        import io

        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        with po.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return gettext.GNUTranslations(buffer)
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[lang], fallback=True)


def current_language() -> str:
    return _language


def _(message: str) -> str:
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.ngettext(singular, plural, n)


def N_(message: str) -> str:
    return message
