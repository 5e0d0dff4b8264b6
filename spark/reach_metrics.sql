-- Reach's metrics table from the canonical tables, in DuckDB SQL: the same computation as
-- spark/reach_metrics.py, step by step (each temporary table here is the DataFrame of the
-- same name there). tests/metrics/metrics-table-agreement.test.ts runs it on a generated
-- bundle and checks every value against Reach's own metrics; docs/metrics-table.md
-- defines the table it writes.
--
-- Inputs (tables or views the caller creates, typed as below):
--   students(id VARCHAR, school VARCHAR, enrolled_from DATE)
--   calendar(school VARCHAR, date DATE, instructional BOOLEAN)          -- NULL = true
--   attendance(student_id VARCHAR, date DATE, status VARCHAR, section_id VARCHAR)
--   activity(student_id VARCHAR, date DATE, source VARCHAR, kind VARCHAR, count DOUBLE)
--   schools(id VARCHAR, attendance_recording VARCHAR)                   -- may be empty
--   circumstances(student_id VARCHAR, "from" DATE, "to" DATE, kind VARCHAR) -- may be empty
-- Variables (SET VARIABLE):
--   as_of DATE, window_days INTEGER,
--   absent_statuses VARCHAR[] (in Reach's order: tardy, early_departure, partial,
--   excused_absence, unexcused_absence)
-- Output: the table `metrics` (one row per student and metric).

-- 1. school_days: a date is a school day of a school unless a calendar row marks it
--    non-instructional (one such row is enough).
CREATE OR REPLACE TEMP TABLE school_days AS
SELECT school, date
FROM calendar
GROUP BY school, date
HAVING bool_and(coalesce(instructional, true));

-- 2. window_days: the last `window_days` school days of each school up to and including
--    as_of (back = 1 on the last one).
CREATE OR REPLACE TEMP TABLE window_days AS
SELECT school, date, row_number() OVER (PARTITION BY school ORDER BY date DESC) AS back
FROM school_days
WHERE date <= getvariable('as_of')
QUALIFY back <= getvariable('window_days');

-- 3. window_bounds: each school's window, first and last school day.
CREATE OR REPLACE TEMP TABLE window_bounds AS
SELECT school, min(date) AS window_from, max(date) AS window_to
FROM window_days
GROUP BY school;

-- 4. student_days: each student's window days that count — not covered by an approved
--    circumstance (every kind) — and whether the student was enrolled by then.
CREATE OR REPLACE TEMP TABLE student_days AS
SELECT s.id AS student_id,
       w.date,
       (s.enrolled_from IS NULL OR w.date >= s.enrolled_from) AS enrolled
FROM students s
JOIN window_days w ON w.school = s.school
WHERE NOT EXISTS (
  SELECT 1 FROM circumstances c
  WHERE c.student_id = s.id AND w.date BETWEEN c."from" AND c."to"
);

-- 5. sessions: attendance records on those days, one per student, day and section (the
--    most serious status kept when there are two), and whether it is an absence.
CREATE OR REPLACE TEMP TABLE sessions AS
WITH ranked AS (
  SELECT a.student_id,
         a.date,
         coalesce(a.section_id, '') AS section,
         list_position(
           ['present', 'tardy', 'early_departure', 'partial', 'excused_absence', 'unexcused_absence'],
           a.status
         ) AS rank
  FROM attendance a
  JOIN student_days d ON d.student_id = a.student_id AND d.date = a.date
)
SELECT student_id,
       date,
       section,
       list_contains(
         getvariable('absent_statuses'),
         ['present', 'tardy', 'early_departure', 'partial', 'excused_absence', 'unexcused_absence'][max(rank)]
       ) AS absent
FROM ranked
WHERE rank IS NOT NULL
GROUP BY student_id, date, section;

-- 6. implied_days: where a school records absences only, each enrolled day that counts
--    and has no record at all is one attended session.
CREATE OR REPLACE TEMP TABLE implied_days AS
SELECT d.student_id, count(*) AS days
FROM student_days d
JOIN students s ON s.id = d.student_id
JOIN schools sc ON sc.id = s.school AND sc.attendance_recording = 'absences_only'
WHERE d.enrolled
  AND NOT EXISTS (
    SELECT 1 FROM sessions x WHERE x.student_id = d.student_id AND x.date = d.date
  )
GROUP BY d.student_id;

-- 7. attendance_tally: sessions recorded and attended per student.
CREATE OR REPLACE TEMP TABLE attendance_tally AS
WITH recorded AS (
  SELECT student_id,
         count(*) AS sessions,
         count(*) FILTER (WHERE NOT absent) AS attended
  FROM sessions
  GROUP BY student_id
)
SELECT s.id AS student_id,
       coalesce(r.sessions, 0) + coalesce(i.days, 0) AS sessions,
       coalesce(r.attended, 0) + coalesce(i.days, 0) AS attended
FROM students s
LEFT JOIN recorded r ON r.student_id = s.id
LEFT JOIN implied_days i ON i.student_id = s.id;

-- 8. last_activity: each student's last day with activity (any source or kind, a count
--    above 0) up to and including as_of — weekends too — kept only when it falls in the
--    window.
CREATE OR REPLACE TEMP TABLE last_activity AS
WITH last AS (
  SELECT student_id, max(date) AS last_date
  FROM activity
  WHERE date <= getvariable('as_of') AND coalesce(count, 1) > 0
  GROUP BY student_id
)
SELECT s.id AS student_id,
       CASE WHEN l.last_date >= b.window_from THEN l.last_date END AS last_date
FROM students s
LEFT JOIN window_bounds b ON b.school = s.school
LEFT JOIN last l ON l.student_id = s.id;

-- 9. inactivity: the enrolled days that count after the last activity in the window
--    (every one of them when there is none).
CREATE OR REPLACE TEMP TABLE inactivity AS
SELECT l.student_id,
       l.last_date,
       count(d.date) FILTER (WHERE d.enrolled AND (l.last_date IS NULL OR d.date > l.last_date))
         AS days
FROM last_activity l
LEFT JOIN student_days d ON d.student_id = l.student_id
GROUP BY l.student_id, l.last_date;

-- 10. metrics: the table Reach reads (docs/metrics-table.md), one row per student and metric.
CREATE OR REPLACE TABLE metrics AS
WITH base AS (
  SELECT s.id AS student_id, b.window_from, b.window_to
  FROM students s
  LEFT JOIN window_bounds b ON b.school = s.school
)
SELECT base.student_id,
       'attendance_rate' AS metric,
       'absent_statuses=' || array_to_string(getvariable('absent_statuses'), ',')
         || ';window=' || getvariable('window_days') AS params,
       CASE WHEN t.sessions > 0 THEN t.attended::DOUBLE / t.sessions END AS value,
       base.window_from,
       base.window_to,
       t.attended::DOUBLE AS numerator,
       t.sessions::DOUBLE AS denominator,
       NULL::DATE AS first_date,
       NULL::DATE AS last_date,
       getvariable('as_of')::DATE AS as_of
FROM base JOIN attendance_tally t ON t.student_id = base.student_id
UNION ALL
SELECT base.student_id,
       'sessions_recorded',
       'window=' || getvariable('window_days'),
       t.sessions::DOUBLE,
       base.window_from,
       base.window_to,
       NULL,
       NULL,
       NULL,
       NULL,
       getvariable('as_of')::DATE
FROM base JOIN attendance_tally t ON t.student_id = base.student_id
UNION ALL
SELECT base.student_id,
       'days_since_activity',
       'window=' || getvariable('window_days'),
       i.days::DOUBLE,
       base.window_from,
       base.window_to,
       NULL,
       NULL,
       NULL,
       i.last_date,
       getvariable('as_of')::DATE
FROM base JOIN inactivity i ON i.student_id = base.student_id;
