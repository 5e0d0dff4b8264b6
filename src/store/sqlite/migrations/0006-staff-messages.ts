/**
 * Migration 6: the outbox carries `staff_message` entries (a message to one member of staff
 * in their personal chat, such as a student's reply to their case). SQLite cannot change a
 * CHECK constraint in place, so the table is rebuilt with its rows, sequence numbers and
 * indexes as they were.
 */
export const STAFF_MESSAGES = `
CREATE TABLE outbox_new (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  id             TEXT NOT NULL UNIQUE,
  policy_id      TEXT NOT NULL,
  case_id        TEXT,
  kind           TEXT NOT NULL
                 CHECK (kind IN ('case_card', 'card_update', 'thread_reply', 'student_message',
                                 'channel_notice', 'staff_message')),
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
