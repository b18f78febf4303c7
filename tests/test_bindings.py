"""Every binding of every screen and widget has an id, a description, and shows in the footer."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from textual.binding import Binding
from textual.dom import DOMNode

import screens


def all_bindings():
    for info in pkgutil.iter_modules(screens.__path__, "screens."):
        module = importlib.import_module(info.name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, DOMNode) and cls.__module__ == module.__name__:
                for binding in cls.__dict__.get("BINDINGS", []):
                    if isinstance(binding, Binding):
                        yield cls, binding
                    else:
                        yield cls, Binding(*binding)


def test_every_binding_has_an_id_a_description_and_is_shown():
    found = list(all_bindings())
    assert len(found) > 20
    # the palette's key is shown by the footer on its own, at the right (show=False keeps it from appearing twice)
    bad = [(cls.__name__, b.key) for cls, b in found
           if not b.id or not b.description or not (b.show or b.action == "command_palette")]
    assert not bad, bad


def test_binding_ids_are_unique():
    ids = [b.id for _cls, b in all_bindings()]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
