/**
 * Migration 3: the installation's secret, which keys case ids (src/store/ids.ts). One row,
 * made on first use by `installationSecret` (INSERT OR IGNORE, then read), so two
 * processes opening a new file end with the same secret.
 */
export const INSTALLATION_SECRET = `
CREATE TABLE installation (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  secret  TEXT NOT NULL CHECK (length(secret) = 64)
);
`;
