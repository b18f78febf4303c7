"""``csdesk backup [-o FILE] [--keep N]`` and ``csdesk restore FILE``."""

from typing import Annotated

import typer

from csdesk.cli.common import DbOption, fail, resolve_db
from csdesk.i18n import _


def register(app: typer.Typer) -> None:
    @app.command("backup")
    def backup(
        ctx: typer.Context,
        output: Annotated[str | None, typer.Option(
            "-o", "--output", help="Backup file or folder (default: backups/ beside the database, timestamped).")] = None,
        keep: Annotated[int | None, typer.Option(
            "--keep", metavar="N", min=1, max=100_000, help="Keep only the newest N backups in the backups folder.")] = None,
        db: DbOption = None,
    ) -> None:
        """Copy the database while consoles keep working; the copy is checked before it is kept."""
        from csdesk.services.audit import Action
        from csdesk.services.backup import backup_database, record_in_audit
        from csdesk.store.dbfile import DatabaseProblem

        try:
            result = backup_database(resolve_db(ctx, db), output=output, keep=keep)
        except DatabaseProblem as exc:
            fail(str(exc))
        try:
            record_in_audit(result.database, Action.BACKUP, f"backup to {result.path}")
        except DatabaseProblem as exc:  # a read-only database can be copied but not written to
            typer.echo(_("The backup is not in the audit log: {error}").format(error=exc), err=True)
        typer.echo(_("Backed up {database} to {path} ({size} MB, schema revision {revision}, checked) "
                     "in {seconds:.1f} s.").format(
            database=result.database, path=result.path, size=f"{result.size / 1e6:,.1f}",
            revision=result.revision, seconds=result.seconds))
        if result.pruned:
            typer.echo(_("Removed {n} older backup(s).").format(n=len(result.pruned)))

    @app.command("restore")
    def restore(
        ctx: typer.Context,
        source: Annotated[str, typer.Argument(help="The backup file to restore.", show_default=False)],
        db: DbOption = None,
    ) -> None:
        """Replace the database with a backup (checked first; the old database is kept aside)."""
        from csdesk.services.audit import Action
        from csdesk.services.backup import record_in_audit, restore_database
        from csdesk.store.dbfile import DatabaseProblem

        try:
            result = restore_database(source, resolve_db(ctx, db))
            record_in_audit(result.database, Action.RESTORE,
                            f"restored from {result.source}; the replaced database kept as {result.kept_aside}")
        except DatabaseProblem as exc:
            fail(str(exc))
        typer.echo(_("Restored {database} from {source} (schema revision {revision}).").format(
            database=result.database, source=result.source, revision=result.revision))
        if result.kept_aside is not None:
            typer.echo(_("The database it replaced is kept as {path}.").format(path=result.kept_aside))
