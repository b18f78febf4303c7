"""Placeholder: filled by its own issue."""


def register(app) -> None:
    pass
