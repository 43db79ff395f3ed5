"""Backups of the whole database with pg_dump's custom format, and restores that prove themselves.

A backup is two files: `NAME.dump` (pg_dump -Fc) and `NAME.manifest.json`, the row count and an
md5 checksum of every table at the moment of the dump (one repeatable-read snapshot, the same one
pg_dump exports). A restore loads the dump, recomputes the manifest from the restored database and
fails unless every table matches: a backup that cannot be restored is found on the day it is tried,
not on the day it is needed.

The PostgreSQL client tools come from `pgserver` when it is installed (development: they match the
embedded server and can read older servers), else from PATH.
"""

import importlib.util
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from psycopg2 import sql

Manifest = dict[str, dict[str, Any]]


def postgres_tool(name: str) -> str:
    embedded = importlib.util.find_spec("pgserver")  # a development requirement only
    if embedded is not None and embedded.origin is not None:
        return str(Path(embedded.origin).parent / "pginstall" / "bin" / name)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed (apt-get install postgresql-client)")
    return found


def _connection_arguments() -> tuple[list[str], dict[str, str]]:
    """pg_dump/pg_restore arguments and environment for the database Django uses."""
    db = settings.DATABASES["default"]
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host", "")
    arguments = ["--dbname", db["NAME"], "--username", db.get("USER") or "postgres"]
    if host:
        arguments += ["--host", host]
    if db.get("PORT"):
        arguments += ["--port", str(db["PORT"])]
    environment = dict(os.environ)
    if db.get("PASSWORD"):
        environment["PGPASSWORD"] = db["PASSWORD"]
    return arguments, environment


def table_names() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        return [name for (name,) in cursor.fetchall()]


def manifest() -> Manifest:
    """Rows and an order-independent checksum of each table (md5 of its rows sorted as text)."""
    result: Manifest = {}
    with connection.cursor() as cursor:
        for table in table_names():
            cursor.execute(
                sql.SQL(
                    "SELECT count(*), md5(coalesce(string_agg(row_text, E'\\n' ORDER BY row_text),"
                    " '')) FROM (SELECT t::text AS row_text FROM {} t) rows"
                ).format(sql.Identifier(table))
            )
            rows, checksum = cursor.fetchone()
            result[table] = {"rows": rows, "md5": checksum}
    return result


def backup_create(*, dump_path: Path) -> Manifest:
    """Dump the database to `dump_path` and write its manifest beside it."""
    dump_path.parent.mkdir(parents=True, exist_ok=True)
    arguments, environment = _connection_arguments()
    with connection.cursor() as cursor:
        # The manifest and the dump read the same snapshot, so writes in between change neither.
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        try:
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
            subprocess.run(
                [
                    postgres_tool("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--snapshot",
                    snapshot,
                    "--file",
                    str(dump_path),
                    *arguments,
                ],
                env=environment,
                check=True,
            )
            tables = manifest()
        finally:
            cursor.execute("ROLLBACK")
    manifest_path(dump_path).write_text(json.dumps(tables, indent=1, sort_keys=True))
    return tables


def manifest_path(dump_path: Path) -> Path:
    return dump_path.with_suffix(".manifest.json")


def backup_restore(*, dump_path: Path) -> list[str]:
    """Replace the database's contents with the dump's; return the tables that do not match the
    manifest (empty: the restore is proven)."""
    expected: Manifest = json.loads(manifest_path(dump_path).read_text())
    arguments, environment = _connection_arguments()
    subprocess.run(
        [
            postgres_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            *arguments,
            str(dump_path),
        ],
        env=environment,
        check=True,
    )
    restored = manifest()
    return sorted(
        table
        for table in expected.keys() | restored.keys()
        if expected.get(table) != restored.get(table)
    )
