"""Hatch build hook: compile the gettext catalogues (.po -> .mo) into the build.

The .mo files are generated output, so they are not committed; every wheel
(editable or not) gets them compiled from the .po sources here.
"""

from __future__ import annotations

from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileCatalogues(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        root = Path(self.root)  # the project root, wherever this hook file lives
        for po in sorted((root / "csdesk" / "locale").glob("*/LC_MESSAGES/*.po")):
            with po.open("rb") as fh:
                catalog = read_po(fh)
            mo = po.with_suffix(".mo")
            with mo.open("wb") as fh:
                write_mo(fh, catalog)
            rel = mo.relative_to(root).as_posix()
            build_data.setdefault("force_include", {})[str(mo)] = rel
