/**
 * Opens the SQLite file: `data/reach.db` unless `REACH_DB` names another (`:memory:` for a
 * throwaway database), in WAL mode so that card actions read while a run writes, with a
 * busy timeout so that a second process waits for the write lock instead of failing.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

export const DEFAULT_DB_PATH = "data/reach.db";
export const MEMORY = ":memory:";

export interface SqliteOptions {
  /** A file path, or `:memory:`. */
  path?: string;
  /** How long a write waits for another connection's lock, in ms. */
  busyTimeoutMs?: number;
}

export function dbPathFrom(env: NodeJS.ProcessEnv = process.env): string {
  const named = env.REACH_DB?.trim();
  return named ? named : DEFAULT_DB_PATH;
}

export function openDatabase(options: SqliteOptions = {}): Database.Database {
  const path = options.path ?? dbPathFrom();
  if (path !== MEMORY) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  if (path !== MEMORY) db.pragma("journal_mode = WAL");
  // FULL: a commit survives a power cut, not only a killed process ("nothing lost",
  // PRODUCT §2.8); runs batch their appends, so the extra sync is paid once per batch.
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  // Erasure (docs/storage.md): what a change deletes or overwrites is zeroed in the file,
  // not left in free pages and cells where a copy of the file would still show it.
  db.pragma("secure_delete = ON");
  return db;
}
