/**
 * Migration 4: what a run's check of its policy against the data said — its warnings, and
 * the last date of each stream of the data — kept on the run record (JSON arrays; empty for
 * runs recorded before, and for runs with nothing to say).
 */
export const RUN_DATA_CHECK = `
ALTER TABLE runs ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';
ALTER TABLE runs ADD COLUMN data_through TEXT NOT NULL DEFAULT '[]';
`;
