"""`make backup` / `make restore`: the demo clinic round-trips into another database unchanged."""

import json
import os
import subprocess
import sys

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection

from iop.backups import manifest_path
from tests.helpers import ROOT, database_url_for_tests

# Transactional (pg_dump and pg_restore are other connections), keeping the migrations' rows.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CLINICAL_PREFIXES = ("clients_", "groups_", "scheduling_", "iop_chartread", "auditlog_")


def clinical_fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Rows and a checksum of every clinical table, read independently of the backup code."""
    with psycopg2.connect(url) as db, db.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = sorted(name for (name,) in cursor.fetchall() if name.startswith(CLINICAL_PREFIXES))
        fingerprint = {}
        for table in tables:
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM \"{table}\" x"
            )
            fingerprint[table] = cursor.fetchone()
    return fingerprint


@pytest.fixture
def scratch_database():
    name = f"{connection.settings_dict['NAME']}_restore"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield database_url_for_tests().replace(f"/{connection.settings_dict['NAME']}", f"/{name}", 1)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def restore(dump, into):
    return subprocess.run(
        [sys.executable, "manage.py", "restore", "--no-input", str(dump)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": into},
        capture_output=True,
        text=True,
    )


def test_the_demo_clinic_round_trips_through_a_backup(scratch_database, tmp_path):
    call_command("seed_demo")
    dump = tmp_path / "clinic.dump"
    call_command("backup", output=dump)
    restored = restore(dump, into=scratch_database)
    assert restored.returncode == 0, restored.stderr
    assert "every table matches its manifest" in restored.stdout
    original = clinical_fingerprint(database_url_for_tests())
    assert original["clients_client"][0] == 20
    assert original["scheduling_attendance"][0] > 100
    assert clinical_fingerprint(scratch_database) == original


def test_a_restore_that_does_not_match_its_manifest_fails(scratch_database, tmp_path):
    call_command("seed_demo")
    dump = tmp_path / "clinic.dump"
    call_command("backup", output=dump)
    tables = json.loads(manifest_path(dump).read_text())
    tables["clients_client"]["rows"] += 1
    manifest_path(dump).write_text(json.dumps(tables))
    restored = restore(dump, into=scratch_database)
    assert restored.returncode != 0
    assert "clients_client" in restored.stderr
