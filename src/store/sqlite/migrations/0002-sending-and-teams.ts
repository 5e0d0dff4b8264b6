/**
 * Migration 2: the outbox's `sending_at` (set just before a send, cleared when its outcome
 * is recorded, so a worker that claims an entry again sees that an attempt was interrupted),
 * and what Reach keeps about Teams: the conversations it may post into and the channel each
 * policy's cases go to (docs/storage.md, "Teams conversations and channel bindings"). Neither
 * is partitioned by policy. Their times are not compared by the store, so they are ISO text
 * as the caller wrote them.
 */
export const SENDING_AND_TEAMS = `
ALTER TABLE outbox ADD COLUMN sending_at INTEGER;

CREATE TABLE conversations (
  id                  TEXT PRIMARY KEY,
  kind                TEXT NOT NULL CHECK (kind IN ('channel', 'personal', 'groupChat')),
  tenant_id           TEXT,
  team_id             TEXT,
  team_name           TEXT,
  name                TEXT,
  user_aad_object_id  TEXT,
  reference           TEXT NOT NULL,
  removed_at          TEXT,
  updated_at          TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX conversations_by_team ON conversations (team_id, id) WHERE team_id IS NOT NULL;
CREATE INDEX conversations_by_user ON conversations (user_aad_object_id, id)
  WHERE user_aad_object_id IS NOT NULL;

CREATE TABLE channel_bindings (
  policy_id        TEXT PRIMARY KEY,
  conversation_id  TEXT NOT NULL,
  team_id          TEXT,
  bound_by         TEXT NOT NULL,
  bound_at         TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX channel_bindings_by_conversation ON channel_bindings (conversation_id, policy_id);
`;
