"""A synthetic clinic with years of history, for `manage.py generate_clinic` and `make bench`.

At scale 1: a program that opened four years ago and has had about 2,000 clients in it every
week since (about 48,000 admitted in all), 40 clinicians, 120 groups meeting four weekdays for
three hours, an individual session a week for a client's first four weeks and every other week
after, and what the program leaves behind: about 400,000 sessions, 1.9 million attendance rows,
1.6 million progress notes, a million chart reads, 800,000 sent reminders, 79,000 authorizations
(about 200 due for review today). Smaller scales shrink
every count, not the four years.

Set-based: each table is filled by one INSERT ... SELECT inside PostgreSQL (random() after
setseed, so a scale and a seed always give the same clinic), from plans in temporary tables, in
final states only, because the database refuses UPDATE or DELETE of kept history: the flags the
triggers keep are written as the triggers would leave them, so (for a superuser) the triggers
and foreign-key checks are off while loading, and the history tables' indexes are built after.
The derived state is then computed by the services that keep it in production: the weekly rows
and alerts by `compliance_recompute`, the pending reminders by `reminders_plan`, today's open
utilization reviews and the attendance no authorization covers by `utilization_reviews_update`.
Shapes: each stay is covered by H0015 authorizations of six to nine weeks with renewals, a few
late (gaps), some renewals not recorded yet (reviews due, attendance without one), about one in
seven authorizing fewer days (they run out), the past reviews resolved; most clients complete
8-12 weeks, about a fifth leave early; each client attends 70-95% of sessions; notes are signed
within a day, with a tail of unsigned and missing notes that thins with age and sessions without
attendance in the last two days; group sessions nobody was enrolled in (the first weeks) were
cancelled; old alerts were resolved, a few were left open.
"""

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from faker import Faker

from clients.models import Client, ProgramTrack
from demo.people import DEMO_PASSWORD
from groups.models import GroupType
from iop.clock import week_start_of
from iop.models import Role
from scheduling.roster_reach import roster_reach_rebuild
from scheduling.selectors.authorizations import REVIEW_DAYS
from scheduling.services.authorizations import utilization_reviews_update
from scheduling.services.compliance import compliance_recompute
from scheduling.services.reminders import reminders_plan
from scheduling.services.sessions import MATERIALIZE_DAYS

HISTORY_YEARS = 4
# Local start times of the three daily slots; a clinician's groups are in different slots.
SLOTS = ("09:00", "13:00", "17:30")
GROUP_MINUTES = 180
INDIVIDUAL_MINUTES = 50
RECOMPUTE_WEEKS_PER_STATEMENT = 8
# Most clients complete 8-12 weeks; the others leave after 1-7.
COMPLETED_SHARE = 0.78
LONGEST_STAY_DAYS = 12 * 7
MEAN_STAY_DAYS = 7 * (COMPLETED_SHARE * 10 + (1 - COMPLETED_SHARE) * 4)


@dataclass(frozen=True)
class Size:
    clinicians: int
    groups: int
    active_clients: int
    clients: int

    @classmethod
    def at(cls, scale: float) -> "Size":
        active = max(10, round(2000 * scale))
        return cls(
            clinicians=max(2, round(40 * scale)),
            groups=max(2, round(120 * scale)),
            active_clients=active,
            # As many admissions as keep the census at `active` throughout the years.
            clients=round(active * HISTORY_YEARS * 365.25 / MEAN_STAY_DAYS),
        )


def _execute(sql: str, params: dict[str, Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _ids(sql: str, params: dict[str, Any]) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


_USERS_SQL = """
    INSERT INTO iop_user (password, is_superuser, username, first_name, last_name, email,
                          is_staff, is_active, date_joined, role)
    SELECT %(password)s, false, %(prefix)s || n,
           (%(first_names)s::text[])[1 + floor(random() * %(names)s)::int],
           (%(last_names)s::text[])[1 + floor(random() * %(names)s)::int],
           %(prefix)s || n || '@example.org', false, true, %(joined)s, %(role)s
    FROM generate_series(1, %(count)s) n
    ORDER BY n
    RETURNING id
"""

# Admissions spread evenly over the years (client i, the i-th admitted, joins group i mod the
# groups, as intake fills seats in turn), so the census is about the same every week; a client
# whose stay ends before today was discharged then, the others are active.
_PLAN_SQL = """
    CREATE TEMP TABLE synthetic_client ON COMMIT DROP AS
    WITH drawn AS MATERIALIZED (
        SELECT i, i %% %(groups)s AS slot_group, random() AS r_stay, random() AS r_weeks,
               random() AS r_admit, random() AS r_rate, random() AS r_reads, random() AS r_contact
        FROM generate_series(1, %(clients)s) i
    ),
    admitted AS (
        SELECT *,
               %(first_day)s::date + floor((i - r_admit) * %(admission_span)s / %(clients)s)::int
                   AS admission_date,
               CASE WHEN r_stay < %(completed_share)s THEN 8 + floor(r_weeks * 5)::int
                    ELSE 1 + floor(r_weeks * 7)::int END AS stay_weeks
        FROM drawn
    )
    SELECT i,
           (%(group_ids)s::bigint[])[1 + slot_group] AS group_id,
           (%(clinician_ids)s::bigint[])[1 + slot_group %% %(clinicians)s] AS clinician_id,
           slot_group %% 10 = 0 AS adolescent,
           admission_date + 7 * stay_weeks - 1 < %(today)s AS discharged,
           admission_date, stay_weeks,
           0.70 + 0.25 * r_rate AS attendance_rate,
           1 + 3 * r_reads AS chart_reads_a_week,
           r_contact
    FROM admitted
"""

_CLIENTS_SQL = """
    INSERT INTO clients_client (mrn, legal_first_name, legal_last_name, preferred_name, pronouns,
        date_of_birth, email, phone, track_id, status, admission_date, discharge_date,
        expected_length_weeks, primary_clinician_id, user_id, created_at)
    SELECT 'M' || lpad(nextval('clients_mrn_seq')::text, 6, '0'),
           (%(first_names)s::text[])[1 + floor(random() * %(names)s)::int],
           (%(last_names)s::text[])[1 + floor(random() * %(names)s)::int],
           '', '',
           s.admission_date - CASE WHEN s.adolescent THEN 4800 + floor(random() * 1400)::int
                                   ELSE 6900 + floor(random() * 16000)::int END,
           CASE WHEN s.r_contact < 0.85 THEN 'client' || s.i || '@example.org' ELSE '' END,
           CASE WHEN s.r_contact < 0.70 THEN '555-' || lpad((s.i %% 10000)::text, 4, '0')
                ELSE '' END,
           CASE WHEN s.adolescent THEN %(adolescent)s ELSE %(adult)s END,
           CASE WHEN s.discharged THEN 'discharged' ELSE 'active' END,
           s.admission_date,
           CASE WHEN s.discharged THEN s.admission_date + 7 * s.stay_weeks - 1 END,
           CASE WHEN s.stay_weeks >= 8 THEN s.stay_weeks ELSE 12 END,
           s.clinician_id, u.id, s.admission_date::timestamp AT TIME ZONE %(tz)s
    FROM synthetic_client s
    JOIN iop_user u ON u.username = 'client' || s.i
    ORDER BY s.i
"""

# last_day: the last day on the calendar (sessions run to the horizon while in the program);
# chart_reads: read about 1-4 times a week in the program, up to today. A new table, not an
# UPDATE of the plan: an index built after updating rows in the same transaction cannot be used
# by that transaction (its HOT chains), and every later step here is in it.
_LINK_CLIENTS_SQL = """
    CREATE TEMP TABLE synthetic_client_linked ON COMMIT DROP AS
    SELECT s.*, c.id AS client_id, c.discharge_date,
           COALESCE(c.discharge_date, %(horizon_end)s) AS last_day,
           GREATEST(1, round(s.chart_reads_a_week
               * (COALESCE(c.discharge_date, %(today)s) - c.admission_date + 1) / 7.0))::int
               AS chart_reads
    FROM synthetic_client s
    JOIN iop_user u ON u.username = 'client' || s.i
    JOIN clients_client c ON c.user_id = u.id;
    DROP TABLE synthetic_client;
    ALTER TABLE synthetic_client_linked RENAME TO synthetic_client;
    CREATE INDEX ON synthetic_client (group_id, admission_date);
    CREATE INDEX ON synthetic_client (client_id);
    ANALYZE synthetic_client;
"""

_ENROLMENT_SQL = """
    INSERT INTO groups_enrollment (group_id, client_id, start_date, end_date, created_at,
                                   void_reason)
    SELECT group_id, client_id, admission_date, discharge_date,
           admission_date::timestamp AT TIME ZONE %(tz)s, ''
    FROM synthetic_client;
    INSERT INTO clients_levelofcareepisode (client_id, level, start_date, end_date, reason)
    SELECT client_id, '2.1', admission_date, discharge_date, 'Admitted to IOP'
    FROM synthetic_client;
    INSERT INTO clients_discharge (client_id, discharge_date, reason, step_down_level, aftercare,
                                   summary, recorded_by_id, recorded_at)
    SELECT client_id, discharge_date,
           CASE WHEN stay_weeks >= 8 THEN 'completed' ELSE 'against_advice' END, '1',
           '{outpatient,alumni}', 'Completed the program; continues in outpatient counseling.',
           clinician_id, (discharge_date + 1)::timestamp AT TIME ZONE %(tz)s
    FROM synthetic_client WHERE discharged;
    INSERT INTO scheduling_reminderpreference (client_id, email_opt_in, sms_opt_in, updated_at)
    SELECT client_id, r_contact < 0.85 AND random() < 0.18, r_contact < 0.70 AND random() < 0.09,
           admission_date::timestamp AT TIME ZONE %(tz)s
    FROM synthetic_client;
"""

# Every session first in a plan with its id (from the table's own sequence), so the attendance
# can be planned before the sessions are written and each table written once, in final state.
# Groups meet four weekdays (each its own day off) for three hours; each client has an
# individual session weekly for four weeks, then every other week. A day the clinic was closed,
# and a past day nobody was on the group's roster (the first weeks), cancelled the group.
_SESSION_PLAN_SQL = """
    CREATE TEMP TABLE synthetic_session ON COMMIT DROP AS
    WITH planned AS (
        SELECT g.id AS group_id, NULL::bigint AS client_id, f.user_id AS clinician_id,
               g.room_id, false AS is_telehealth, day::date AS day, starts.at AS starts_at,
               starts.at + make_interval(mins => g.duration_minutes) AS ends_at,
               hashtext(day::text) %% 100 = 0 AS closed
        FROM groups_group g
        JOIN LATERAL (SELECT min(user_id) AS user_id FROM groups_group_facilitators
                      WHERE group_id = g.id) f ON true
        CROSS JOIN generate_series(%(first_day)s::date, %(horizon_end)s::date, '1 day') AS day
        CROSS JOIN LATERAL (SELECT (day::date + g.start_time) AT TIME ZONE %(tz)s AS at) starts
        WHERE (extract(isodow FROM day)::int - 1) = ANY(g.weekdays)
        UNION ALL
        SELECT NULL, s.client_id, s.clinician_id, office.id, office.id IS NULL, day::date,
               starts.at, starts.at + make_interval(mins => %(individual_minutes)s), false
        FROM synthetic_client s
        LEFT JOIN groups_room office ON office.name = 'Office ' || s.clinician_id AND s.i %% 5 <> 0
        CROSS JOIN LATERAL generate_series(
            date_trunc('week', s.admission_date)::date + 1 + (s.i %% 2) * 2,
            s.last_day, '7 days') AS day
        CROSS JOIN LATERAL (
            SELECT (day::date + make_time(11 + (s.i %% 2) * 5, (s.i %% 3) * 20, 0))
                   AT TIME ZONE %(tz)s AS at) starts
        WHERE day::date >= s.admission_date
          AND ((day::date - date_trunc('week', s.admission_date)::date) / 7 < 4
               OR (day::date - date_trunc('week', s.admission_date)::date) / 7 %% 2 = 0)
    ),
    decided AS (
        SELECT p.*,
               p.group_id IS NOT NULL AND p.day < %(today)s AND NOT EXISTS (
                   SELECT 1 FROM synthetic_client c
                   WHERE c.group_id = p.group_id AND c.last_day >= p.day
                     AND c.admission_date BETWEEN p.day - %(longest_stay)s + 1 AND p.day
               ) AS empty
        FROM planned p
    )
    SELECT nextval(pg_get_serial_sequence('scheduling_session', 'id')) AS id, d.*,
           CASE WHEN closed OR empty THEN 'cancelled' ELSE 'scheduled' END AS status,
           CASE WHEN closed THEN 'Clinic closure' WHEN empty THEN 'Nobody enrolled' ELSE '' END
               AS cancel_reason
    FROM (SELECT * FROM decided ORDER BY starts_at, group_id, client_id) d;
    ANALYZE synthetic_session;
"""

# One row per client on a past session (the roster of a group session, or an individual
# session's client); a few sessions of the last two days have no attendance yet. A note for every
# attended client, signed within a day, except a tail that thins with age: in the last three
# days 40% unsigned (10% not started), in the month before 3% (1%), earlier 0.1% (0.05%): old
# work gets done, so the open work follows the clinic's size, not its years.
_ATTENDANCE_PLAN_SQL = """
    CREATE TEMP TABLE synthetic_attendance ON COMMIT DROP AS
    WITH on_session AS MATERIALIZED (
        SELECT s.id AS session_id, s.group_id, s.clinician_id, s.starts_at, s.ends_at,
               c.client_id, c.attendance_rate
        FROM synthetic_session s
        JOIN synthetic_client c
          ON c.group_id = s.group_id AND c.last_day >= s.day
         AND c.admission_date BETWEEN s.day - %(longest_stay)s + 1 AND s.day
        WHERE s.group_id IS NOT NULL AND s.status = 'scheduled' AND s.ends_at < %(now)s
        UNION ALL
        SELECT s.id, NULL, s.clinician_id, s.starts_at, s.ends_at, s.client_id, c.attendance_rate
        FROM synthetic_session s
        JOIN synthetic_client c ON c.client_id = s.client_id
        WHERE s.client_id IS NOT NULL AND s.status = 'scheduled' AND s.ends_at < %(now)s
    ),
    drawn AS (
        SELECT o.*, random() AS r_came, random() AS r_how, random() AS r_note,
               (EXTRACT(EPOCH FROM ends_at - starts_at) / 60)::int AS minutes,
               CASE WHEN ends_at > %(now)s - interval '3 days' THEN 0.6
                    WHEN ends_at > %(now)s - interval '33 days' THEN 0.97
                    ELSE 0.999 END AS signed_share,
               CASE WHEN ends_at > %(now)s - interval '3 days' THEN 0.9
                    WHEN ends_at > %(now)s - interval '33 days' THEN 0.99
                    ELSE 0.9995 END AS started_share
        FROM on_session o
        WHERE ends_at < %(now)s - interval '2 days' OR abs(hashtext(session_id::text)) %% 100 >= 15
    ),
    decided AS (
        SELECT *,
               CASE WHEN r_came >= attendance_rate
                        THEN CASE WHEN r_how < 0.7 THEN 'absent' ELSE 'excused' END
                    WHEN r_how < 0.85 THEN 'present'
                    WHEN r_how < 0.95 THEN 'late'
                    ELSE 'left_early' END AS status,
               r_came < attendance_rate AS attended
        FROM drawn
    )
    SELECT session_id, group_id, clinician_id, starts_at, ends_at, client_id, minutes, status,
           attended, attended AND r_note < started_share AS noted,
           attended AND r_note < signed_share AS note_signed,
           LEAST(ends_at + make_interval(hours => 1 + (r_note * 20)::int), %(now)s) AS signed_at
    FROM decided
    ORDER BY session_id, client_id;
    ANALYZE synthetic_attendance;
"""

# The flags the triggers keep (attendance taken, notes open) written as they would leave them.
_SESSIONS_SQL = """
    INSERT INTO scheduling_session (id, session_type, group_id, client_id, clinician_id, room_id,
        is_telehealth, starts_at, ends_at, status, cancel_reason, reschedule_reason,
        counts_toward_hours, created_at, attendance_taken, notes_open)
    SELECT s.id, CASE WHEN s.group_id IS NULL THEN 'individual' ELSE 'group' END, s.group_id,
           s.client_id, s.clinician_id, s.room_id, s.is_telehealth, s.starts_at, s.ends_at,
           s.status, s.cancel_reason, '', true,
           s.starts_at - CASE WHEN s.group_id IS NULL THEN interval '14 days'
                              ELSE interval '28 days' END,
           a.session_id IS NOT NULL, COALESCE(a.notes_open, false)
    FROM synthetic_session s
    LEFT JOIN (SELECT session_id, bool_or(attended AND NOT note_signed) AS notes_open
               FROM synthetic_attendance GROUP BY session_id) a ON a.session_id = s.id
    ORDER BY s.id;
"""

_ATTENDANCE_SQL = """
    INSERT INTO scheduling_attendance (session_id, client_id, status, minutes_attended,
                                       session_minutes, recorded_by_id, recorded_at, note_signed)
    SELECT session_id, client_id, status,
           CASE status WHEN 'present' THEN minutes WHEN 'late' THEN minutes - 15
                       WHEN 'left_early' THEN minutes - 40 ELSE 0 END,
           minutes, clinician_id, ends_at + interval '20 minutes', note_signed
    FROM synthetic_attendance;

    INSERT INTO scheduling_sessionlog (session_id, attendance_version, attendance_taken_at, topic,
                                       interventions)
    SELECT DISTINCT ON (session_id) session_id, 1, ends_at + interval '20 minutes',
           CASE WHEN group_id IS NOT NULL THEN 'Coping with cravings' ELSE '' END,
           CASE WHEN group_id IS NOT NULL THEN 'Psychoeducation, role play' ELSE '' END
    FROM synthetic_attendance
    ORDER BY session_id;
"""

_NOTES_SQL = """
    INSERT INTO scheduling_progressnote (session_id, client_id, author_id, data, assessment, plan,
        group_topic, group_interventions, created_at, updated_at, signed_by_id, signed_at)
    SELECT session_id, client_id, clinician_id,
           'Client participated and shared about the week.',
           CASE WHEN note_signed THEN 'Engaged; risk low; progressing toward goals.' ELSE '' END,
           CASE WHEN note_signed THEN 'Continue the program; practice the skill discussed.'
                ELSE '' END,
           '', '', ends_at + interval '1 hour', signed_at,
           CASE WHEN note_signed THEN clinician_id END, CASE WHEN note_signed THEN signed_at END
    FROM synthetic_attendance
    WHERE noted;
"""

_CHART_READS_SQL = """
    INSERT INTO iop_chartread (user_id, client_ids, at, path, ip_address, what, action)
    SELECT c.clinician_id, ARRAY[c.client_id],
           LEAST(c.admission_date::timestamp AT TIME ZONE %(tz)s
                 + random() * ((COALESCE(c.discharge_date, %(today)s) - c.admission_date + 1)
                               * interval '1 day'), %(now)s),
           '/clients/' || c.client_id || '/', ('10.0.0.' || (1 + n %% 200))::inet, 'chart', 'read'
    FROM synthetic_client c
    CROSS JOIN LATERAL generate_series(1, c.chart_reads) n;
"""

# The reminders sent before every past session with attendance, by each opted-in channel.
_SENT_REMINDERS_SQL = """
    INSERT INTO scheduling_reminder (session_id, client_id, kind, channel, due_at, status,
                                     attempts, last_error, sent_at, created_at)
    SELECT a.session_id, a.client_id, k.kind, ch.channel, a.starts_at - k.lead, 'sent', 1, '',
           a.starts_at - k.lead + interval '1 minute', a.starts_at - interval '8 days'
    FROM synthetic_attendance a
    JOIN scheduling_reminderpreference pref ON pref.client_id = a.client_id
    CROSS JOIN (VALUES ('day_before', interval '1 day'), ('hours_before', interval '2 hours'))
        AS k(kind, lead)
    CROSS JOIN (VALUES ('email'), ('sms')) AS ch(channel)
    WHERE (ch.channel = 'email' AND pref.email_opt_in) OR (ch.channel = 'sms' AND pref.sms_opt_in);
"""

# Weeks long past were looked at and resolved by the clinicians; a few were left open.
_RESOLVE_OLD_ALERTS_SQL = """
    UPDATE scheduling_compliancealert a
    SET resolved_at = (a.week_start + 10)::timestamp AT TIME ZONE %(tz)s,
        resolved_by_id = c.primary_clinician_id,
        reason = (ARRAY['illness', 'transportation', 'childcare', 'work_school', 'other'])
                 [1 + (a.id %% 5)],
        plan = 'Discussed the week with the client; plan updated.'
    FROM clients_client c
    WHERE c.id = a.client_id AND a.resolved_at IS NULL AND a.week_start < %(resolve_before)s
      AND a.id %% 50 <> 0;
"""


# Payers, each counting H0015 by the usual rule (a day of three hours is one unit).
PAYERS = ("Keystone Health Plan", "State Medicaid", "Blue Valley Insurance", "Commonwealth Care")
MINUTES_PER_UNIT = 180

_PAYERS_SQL = """
    INSERT INTO clients_payer (name) SELECT unnest(%(payers)s::text[]) ORDER BY 1 RETURNING id
"""
_UNIT_RULES_SQL = """
    INSERT INTO clients_payerunitrule (payer_id, service_code, minutes_per_unit)
    SELECT id, 'H0015', %(minutes_per_unit)s FROM clients_payer
"""

# Each client's stay in H0015 authorizations of six to nine weeks from admission, each renewal
# starting the day after the one before, except some (12%) that start 1-7 days late (a gap). A
# renewal is recorded from 6 days before it starts to 7 days after (then it covers back to its
# first day); one not recorded by today does not exist yet, so a current authorization may be
# due for review, or have ended with its renewal still to come. About one in seven authorizes
# two and a half days a week instead of four (they run out). The one covering a discharge before
# its last day ended then.
_AUTHORIZATIONS_SQL = """
    CREATE TEMP TABLE synthetic_authorization ON COMMIT DROP AS
    WITH per_client AS (
        SELECT client_id, clinician_id, i, admission_date, discharge_date,
               7 * (6 + floor(random() * 4)::int) AS span_days,
               CASE WHEN random() < 0.15 THEN 2.5 ELSE 4 END AS units_a_week,
               (%(payer_ids)s::bigint[])[1 + i %% %(payers)s] AS payer_id
        FROM synthetic_client
    ),
    segments AS MATERIALIZED (
        SELECT p.*, k, p.admission_date + k * p.span_days AS nominal_first,
               random() AS r_gap, random() AS r_lead
        FROM per_client p
        CROSS JOIN LATERAL generate_series(
            0, (COALESCE(p.discharge_date, %(today)s + 14) - p.admission_date) / p.span_days) k
    ),
    drawn AS (
        SELECT *,
               CASE WHEN k > 0 AND r_gap < 0.12 THEN 1 + floor(r_gap * 58)::int ELSE 0 END
                   AS late_days,
               CASE WHEN k > 0 THEN floor(r_lead * 14)::int - 7 ELSE 0 END AS lead_days
        FROM segments
    ),
    dated AS (
        SELECT *, nominal_first + late_days AS first_day, nominal_first + span_days - 1 AS last_day
        FROM drawn
    )
    SELECT client_id, clinician_id, payer_id, first_day, last_day,
           CASE WHEN discharge_date < last_day THEN discharge_date END AS ended_on,
           ceil((last_day - first_day + 1) * units_a_week / 7.0)::int AS units,
           'A' || lpad(client_id::text, 7, '0') || '-' || (k + 1) AS number,
           LEAST((first_day - lead_days)::timestamp AT TIME ZONE %(tz)s + interval '10 hours',
                 %(now)s) AS recorded_at
    FROM dated
    WHERE first_day <= COALESCE(discharge_date, first_day)
      AND first_day - lead_days <= %(today)s;

    INSERT INTO clients_authorization (client_id, payer_id, number, service_code,
        units_authorized, first_day, last_day, ended_on, end_reason, recorded_by_id, recorded_at,
        void_reason)
    SELECT client_id, payer_id, number, 'H0015', units, first_day, last_day, ended_on,
           CASE WHEN ended_on IS NOT NULL THEN 'Discharged' ELSE '' END, clinician_id,
           recorded_at, ''
    FROM synthetic_authorization
    ORDER BY recorded_at;
"""

# The reviews of the years, resolved: the daily job opened one a week before an authorization's
# last day when no renewal was recorded by then (while the client was in the program), and it
# resolved when the renewal was recorded, or after the last day (ended, or the client discharged).
# The open ones of today are the job's own (`utilization_reviews_update`).
_PAST_REVIEWS_SQL = """
    INSERT INTO scheduling_utilizationreview (authorization_id, client_id, reason, units_left,
        projected_run_out, review_by, opened_at, updated_at, resolved_at, resolution)
    SELECT au.id, au.client_id, 'Ends ' || to_char(au.last_day, 'Dy Mon FMDD'),
           au.units_authorized / 8, NULL, au.last_day, opened.at, resolved.at, resolved.at,
           resolved.resolution
    FROM clients_authorization au
    JOIN clients_client c ON c.id = au.client_id
    CROSS JOIN LATERAL (
        SELECT (au.last_day - %(review_days)s)::timestamp AT TIME ZONE %(tz)s
               + interval '6 hours' AS at) opened
    LEFT JOIN LATERAL (
        SELECT n.recorded_at FROM clients_authorization n
        WHERE n.client_id = au.client_id AND n.first_day > au.first_day
        ORDER BY n.first_day LIMIT 1) renewal ON true
    CROSS JOIN LATERAL (
        SELECT CASE WHEN renewal.recorded_at IS NOT NULL THEN renewal.recorded_at
                    ELSE (LEAST(au.last_day, c.discharge_date) + 1)::timestamp AT TIME ZONE %(tz)s
                         + interval '6 hours' END AS at,
               CASE WHEN renewal.recorded_at IS NOT NULL THEN 'renewed'
                    WHEN c.discharge_date <= au.last_day THEN 'discharged'
                    ELSE 'ended' END AS resolution) resolved
    WHERE au.last_day < %(today)s
      AND au.ended_on IS NULL
      AND au.last_day - %(review_days)s >= au.first_day
      AND (c.discharge_date IS NULL OR c.discharge_date >= au.last_day - %(review_days)s)
      AND resolved.at > opened.at;
"""


def generate_clinic(*, scale: float, seed: int = 14, say: Callable[[str], None] = print) -> Size:
    """Fill an empty clinic with the synthetic one at `scale`; returns the sizes used."""
    if Client.objects.exists():
        raise ValueError("The clinic already has clients: generate into an empty database.")
    size = Size.at(scale)
    now = timezone.now()
    today = timezone.localdate(now)
    first_day = week_start_of(today.replace(year=today.year - HISTORY_YEARS))
    horizon_end = today + timedelta(days=MATERIALIZE_DAYS - 1)
    fake = Faker()
    Faker.seed(seed)
    random.seed(seed)
    names = 400
    common = {
        "tz": settings.TIME_ZONE,
        "now": now,
        "today": today,
        "first_day": first_day,
        "horizon_end": horizon_end,
        "first_names": [fake.first_name() for _ in range(names)],
        "last_names": [fake.last_name() for _ in range(names)],
        "names": names,
        "longest_stay": LONGEST_STAY_DAYS,
        "password": make_password(DEMO_PASSWORD),
        "joined": datetime.combine(first_day, datetime.min.time(), timezone.get_current_timezone()),
    }
    step = _Steps(say)
    with _working_memory():
        with transaction.atomic(), _without_triggers():
            _execute("SELECT setseed(%(seed)s)", {"seed": (seed % 1000) / 1000})
            _staff_and_groups(size, common, step)
            _clients(size, common, step)
            step(
                "session plan",
                _SESSION_PLAN_SQL,
                {**common, "individual_minutes": INDIVIDUAL_MINUTES},
            )
            step("attendance plan", _ATTENDANCE_PLAN_SQL, common)
            with _indexes_built_after(HISTORY_TABLES, step):
                step("sessions", _SESSIONS_SQL, common)
                step("attendance and session logs", _ATTENDANCE_SQL, common)
                step("progress notes", _NOTES_SQL, common)
                step("chart reads", _CHART_READS_SQL, common)
                step("sent reminders", _SENT_REMINDERS_SQL, common)
            _authorizations(common, step)
            step.timed("analyze", lambda: _execute("ANALYZE", {}))
        _derived_state(first_day, today, now, common, step)
    return size


def _set(name: str, value: str, *, local: bool) -> str:
    """Sets a server setting for the session or the transaction; returns its previous value."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting(%(name)s), set_config(%(name)s, %(value)s, %(local)s)",
            {"name": name, "value": value, "local": local},
        )
        return cursor.fetchone()[0]


# Every index of these tables that no constraint owns is built after they are filled: one sort
# an index instead of millions of insertions into each (the GIN index of chart reads most).
HISTORY_TABLES = (
    "scheduling_session",
    "scheduling_attendance",
    "scheduling_sessionlog",
    "scheduling_progressnote",
    "iop_chartread",
    "scheduling_reminder",
)


@contextmanager
def _indexes_built_after(tables: tuple[str, ...], step: "_Steps") -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT index.relname, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            JOIN pg_class index ON index.oid = i.indexrelid
            WHERE i.indrelid = ANY(%(tables)s::regclass[])
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY 1
            """,
            {"tables": list(tables)},
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield

    def build() -> None:
        previous = _set("maintenance_work_mem", "256MB", local=True)
        with connection.cursor() as cursor:
            for _, definition in indexes:
                cursor.execute(definition)
        _set("maintenance_work_mem", previous, local=True)

    step.timed(f"indexes ({len(indexes)})", build)


@contextmanager
def _working_memory() -> Iterator[None]:
    """Memory for the joins and sorts over millions of rows (hashed, not spilled to disk)."""
    previous = _set("work_mem", "256MB", local=False)
    try:
        yield
    finally:
        _set("work_mem", previous, local=False)


@contextmanager
def _without_triggers() -> Iterator[None]:
    """Within the transaction, for a superuser: no triggers. The rows are written in the final
    states the triggers would leave (flags included), and every foreign key comes from a join on
    its parent, so the deferred per-row foreign-key checks (tens of millions at scale 1) would
    only repeat the joins. Back as it was after, for the statements that follow in the same
    transaction (the tests')."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]
    if not superuser:
        yield
        return
    previous = _set("session_replication_role", "replica", local=True)
    yield
    _set("session_replication_role", previous, local=True)


class _Steps:
    """Runs and times the generation steps, saying each one."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say

    def __call__(self, what: str, sql: str, params: dict[str, object]) -> None:
        self.timed(what, lambda: _execute(sql, params))

    def timed(self, what: str, work: Callable[[], object]) -> None:
        started = timezone.now()
        work()
        self.say(f"{what}: {(timezone.now() - started).total_seconds():.1f} s")


def _staff_and_groups(size: Size, common: dict[str, object], step: _Steps) -> None:
    admin_ids = _ids(
        _USERS_SQL, {**common, "prefix": "admin", "count": 1, "role": Role.ADMIN.value}
    )
    _execute(
        "UPDATE iop_user SET username = 'admin', is_staff = true, is_superuser = true"
        " WHERE id = %(id)s",
        {"id": admin_ids[0]},
    )
    clinician_ids = _ids(
        _USERS_SQL,
        {**common, "prefix": "clinician", "count": size.clinicians, "role": Role.CLINICIAN.value},
    )
    common["clinician_ids"] = clinician_ids
    common["clinicians"] = len(clinician_ids)
    rooms = max(1, size.groups // 3)
    room_ids = _ids(
        """
        INSERT INTO groups_room (name, location, capacity, is_active)
        SELECT 'Room ' || n, 'Floor ' || (1 + n %% 3) || ', 120 Main Street', 20, true
        FROM generate_series(1, %(rooms)s) n ORDER BY n RETURNING id
        """,
        {"rooms": rooms},
    )
    _execute(
        """
        INSERT INTO groups_room (name, location, capacity, is_active)
        SELECT 'Office ' || id, '3rd floor, 120 Main Street', 4, true
        FROM unnest(%(clinician_ids)s::bigint[]) id
        """,
        common,
    )
    tracks = dict(ProgramTrack.objects.values_list("code", "pk"))
    common["adult"], common["adolescent"] = tracks["adult"], tracks["adolescent"]
    group_ids = _ids(
        """
        INSERT INTO groups_group (name, group_type, is_open, track_id, room_id, is_telehealth,
            capacity, weekdays, start_time, duration_minutes, first_date, counts_toward_hours,
            is_active, what_to_bring)
        SELECT 'Group ' || (g + 1) || ': ' || (%(types)s::text[])[1 + g %% %(type_count)s],
               (%(types)s::text[])[1 + g %% %(type_count)s], true,
               CASE WHEN g %% 10 = 0 THEN %(adolescent)s ELSE %(adult)s END,
               (%(room_ids)s::bigint[])[1 + g %% %(rooms)s], false, 20,
               array_remove(ARRAY[0, 1, 2, 3, 4], g %% 5),
               (%(slots)s::time[])[1 + (g / %(clinicians)s) %% 3], %(minutes)s, %(first_day)s,
               true, true, 'Workbook and a water bottle'
        FROM generate_series(0, %(groups)s - 1) g ORDER BY g RETURNING id
        """,
        {
            **common,
            "types": list(GroupType.values),
            "type_count": len(GroupType.values),
            "room_ids": room_ids,
            "rooms": rooms,
            "slots": list(SLOTS),
            "minutes": GROUP_MINUTES,
            "groups": size.groups,
        },
    )
    common["group_ids"] = group_ids
    # The lead facilitator has the lower id (materialize makes the lowest id the session's
    # clinician); every fourth group has a co-facilitator.
    _execute(
        """
        INSERT INTO groups_group_facilitators (group_id, user_id)
        SELECT (%(group_ids)s::bigint[])[1 + g], (%(clinician_ids)s::bigint[])[1 + g %% %(clinicians)s]
        FROM generate_series(0, %(groups)s - 1) g
        UNION ALL
        SELECT (%(group_ids)s::bigint[])[1 + g],
               (%(clinician_ids)s::bigint[])[2 + g %% %(clinicians)s]
        FROM generate_series(0, %(groups)s - 1) g
        WHERE g %% 4 = 0 AND g %% %(clinicians)s < %(clinicians)s - 1
        """,
        {**common, "groups": size.groups},
    )
    step.say(f"staff and groups: {len(clinician_ids)} clinicians, {len(group_ids)} groups")


def _clients(size: Size, common: dict[str, object], step: _Steps) -> None:
    today: date = common["today"]  # type: ignore[assignment]
    first_day: date = common["first_day"]  # type: ignore[assignment]
    params = {
        **common,
        "clients": size.clients,
        "groups": size.groups,
        "admission_span": (today - first_day).days + 1,
        "completed_share": COMPLETED_SHARE,
    }
    step(
        "client logins",
        _USERS_SQL,
        {**common, "prefix": "client", "count": size.clients, "role": Role.CLIENT.value},
    )
    step("client plan", _PLAN_SQL, params)
    step("clients", _CLIENTS_SQL, params)
    step("client links", _LINK_CLIENTS_SQL, params)
    step("enrollments, levels of care, discharges, preferences", _ENROLMENT_SQL, params)


def _authorizations(common: dict[str, object], step: _Steps) -> None:
    payer_ids = _ids(_PAYERS_SQL, {"payers": list(PAYERS)})
    _execute(_UNIT_RULES_SQL, {"minutes_per_unit": MINUTES_PER_UNIT})
    params = {**common, "payer_ids": payer_ids, "payers": len(payer_ids)}
    step("payers and authorizations", _AUTHORIZATIONS_SQL, params)
    step("past utilization reviews", _PAST_REVIEWS_SQL, {**params, "review_days": REVIEW_DAYS})


def _derived_state(
    first_day: date, today: date, now: datetime, common: dict[str, object], step: _Steps
) -> None:
    current_week = week_start_of(today)
    weeks = []
    week = first_day
    while week <= current_week:
        weeks.append(week)
        week += timedelta(weeks=1)

    def recompute_all() -> None:
        for start in range(0, len(weeks), RECOMPUTE_WEEKS_PER_STATEMENT):
            chunk = weeks[start : start + RECOMPUTE_WEEKS_PER_STATEMENT]
            compliance_recompute(all_weeks=chunk, now=now)

    step.timed(f"weekly hours and alerts ({len(weeks)} weeks)", recompute_all)
    step(
        "old alerts resolved",
        _RESOLVE_OLD_ALERTS_SQL,
        {**common, "resolve_before": current_week - timedelta(weeks=2)},
    )
    step.timed("pending reminders planned", lambda: reminders_plan(now=now))
    # Opens today's reviews and derives the attendance no authorization covers.
    step.timed("utilization reviews", lambda: utilization_reviews_update(now=now))
    # The history was loaded without triggers, so the rows they keep are derived here.
    step.timed("who was on whose sessions", roster_reach_rebuild)
    # What autovacuum does in a live clinic: mark the freshly written pages all-visible (for
    # index-only scans) and clear the versions the recompute and the alerts' resolution left, or
    # the first measurements pay for it. VACUUM cannot run in a transaction (the tests' smoke run).
    cleanup = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        step.timed(cleanup.lower(), lambda: cursor.execute(cleanup))
