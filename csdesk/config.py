"""Configuration: pydantic-settings over a TOML file in the user config directory
and ``CSDESK_`` environment variables (which win over the file).

Every key is checked when the settings load (:func:`load_settings`): bad TOML,
an unknown key, a value out of range or an unknown time zone is a
:class:`ConfigProblem`, one line naming the key, where it came from and what
is wrong.  Loading installs the configured time zone for :mod:`csdesk.clock`,
so the header, shifts, deadlines and reports all follow it.

Importing pydantic costs about 0.2 s, so this module imports it only when the
settings are loaded: the console reads the language
(:func:`csdesk.i18n.configured_language`) and runs :func:`check_config_file`
(TOML and time zone, no pydantic) before its first paint, and loads the
settings proper behind the login screen.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from csdesk.domain.errors import DeskError
from csdesk.i18n import _
from csdesk.paths import config_file

ENV_PREFIX = "CSDESK_"


class ConfigProblem(DeskError):
    """The configuration cannot be used; the message says which key, where, and why (one line)."""


@lru_cache(maxsize=1)
def _settings_class():
    from pydantic import Field, field_validator
    from pydantic_settings import (
        BaseSettings,
        PydanticBaseSettingsSource,
        SettingsConfigDict,
        TomlConfigSettingsSource,
    )

    class Settings(BaseSettings):
        model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid")

        db: str | None = Field(default=None, description="database path or sqlite:/// URL")
        lang: str | None = Field(default=None, description="zh_CN or en")
        timezone: str | None = Field(default=None, description="IANA zone for the desk, e.g. Asia/Shanghai")
        critical_deadline_minutes: int = Field(default=60, ge=5, le=24 * 60)
        promised_reply_minutes: int = Field(default=60, ge=5, le=7 * 24 * 60)
        callback_offer_seconds: int = Field(default=60, ge=10, le=600)
        lock_after_minutes: int = Field(default=10, ge=0, le=240, description="lock the screen when idle; 0: never")
        page_size: int = Field(default=100, ge=20, le=500)

        @field_validator("timezone")
        @classmethod
        def _known_zone(cls, value: str | None) -> str | None:
            if not value:
                return None
            from csdesk.clock import zone_named

            zone_named(value)  # ValueError with the reason
            return value

        @field_validator("lang")
        @classmethod
        def _known_language(cls, value: str | None) -> str | None:
            if not value:
                return None
            from csdesk.i18n import LANGUAGES, normalise_language

            lang = normalise_language(value)
            if lang is None:
                raise ValueError(_("choose one of: {choices}").format(choices=", ".join(LANGUAGES)))
            return lang

        @classmethod
        def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                       file_secret_settings) -> tuple[PydanticBaseSettingsSource, ...]:
            return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=config_file()))

    Settings.__module__ = __name__
    Settings.__qualname__ = "Settings"
    return Settings


def __getattr__(name: str) -> Any:
    if name == "Settings":  # built on first use: pydantic stays out of the console's start-up
        return _settings_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _source(field: str) -> str:
    env = f"{ENV_PREFIX}{field.upper()}"
    if env in os.environ:
        return env
    return _("{key} in {path}").format(key=field, path=config_file())


def _show(value: Any) -> str:
    text = str(value)
    return repr(text[:40] + "…" if len(text) > 40 else text)


def _explain(error: dict) -> str:
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "greater_than_equal":
        return _("must be at least {low}").format(low=ctx.get("ge"))
    if kind == "less_than_equal":
        return _("must be at most {high}").format(high=ctx.get("le"))
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("must be a whole number")
    if kind in ("string_type",):
        return _("must be text in quotes")
    if kind == "extra_forbidden":
        return _("is not a setting csdesk knows (a typing mistake?)")
    if kind == "value_error":
        return str(ctx.get("error") or error.get("msg", ""))
    return str(error.get("msg", kind))


def describe(exc) -> str:
    """A pydantic ValidationError as one line: which key, from where, what is wrong."""
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error.get("loc") else "?"
    if error.get("type") == "value_error":  # csdesk's own validators name the value themselves
        return _("{where}: {problem}").format(where=_source(field), problem=_explain(error))
    return _("{where}: {problem} (given: {value})").format(
        where=_source(field), problem=_explain(error), value=_show(error.get("input")))


def load_settings(**overrides) -> Any:
    """The settings (``overrides`` win); installs the configured time zone. ConfigProblem if unusable."""
    import tomllib

    from pydantic import ValidationError

    cls = _settings_class()
    try:
        settings = cls(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        raise ConfigProblem(describe(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigProblem(_("the configuration file {path} is not valid TOML: {error}").format(
            path=config_file(), error=exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigProblem(_("the configuration file {path} cannot be read: {error}").format(
            path=config_file(), error=getattr(exc, "strerror", None) or exc)) from None
    from csdesk.clock import set_zone

    set_zone(settings.timezone)
    return settings


def check_config_file() -> dict:
    """The checks the console makes before its first paint, without pydantic: the file
    is TOML and the time zone (file or ``CSDESK_TIMEZONE``) exists.  ConfigProblem if not;
    else the file's values (unchecked otherwise)."""
    import tomllib

    path = config_file()
    data: dict = {}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        pass
    except tomllib.TOMLDecodeError as exc:
        raise ConfigProblem(_("the configuration file {path} is not valid TOML: {error}").format(
            path=path, error=exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigProblem(_("the configuration file {path} cannot be read: {error}").format(
            path=path, error=getattr(exc, "strerror", None) or exc)) from None
    zone = os.environ.get(f"{ENV_PREFIX}TIMEZONE") or data.get("timezone")
    if zone:
        from csdesk.clock import zone_named

        try:
            zone_named(str(zone))
        except ValueError as exc:
            raise ConfigProblem(_("{where}: {problem}").format(where=_source("timezone"), problem=exc)) from None
    return data
