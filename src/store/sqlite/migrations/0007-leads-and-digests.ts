/**
 * Migration 7: a policy may have a second channel, its engagement leads' (the weekly digest
 * and escalations), so a channel binding is keyed by policy and purpose (`cases`, the
 * policy's own channel, for every binding made before; or `leads`); and the outbox carries
 * `digest` and `leads_card` entries. SQLite cannot change a primary key or a CHECK
 * constraint in place, so both tables are rebuilt with their rows (and the outbox with its
 * sequence numbers) and indexes as they were.
 */
export const LEADS_AND_DIGESTS = `
CREATE TABLE channel_bindings_new (
  policy_id        TEXT NOT NULL,
  purpose          TEXT NOT NULL DEFAULT 'cases' CHECK (purpose IN ('cases', 'leads')),
  conversation_id  TEXT NOT NULL,
  team_id          TEXT,
  bound_by         TEXT NOT NULL,
  bound_at         TEXT NOT NULL,
  PRIMARY KEY (policy_id, purpose)
) WITHOUT ROWID;
INSERT INTO channel_bindings_new (policy_id, purpose, conversation_id, team_id, bound_by, bound_at)
  SELECT policy_id, 'cases', conversation_id, team_id, bound_by, bound_at FROM channel_bindings;
DROP TABLE channel_bindings;
ALTER TABLE channel_bindings_new RENAME TO channel_bindings;
CREATE INDEX channel_bindings_by_conversation
  ON channel_bindings (conversation_id, policy_id, purpose);

CREATE TABLE outbox_new (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  id             TEXT NOT NULL UNIQUE,
  policy_id      TEXT NOT NULL,
  case_id        TEXT,
  kind           TEXT NOT NULL
                 CHECK (kind IN ('case_card', 'card_update', 'thread_reply', 'student_message',
                                 'channel_notice', 'staff_message', 'digest', 'leads_card')),
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
