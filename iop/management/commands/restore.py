"""`make restore FILE=...`: replace the database's contents with a backup, and prove it."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from iop.backups import backup_restore, manifest_path


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup` over this database, then check it against its manifest."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dump", type=Path)
        parser.add_argument(
            "--no-input", action="store_false", dest="interactive", help="do not ask to confirm"
        )

    def handle(self, *args: Any, dump: Path, interactive: bool, **options: Any) -> None:
        if not dump.is_file() or not manifest_path(dump).is_file():
            raise CommandError(f"{dump} and its manifest {manifest_path(dump)} must both exist.")
        if interactive:
            answer = input("Everything in this database is replaced by the backup. Type 'yes': ")
            if answer != "yes":
                raise CommandError("Nothing restored.")
        mismatched = backup_restore(dump_path=dump)
        if mismatched:
            raise CommandError(f"Restored, but these tables differ from the manifest: {mismatched}")
        self.stdout.write(f"Restored {dump}; every table matches its manifest.")
