/**
 * Opens the SQLite file the caller names (`:memory:` for a throwaway database), in WAL mode
 * so that card actions read while a run writes, with a busy timeout so that a second
 * process waits for the write lock instead of failing. Which file is Reach's is decided in
 * src/app/store-settings.ts: `--db`, else `REACH_DB`, else `data/reach.db` inside the Reach
 * folder (never the working folder's).
 */
import { mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

/**
 * Where the database lies inside the Reach folder (the folder of Reach's package.json), not
 * in the working folder: src/app/store-settings.ts makes it absolute.
 */
export const DEFAULT_DB_PATH = "data/reach.db";
export const MEMORY = ":memory:";

export interface SqliteOptions {
  /** A file path, or `:memory:`; required (optional only in the type, for old callers). */
  path?: string;
  /** How long a write waits for another connection's lock, in ms. */
  busyTimeoutMs?: number;
  /**
   * Whether a missing file is created (with its folder): true by default (the bot, a run).
   * With false, a missing file throws an error with code `REACH_NO_DATABASE` and its
   * `path`, so a mistyped path is reported instead of answered from a new empty database.
   */
  create?: boolean;
}

/** The error thrown for a missing database file when `create` is false. */
export const NO_DATABASE = "REACH_NO_DATABASE";

export function openDatabase(options: SqliteOptions = {}): Database.Database {
  // The environment is read by src/app/store-settings.ts; the store takes a path. No
  // default here: a relative `data/reach.db` would be the working folder's, a different
  // store for every folder the process is started from.
  const path = options.path;
  if (path === undefined || path === "") {
    throw new Error("openDatabase needs the database's path (src/app/store-settings.ts gives it)");
  }
  const create = options.create ?? true;
  if (path !== MEMORY) {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isDirectory()) {
      throw Object.assign(new Error(`${path} is a directory, not a database file`), {
        code: "EISDIR",
        path,
      });
    }
    if (stat === undefined) {
      if (!create) {
        throw Object.assign(new Error(`no Reach database at ${path}`), { code: NO_DATABASE, path });
      }
      mkdirSync(dirname(path), { recursive: true });
    }
  }
  const db = new Database(path, { fileMustExist: path !== MEMORY && !create });
  try {
    configure(db, path, options.busyTimeoutMs);
  } catch (error) {
    // Not a database, or one that cannot be written (a read-only file or folder, a full disk).
    db.close();
    throw error;
  }
  return db;
}

function configure(db: Database.Database, path: string, busyTimeoutMs: number | undefined): void {
  db.pragma(`busy_timeout = ${busyTimeoutMs ?? 5000}`);
  if (path !== MEMORY) db.pragma("journal_mode = WAL");
  // FULL: a commit survives a power cut, not only a killed process (nothing committed is
  // lost); runs batch their appends, so the extra sync is paid once per batch.
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  // Erasure (docs/storage.md): what a change deletes or overwrites is zeroed in the file,
  // not left in free pages and cells where a copy of the file would still show it.
  db.pragma("secure_delete = ON");
}
