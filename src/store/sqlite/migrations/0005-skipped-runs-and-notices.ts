/**
 * Migration 5: a run may be recorded as `skipped` (the schedule fired on a day that is not
 * a school day, or while the previous run was still going), and the outbox carries
 * `channel_notice` entries (a message to a policy's channel about the policy itself). SQLite
 * cannot change a CHECK constraint in place, so both tables are rebuilt with their rows,
 * sequence numbers and indexes as they were.
 */
export const SKIPPED_RUNS_AND_NOTICES = `
CREATE TABLE runs_new (
  run_id       TEXT PRIMARY KEY,
  policy_id    TEXT NOT NULL,
  as_of        TEXT NOT NULL,
  started_at   INTEGER NOT NULL,
  finished_at  INTEGER,
  status       TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'skipped')),
  counts       TEXT NOT NULL,
  errors       TEXT NOT NULL,
  warnings     TEXT NOT NULL DEFAULT '[]',
  data_through TEXT NOT NULL DEFAULT '[]'
) WITHOUT ROWID;
INSERT INTO runs_new (run_id, policy_id, as_of, started_at, finished_at, status, counts, errors,
                      warnings, data_through)
  SELECT run_id, policy_id, as_of, started_at, finished_at, status, counts, errors, warnings,
         data_through FROM runs;
DROP TABLE runs;
ALTER TABLE runs_new RENAME TO runs;
CREATE INDEX runs_by_policy ON runs (policy_id, as_of, started_at);

CREATE TABLE outbox_new (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  id             TEXT NOT NULL UNIQUE,
  policy_id      TEXT NOT NULL,
  case_id        TEXT,
  kind           TEXT NOT NULL
                 CHECK (kind IN ('case_card', 'card_update', 'thread_reply', 'student_message',
                                 'channel_notice')),
  payload        TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  due_at         INTEGER NOT NULL,
  attempts       INTEGER NOT NULL DEFAULT 0,
  status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
  claimed_by     TEXT,
  claimed_until  INTEGER,
  activity_id    TEXT,
  last_error     TEXT,
  sent_at        INTEGER,
  sending_at     INTEGER
);
INSERT INTO outbox_new (seq, id, policy_id, case_id, kind, payload, created_at, due_at, attempts,
                        status, claimed_by, claimed_until, activity_id, last_error, sent_at,
                        sending_at)
  SELECT seq, id, policy_id, case_id, kind, payload, created_at, due_at, attempts, status,
         claimed_by, claimed_until, activity_id, last_error, sent_at, sending_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (due_at, created_at, seq) WHERE status = 'pending';
CREATE INDEX outbox_by_case ON outbox (case_id, status, seq);
CREATE INDEX outbox_by_policy ON outbox (policy_id, status);
`;
