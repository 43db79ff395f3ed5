"""`make backup`: the whole database to var/backups/ (or --output), with its manifest."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from iop.backups import backup_create, manifest_path


class Command(BaseCommand):
    help = "Dump the database (pg_dump custom format) with a manifest of row counts and checksums."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="the .dump file to write")

    def handle(self, *args: Any, output: Path | None, **options: Any) -> None:
        stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M%S")
        dump_path = output or Path(settings.BASE_DIR) / "var" / "backups" / f"iop-{stamp}.dump"
        tables = backup_create(dump_path=dump_path)
        rows = sum(table["rows"] for table in tables.values())
        self.stdout.write(f"{dump_path}: {len(tables)} tables, {rows} rows")
        self.stdout.write(f"{manifest_path(dump_path)}: what a restore must reproduce")
