/**
 * Migration 8: the versions of each policy (policy-versions.ts), numbered per policy, with
 * the file's whole text so that a lead can roll back to any of them; and on each run
 * record, the version of the policy it evaluated (NULL for runs recorded before).
 */
export const POLICY_VERSIONS = `
CREATE TABLE policy_versions (
  policy_id    TEXT NOT NULL,
  version      INTEGER NOT NULL CHECK (version > 0),
  hash         TEXT NOT NULL,
  record       TEXT NOT NULL,
  PRIMARY KEY (policy_id, version)
) WITHOUT ROWID;
ALTER TABLE runs ADD COLUMN policy_version INTEGER;
`;
