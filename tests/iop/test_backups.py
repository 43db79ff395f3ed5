"""`make backup` / `make restore`, end to end as a clinic runs them: the demo clinic is seeded into a
database of its own, backed up, and restored into another, which must then hold the same rows."""

import json
import os
import subprocess
import sys

import psycopg2
import pytest
from django.db import connection

from iop.backups import manifest_path
from tests.helpers import ROOT, database_url_for_tests

CLINICAL_PREFIXES = ("clients_", "groups_", "scheduling_", "iop_chartread", "auditlog_")


def database_url(name: str) -> str:
    test_database = connection.settings_dict["NAME"]
    return database_url_for_tests().replace(f"/{test_database}", f"/{name}", 1)


def server_command(statement: str) -> None:
    server = psycopg2.connect(database_url("postgres"))
    server.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
    try:
        server.cursor().execute(statement)
    finally:
        server.close()


@pytest.fixture(scope="module")
def databases():
    """Creates databases on the test server and drops them at the end of the module."""
    created = []

    def create(suffix: str) -> str:
        name = f"{connection.settings_dict['NAME']}_{suffix}"
        server_command(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server_command(f'CREATE DATABASE "{name}"')
        created.append(name)
        return database_url(name)

    yield create
    for name in created:
        server_command(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(*arguments: str, database: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database},
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def demo_backup(databases, tmp_path_factory):
    """The demo clinic in its own database, and a backup of it."""
    source = databases("backup_source")
    for command in (["migrate", "--no-input"], ["seed_demo"]):
        done = manage(*command, database=source)
        assert done.returncode == 0, done.stderr
    dump = tmp_path_factory.mktemp("backups") / "clinic.dump"
    done = manage("backup", "--output", str(dump), database=source)
    assert done.returncode == 0, done.stderr
    return source, dump


def clinical_fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Rows and a checksum of every clinical table, read independently of the backup code."""
    with psycopg2.connect(url) as db, db.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = sorted(name for (name,) in cursor.fetchall() if name.startswith(CLINICAL_PREFIXES))
        fingerprint = {}
        for table in tables:  # names from pg_tables, not from input
            cursor.execute(
                "SELECT count(*), md5(coalesce(string_agg(row, '|' ORDER BY row), ''))"
                f' FROM (SELECT x::text AS row FROM "{table}" x) rows'
            )
            fingerprint[table] = cursor.fetchone()
    return fingerprint


def test_the_demo_clinic_round_trips_through_a_backup(demo_backup, databases):
    source, dump = demo_backup
    target = databases("restored")
    restored = manage("restore", "--no-input", str(dump), database=target)
    assert restored.returncode == 0, restored.stderr
    assert "every table matches its manifest" in restored.stdout
    original = clinical_fingerprint(source)
    assert original["clients_client"][0] == 20
    assert original["scheduling_attendance"][0] > 100
    assert clinical_fingerprint(target) == original


def test_a_restore_that_does_not_match_its_manifest_fails(demo_backup, databases):
    _, dump = demo_backup
    tables = json.loads(manifest_path(dump).read_text())
    tables["clients_client"]["rows"] += 1
    tampered = dump.with_name("tampered.dump")
    tampered.write_bytes(dump.read_bytes())
    manifest_path(tampered).write_text(json.dumps(tables))
    restored = manage("restore", "--no-input", str(tampered), database=databases("tampered"))
    assert restored.returncode != 0
    assert "clients_client" in restored.stderr


def test_a_restore_asks_before_replacing_anything(demo_backup, databases):
    _, dump = demo_backup
    target = databases("declined")
    declined = subprocess.run(
        [sys.executable, "manage.py", "restore", str(dump)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": target},
        input="no\n",
        capture_output=True,
        text=True,
    )
    assert declined.returncode != 0
    assert "Nothing restored" in declined.stderr
    with psycopg2.connect(target) as db, db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        assert cursor.fetchone() == (0,)
