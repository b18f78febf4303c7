"""The CLI in the user's language: Typer's and Click's own words as well as ours.

Help texts are written in English in the source (``help=``, docstrings) and
translated when the command runs: :class:`LocalGroup` (the ``csdesk`` app's
group class) decides the language from ``--lang``, the configuration or the
locale before Click parses anything, translates every command's and option's
help through the catalogue, and shows Click's own messages (``Usage:``,
``Error:``, ``Invalid value…``, ``No such option…``, ``Missing option…``,
``Aborted!``) in that language.  ``tests/test_cli_language.py`` checks every
help text has a Chinese translation.

Typer 0.28 vendors Click without gettext: the few words Typer itself passes
through ``gettext`` (section titles, ``Aborted!``) and the usage prefix are
rebound here and nowhere else.
"""

import re
import sys

import typer
from typer.core import TyperGroup

from csdesk.i18n import N_, _, current_language

# Typer's own words, translated through the catalogue (see _install_words and translate_tree)
FRAMEWORK_WORDS = (N_("Options"), N_("Commands"), N_("Arguments"), N_("Show this message and exit."))
_ORIGINAL = "_csdesk_en"  # the English text of a help, kept on the object


def language_from_args(args: list[str]) -> str | None:
    """``--lang X`` / ``--lang=X`` before the subcommand, if given."""
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def _translated(obj, attr: str) -> None:
    originals = obj.__dict__.setdefault(_ORIGINAL, {})
    if attr not in originals:
        originals[attr] = getattr(obj, attr, None)
    english = originals[attr]
    if english:
        setattr(obj, attr, _(english))


def translate_tree(command) -> None:
    """Every help text of ``command`` and its subcommands in the current language (from the English)."""
    for attr in ("help", "short_help", "epilog"):
        _translated(command, attr)
    for param in command.params:
        if getattr(param, "help", None) is not None or _ORIGINAL in param.__dict__:
            _translated(param, "help")
            if isinstance(getattr(param, "envvar", None), str) and (
                    getattr(param, "show_envvar", False) or param.__dict__.get("_csdesk_envvar")):
                # Click's "[env var: X]" is English: said in the help text instead
                param.show_envvar, param._csdesk_envvar = False, True
                param.help = _("{help} Also read from {name}.").format(help=param.help, name=param.envvar)
    if command.add_help_option:  # "Show this message and exit.", made once per command (Click caches it)
        if getattr(command, "_help_option", None) is None:
            from typer._click.decorators import help_option

            help_option(list(command.context_settings.get("help_option_names", ["--help"])))(command)
            command._help_option = command.params.pop()
        _translated(command._help_option, "help")
    for sub in getattr(command, "commands", {}).values():
        translate_tree(sub)


def message_of(exc) -> str:
    """A Click error's one-line message in the current language."""
    from typer._click import exceptions as ce

    hint = getattr(exc, "param_hint", None)
    if hint is None and getattr(exc, "param", None) is not None:
        hint = exc.param.get_error_hint(exc.ctx) if exc.ctx else None
    if isinstance(hint, (list, tuple)):
        hint = " / ".join(f"'{h}'" for h in hint)
    if hint and current_language() == "zh_CN":  # Chinese quotation marks
        hint = re.sub(r"'([^']*)'", "\u201c\\1\u201d", hint)
    if isinstance(exc, ce.NoSuchOption):
        text = _("No such option: {option}").format(option=exc.option_name)
        if exc.possibilities:
            text += _("; did you mean {options}?").format(options=", ".join(sorted(exc.possibilities)))
        return text
    if isinstance(exc, ce.MissingParameter):
        kind = exc.param_type or (exc.param.param_type_name if exc.param else "parameter")
        what = {"option": _("option"), "argument": _("argument")}.get(kind, _("parameter"))
        return _("Missing {what} {hint}.").format(what=what, hint=hint or "")
    if isinstance(exc, ce.BadParameter):
        message = _conversion(exc.message)
        if hint:
            return _("Invalid value for {hint}: {message}").format(hint=hint, message=message)
        return _("Invalid value: {message}").format(message=message)
    if isinstance(exc, ce.UsageError) and exc.message.startswith("No such command"):
        name = exc.message.split("'")[1] if "'" in exc.message else exc.message
        return _("No such command: {name}").format(name=name)
    if isinstance(exc, ce.UsageError) and exc.message.startswith("Got unexpected extra argument"):
        extra = exc.message.split("(", 1)[1].rstrip(")") if "(" in exc.message else ""
        return _("Unexpected extra arguments: {args}").format(args=extra)
    return exc.format_message()


_CONVERSIONS = (  # Click's type-conversion messages, by their shape
    (re.compile(r"^'(?P<value>.*)' is not a valid (integer|int|integer range|int range)\.$"), N_("“{value}” is not a whole number.")),
    (re.compile(r"^'(?P<value>.*)' is not a valid (float|float range)\.$"), N_("“{value}” is not a number.")),
    (re.compile(r"^(?P<value>.*) is not in the range (?P<range>.*)\.$"), N_("{value} is not in the range {range}.")),
    (re.compile(r"^'(?P<value>.*)' is not a valid boolean\.$"), N_("“{value}” is neither yes nor no.")),
)


def _conversion(message: str) -> str:
    for shape, msgid in _CONVERSIONS:
        found = shape.match(message)
        if found:
            return _(msgid).format(**found.groupdict())
    return message


def show_error(exc) -> None:
    from typer._click import exceptions as ce

    if isinstance(exc, ce.UsageError) and exc.ctx is not None:
        typer.echo(exc.ctx.get_usage(), err=True)
        help_name = (exc.ctx.command.get_help_option_names(exc.ctx) or ["--help"])[0]
        typer.echo(_("Try \u201c{command} {option}\u201d for help.").format(
            command=exc.ctx.command_path, option=help_name) + "\n", err=True)
    typer.echo(_("Error: {message}").format(message=message_of(exc)), err=True)


def prompt_twice(text: str) -> str:
    """A hidden value typed twice (a new password), asked in the user's language until both agree."""
    while True:
        first = typer.prompt(text, hide_input=True, err=True)  # prompts on stderr: stdout is the data
        second = typer.prompt(_("Repeat for confirmation"), hide_input=True, err=True)
        if first == second:
            return first
        typer.echo(_("Error: the two entries do not match; type them again."), err=True)


def _install_words() -> None:
    """Typer's gettext words and Click's usage prefix through the catalogue."""
    import typer.core as tcore
    from typer._click import formatting

    tcore._ = _
    if not getattr(formatting.HelpFormatter.write_usage, "_csdesk", False):
        english = formatting.HelpFormatter.write_usage

        def write_usage(self, prog, args="", prefix=None):
            return english(self, prog, args, prefix if prefix is not None else _("Usage: "))

        write_usage._csdesk = True
        formatting.HelpFormatter.write_usage = write_usage


class LocalGroup(TyperGroup):
    """The ``csdesk`` group: help and Click's messages in the user's language."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        from typer._click import exceptions as ce

        from csdesk.launch import apply_language

        args = list(sys.argv[1:] if args is None else args)
        apply_language(language_from_args(args))
        _install_words()
        translate_tree(self)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except ce.ClickException as exc:
            if not standalone_mode:
                raise
            show_error(exc)
            sys.exit(exc.exit_code)
        except typer.Abort:
            if not standalone_mode:
                raise
            typer.echo(_("Aborted!"), err=True)
            sys.exit(1)
        if standalone_mode:
            sys.exit(rv if isinstance(rv, int) else 0)
        return rv
