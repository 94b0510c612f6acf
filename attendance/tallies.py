"""Program attendance summed up per site and day, and per child, site and month.

Dashboards and the early warning read years of marks for thousands of
children; summing ten million marks on every page view would not fit in a
quarter of a second. So PostgreSQL keeps two tallies beside the marks
(``AttendanceDay``, ``ChildAttendanceMonth``):

- Three statement-level triggers on ``attendance_mark`` (insert, update,
  delete; declared on ``Mark``) pass the (register, child) pairs a statement
  touched to ``attendance_refresh_tallies``, which recomputes exactly the
  site-days and child-months of those pairs from the marks. A register saved,
  corrected, turned into "no session" or written in bulk updates its tallies in
  the same statement and transaction; nothing in Python has to remember to.
- ``rebuild`` recomputes everything, for data loaded with the triggers off
  (the benchmark's COPY) and to check the triggers (tests compare both).

A day with no marks has no ``AttendanceDay`` row: a "no session" day and a
register nobody took never count. Attended means present or late.
"""

from __future__ import annotations

from django.db import connection

ATTENDED = "('present', 'late')"
# The first key of the advisory locks the refresh takes per site.
LOCK_NAMESPACE = 7351

# The site-days and child-months a statement's (register, child) pairs touch.
# Django deletes a register's marks before the register itself, and the foreign
# key forbids the other order, so the registers are always there to name them.
_DAYS = """
    SELECT DISTINCT g.site_id, r.date
    FROM attendance_register r JOIN programs_group g ON g.id = r.group_id
    WHERE r.id = ANY(register_ids)
"""
_MONTHS = """
    SELECT DISTINCT pair.child_id, g.site_id, date_trunc('month', r.date)::date AS month
    FROM unnest(register_ids, child_ids) AS pair(register_id, child_id)
    JOIN attendance_register r ON r.id = pair.register_id
    JOIN programs_group g ON g.id = r.group_id
"""

REFRESH_FUNCTION = f"""
CREATE OR REPLACE FUNCTION attendance_refresh_tallies(register_ids bigint[], child_ids bigint[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- Two registers of a site saved at once would each delete, recount and insert
    -- the same site's rows; the second insert would break the unique key. One
    -- save per site at a time (in site order, so none waits for the other in a
    -- circle); each statement below then sees the other's committed marks.
    PERFORM pg_advisory_xact_lock({LOCK_NAMESPACE}, sites.site_id::int)
    FROM (
        SELECT DISTINCT g.site_id FROM attendance_register r
        JOIN programs_group g ON g.id = r.group_id
        WHERE r.id = ANY(register_ids) ORDER BY g.site_id
    ) sites;

    DELETE FROM attendance_attendanceday t
    USING ({_DAYS}) d WHERE t.site_id = d.site_id AND t.date = d.date;
    INSERT INTO attendance_attendanceday (site_id, date, sessions, marked, attended)
    SELECT d.site_id, d.date, count(DISTINCT r.id), count(*),
           count(*) FILTER (WHERE m.status IN {ATTENDED})
    FROM ({_DAYS}) d
    JOIN programs_group g ON g.site_id = d.site_id
    JOIN attendance_register r ON r.group_id = g.id AND r.date = d.date
    JOIN attendance_mark m ON m.register_id = r.id
    GROUP BY d.site_id, d.date;

    DELETE FROM attendance_childattendancemonth t
    USING ({_MONTHS}) k
    WHERE t.child_id = k.child_id AND t.site_id = k.site_id AND t.month = k.month;
    -- The month's registers of the site first (date index), then each child's
    -- mark in them (unique index): not every mark of the child's ten years.
    INSERT INTO attendance_childattendancemonth
        (child_id, site_id, month, marked, attended, last_marked_on, last_attended_on)
    SELECT k.child_id, k.site_id, k.month, count(*),
           count(*) FILTER (WHERE m.status IN {ATTENDED}),
           max(r.date), max(r.date) FILTER (WHERE m.status IN {ATTENDED})
    FROM ({_MONTHS}) k
    JOIN programs_group g ON g.site_id = k.site_id
    JOIN attendance_register r ON r.group_id = g.id
        AND r.date >= k.month AND r.date < (k.month + interval '1 month')
    JOIN attendance_mark m ON m.register_id = r.id AND m.child_id = k.child_id
    GROUP BY k.child_id, k.site_id, k.month;
END;
$$;
"""  # noqa: S608 (built from this module's constants)

DROP_FUNCTION = "DROP FUNCTION IF EXISTS attendance_refresh_tallies(bigint[], bigint[]);"

_REBUILD = [
    "DELETE FROM attendance_attendanceday",
    "DELETE FROM attendance_childattendancemonth",
    f"""
    INSERT INTO attendance_attendanceday (site_id, date, sessions, marked, attended)
    SELECT g.site_id, r.date, count(DISTINCT r.id), count(*),
           count(*) FILTER (WHERE m.status IN {ATTENDED})
    FROM attendance_mark m
    JOIN attendance_register r ON r.id = m.register_id
    JOIN programs_group g ON g.id = r.group_id
    GROUP BY g.site_id, r.date
    """,  # noqa: S608 (a constant)
    f"""
    INSERT INTO attendance_childattendancemonth
        (child_id, site_id, month, marked, attended, last_marked_on, last_attended_on)
    SELECT m.child_id, g.site_id, date_trunc('month', r.date)::date, count(*),
           count(*) FILTER (WHERE m.status IN {ATTENDED}),
           max(r.date), max(r.date) FILTER (WHERE m.status IN {ATTENDED})
    FROM attendance_mark m
    JOIN attendance_register r ON r.id = m.register_id
    JOIN programs_group g ON g.id = r.group_id
    GROUP BY m.child_id, g.site_id, date_trunc('month', r.date)
    """,  # noqa: S608 (a constant)
]


def rebuild(using=connection) -> None:
    """Recompute every tally from the marks (after a load with the triggers off)."""
    with using.cursor() as cursor:
        for statement in _REBUILD:
            cursor.execute(statement)
