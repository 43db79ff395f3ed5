"""`RosterReach`, kept by the database: who has been on whose sessions.

A clinician reaches a client on a session they run, or one of a group they facilitate, booked or
held since the client's admission (`Client.objects.within_reach_of`). Over years that is every
roster of every session they ran. So the database keeps, per client, the latest start of a
scheduled session with the client on its roster, per clinician who ran one and per group that met,
and the rule compares that with the admission and looks up the current facilitators.

Statement triggers keep the rows in the same transaction as the facts (a trigger per event: one
with transition tables has one event):
- a new session, drop-in or attendance row only adds to a client's reach: its pairs of (client,
  session) raise the latest start (`ADD_SQL`);
- a session moved, cancelled, reassigned or deleted, and an enrollment added or changed, can take
  reach away: the clients it touched are derived again from all their pairs, one refresh of a
  client at a time (`REFRESH_FUNCTION_SQL`).
Rows another transaction adds meanwhile are kept (the upsert keeps the later start), so two
transactions never lose each other's rows. The triggers and functions are made by migration
scheduling 0017, which fills the rows from the history (`REBUILD_SQL`); a change here needs a
migration that drops and creates them again.
"""

from django.db import connection

SCHEDULED = "'scheduled'"  # Session.Status.SCHEDULED: a cancelled session reaches no one.

# Raise the clients' latest starts by `{pairs}` (a SELECT of client_id, session_id), per clinician
# who ran the session and per group it met for. An unchanged row is not written again.
ADD_SQL = f"""
    WITH seen AS (
        SELECT pair.client_id, s.clinician_id, s.group_id, s.starts_at
        FROM ({{pairs}}) pair
        JOIN scheduling_session s ON s.id = pair.session_id AND s.status = {SCHEDULED}
    ), by_clinician AS (
        INSERT INTO scheduling_rosterreach AS r (client_id, clinician_id, last_starts_at)
        SELECT client_id, clinician_id, max(starts_at) FROM seen GROUP BY client_id, clinician_id
        ON CONFLICT (clinician_id, client_id) WHERE clinician_id IS NOT NULL
        DO UPDATE SET last_starts_at = excluded.last_starts_at
        WHERE r.last_starts_at < excluded.last_starts_at
    )
    INSERT INTO scheduling_rosterreach AS r (client_id, group_id, last_starts_at)
    SELECT client_id, group_id, max(starts_at) FROM seen
    WHERE group_id IS NOT NULL
    GROUP BY client_id, group_id
    ON CONFLICT (group_id, client_id) WHERE group_id IS NOT NULL
    DO UPDATE SET last_starts_at = excluded.last_starts_at
    WHERE r.last_starts_at < excluded.last_starts_at
"""  # nosec B608  # this module's constants

# Every (client, session) pair of the clients in `{clients}` (an array): the roster view, drop-ins
# and attendance.
PAIRS_OF_CLIENTS_SQL = """
    SELECT client_id, session_id FROM scheduling_sessionclient WHERE client_id = ANY({clients})
    UNION ALL
    SELECT client_id, session_id FROM scheduling_dropin WHERE client_id = ANY({clients})
    UNION ALL
    SELECT client_id, session_id FROM scheduling_attendance WHERE client_id = ANY({clients})
"""

REFRESH_FUNCTION_SQL = f"""
    CREATE OR REPLACE FUNCTION scheduling_roster_reach_refresh(clients bigint[]) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
        -- One refresh of a client at a time, each reading what the one before it committed: two
        -- transactions that each cancel one of a client's sessions otherwise both keep the other's.
        PERFORM pg_advisory_xact_lock(hashtext('scheduling.roster_reach'), client::integer)
        FROM (SELECT DISTINCT client FROM unnest(clients) AS client ORDER BY client) sorted;
        DELETE FROM scheduling_rosterreach WHERE client_id = ANY(clients);
        {ADD_SQL.format(pairs=PAIRS_OF_CLIENTS_SQL.format(clients="clients"))};
    END $$;
"""  # nosec B608  # this module's constants

# The clients who may have been on the sessions `{sessions}` (a relation with id, group_id,
# client_id, starts_at), whatever the sessions were then: a superset (an enrollment a day either
# side of the start, in any zone), refreshed from their own pairs. Without the clinic's zone, so
# it also serves the rows of a deleted or changed session, which the roster view no longer shows.
CLIENTS_OF_SESSIONS_SQL = """
    SELECT e.client_id FROM {sessions} x
    JOIN groups_enrollment e ON e.group_id = x.group_id
        AND e.start_date <= (x.starts_at + interval '1 day')::date
        AND (e.end_date IS NULL OR e.end_date >= (x.starts_at - interval '1 day')::date)
    UNION SELECT x.client_id FROM {sessions} x WHERE x.client_id IS NOT NULL
    UNION SELECT d.client_id FROM scheduling_dropin d JOIN {sessions} x ON d.session_id = x.id
    UNION SELECT a.client_id FROM scheduling_attendance a JOIN {sessions} x ON a.session_id = x.id
"""

# What a session's change can change of its roster's reach; other changes (the flags the
# attendance and notes triggers keep) refresh no one.
_REACH_FIELDS = ("status", "clinician_id", "group_id", "client_id", "starts_at")
_REACH_CHANGED = " IS DISTINCT FROM ".join(
    "(" + ", ".join(f"{row}.{field}" for field in _REACH_FIELDS) + ")" for row in ("o", "n")
)


def _refresh_clients_of(sessions: str, changed: str = "") -> str:
    """Refresh the clients who may have been on `sessions` (after `changed`, a WITH clause)."""
    return f"""
        PERFORM scheduling_roster_reach_refresh(clients)
        FROM (SELECT ARRAY({changed} {CLIENTS_OF_SESSIONS_SQL.format(sessions=sessions)}) AS clients) c
        WHERE cardinality(clients) > 0
    """


# (table, event, transition tables, body) of each trigger.
TRIGGERS = [
    (
        "scheduling_session",
        "INSERT",
        "NEW TABLE AS new_rows",
        # The view's rows by an array of ids: a join to it built the view for every session.
        ADD_SQL.format(
            pairs="SELECT client_id, session_id FROM scheduling_sessionclient "
            f"WHERE session_id = ANY(ARRAY(SELECT id FROM new_rows WHERE status = {SCHEDULED}))"  # nosec B608  # constants
        ),
    ),
    (
        "scheduling_session",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        _refresh_clients_of(
            "changed",
            f"""WITH changed AS (
                SELECT o.* FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE {_REACH_CHANGED}
                UNION ALL
                SELECT n.* FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE {_REACH_CHANGED}
            )""",  # nosec B608  # this module's constants
        ),
    ),
    ("scheduling_session", "DELETE", "OLD TABLE AS old_rows", _refresh_clients_of("old_rows")),
    *(
        (
            "groups_enrollment",
            event,
            transitions,
            "PERFORM scheduling_roster_reach_refresh(ARRAY("
            + " UNION ".join(f"SELECT client_id FROM {rows}" for rows in tables)  # nosec B608  # constants
            + "))",
        )
        for event, transitions, tables in (
            ("INSERT", "NEW TABLE AS new_rows", ["new_rows"]),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows", ["old_rows", "new_rows"]),
            ("DELETE", "OLD TABLE AS old_rows", ["old_rows"]),
        )
    ),
    (
        "scheduling_dropin",
        "INSERT",
        "NEW TABLE AS new_rows",
        ADD_SQL.format(pairs="SELECT client_id, session_id FROM new_rows"),
    ),
    (
        "scheduling_attendance",
        "INSERT",
        "NEW TABLE AS new_rows",
        ADD_SQL.format(pairs="SELECT client_id, session_id FROM new_rows"),
    ),
]


def _trigger_name(table: str, event: str) -> str:
    return f"{table}_roster_reach_{event.lower()}"


def triggers_create_sql() -> tuple[str, ...]:
    """The statements that create the functions and triggers (migration scheduling 0017)."""
    statements = [REFRESH_FUNCTION_SQL]
    for table, event, transitions, body in TRIGGERS:
        name = _trigger_name(table, event)
        statements.append(
            f"""
            CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                {body};
                RETURN NULL;
            END $$;
            CREATE TRIGGER {name} AFTER {event} ON {table}
            REFERENCING {transitions} FOR EACH STATEMENT EXECUTE FUNCTION {name}();
            """
        )
    return tuple(statements)


def triggers_drop_sql() -> tuple[str, ...]:
    return (
        *(
            f"DROP TRIGGER IF EXISTS {_trigger_name(t, e)} ON {t}; "
            f"DROP FUNCTION IF EXISTS {_trigger_name(t, e)}();"
            for t, e, _, _ in TRIGGERS
        ),
        "DROP FUNCTION IF EXISTS scheduling_roster_reach_refresh(bigint[]);",
    )


# Every client's rows from the whole history: after a load that ran without triggers, and in the
# migration that made the table.
REBUILD_SQL = (
    "DELETE FROM scheduling_rosterreach",
    ADD_SQL.format(
        pairs="""
        SELECT client_id, session_id FROM scheduling_sessionclient
        UNION ALL SELECT client_id, session_id FROM scheduling_dropin
        UNION ALL SELECT client_id, session_id FROM scheduling_attendance
        """
    ),
)


def roster_reach_rebuild() -> None:
    with connection.cursor() as cursor:
        for statement in REBUILD_SQL:
            cursor.execute(statement)
