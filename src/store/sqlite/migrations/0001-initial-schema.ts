/**
 * The first schema. Timestamps that the store compares (outbox due times, claims, lease
 * expiry) are epoch milliseconds; the rest are ISO text as the domain wrote them. The
 * tables are described in docs/storage.md.
 */
export const INITIAL_SCHEMA = `
CREATE TABLE cases (
  case_id     TEXT PRIMARY KEY,
  policy_id   TEXT NOT NULL,
  student_id  TEXT NOT NULL,
  school      TEXT NOT NULL,
  status      TEXT NOT NULL,
  is_open     INTEGER NOT NULL CHECK (is_open IN (0, 1)),
  severity    TEXT NOT NULL,
  assignee    TEXT,
  version     INTEGER NOT NULL CHECK (version > 0),
  as_of       TEXT NOT NULL,
  opened_at   TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX cases_by_policy ON cases (policy_id, status, opened_at);
CREATE INDEX cases_by_student ON cases (student_id, policy_id);
CREATE UNIQUE INDEX one_open_case ON cases (policy_id, student_id) WHERE is_open = 1;

CREATE TABLE case_events (
  case_id  TEXT NOT NULL REFERENCES cases (case_id),
  version  INTEGER NOT NULL CHECK (version >= 0),
  type     TEXT NOT NULL,
  at       TEXT NOT NULL,
  body     TEXT NOT NULL,
  PRIMARY KEY (case_id, version)
) WITHOUT ROWID;

CREATE TABLE outbox (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  id             TEXT NOT NULL UNIQUE,
  policy_id      TEXT NOT NULL,
  case_id        TEXT,
  kind           TEXT NOT NULL
                 CHECK (kind IN ('case_card', 'card_update', 'thread_reply', 'student_message')),
  payload        TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  due_at         INTEGER NOT NULL,
  attempts       INTEGER NOT NULL DEFAULT 0,
  status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
  claimed_by     TEXT,
  claimed_until  INTEGER,
  activity_id    TEXT,
  last_error     TEXT,
  sent_at        INTEGER
);
CREATE INDEX outbox_due ON outbox (due_at, created_at, seq) WHERE status = 'pending';
CREATE INDEX outbox_by_case ON outbox (case_id, status, seq);
CREATE INDEX outbox_by_policy ON outbox (policy_id, status);

CREATE TABLE audit (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         TEXT NOT NULL UNIQUE,
  policy_id  TEXT NOT NULL,
  case_id    TEXT NOT NULL,
  actor      TEXT NOT NULL,
  at         TEXT NOT NULL,
  action     TEXT NOT NULL,
  allowed    INTEGER NOT NULL CHECK (allowed IN (0, 1)),
  why        TEXT NOT NULL,
  refusal    TEXT
);
CREATE INDEX audit_by_case ON audit (case_id, at, seq);

CREATE TABLE erasures (
  case_id    TEXT PRIMARY KEY,
  policy_id  TEXT NOT NULL,
  actor      TEXT NOT NULL,
  at         TEXT NOT NULL,
  events     INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE rule_state (
  policy_id   TEXT PRIMARY KEY,
  as_of       TEXT NOT NULL,
  state       TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE runs (
  run_id       TEXT PRIMARY KEY,
  policy_id    TEXT NOT NULL,
  as_of        TEXT NOT NULL,
  started_at   INTEGER NOT NULL,
  finished_at  INTEGER,
  status       TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  counts       TEXT NOT NULL,
  errors       TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX runs_by_policy ON runs (policy_id, as_of, started_at);

CREATE TABLE leases (
  policy_id   TEXT NOT NULL,
  as_of       TEXT NOT NULL,
  owner       TEXT NOT NULL,
  expires_at  INTEGER NOT NULL,
  PRIMARY KEY (policy_id, as_of)
) WITHOUT ROWID;
`;
