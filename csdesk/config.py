"""Configuration: pydantic-settings over a TOML file in the user config directory
and ``CSDESK_`` environment variables (which win over the file).

Importing pydantic costs about 0.2 s, so the console reads only the language
(:func:`csdesk.i18n.configured_language`) before its first paint and loads the settings proper
behind the login screen.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from csdesk.paths import config_file


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CSDESK_", extra="ignore")

    db: str | None = Field(default=None, description="database path or SQLAlchemy URL")
    lang: str | None = Field(default=None, description="zh_CN or en")
    timezone: str | None = Field(default=None, description="IANA zone for the desk, e.g. Asia/Shanghai")
    critical_deadline_minutes: int = Field(default=60, ge=5, le=24 * 60)
    promised_reply_minutes: int = Field(default=60, ge=5, le=7 * 24 * 60)
    callback_offer_seconds: int = Field(default=60, ge=10, le=600)
    lock_after_minutes: int = Field(default=10, ge=0, le=240, description="lock the screen when idle; 0: never")
    page_size: int = Field(default=100, ge=20, le=500)

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=config_file()))


def load_settings(**overrides) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
