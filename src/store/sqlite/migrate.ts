/**
 * Brings a database to the newest schema. The check and the changes run in one immediate
 * (write-locked) transaction, so two processes opening the same new file apply each
 * migration once; a database from a newer Reach is refused rather than written to.
 */
import type Database from "better-sqlite3";
import { StoreError } from "../store-error.ts";
import { MIGRATIONS, type Migration } from "./migrations/index.ts";

/** Applies what is missing and returns the versions applied (none when up to date). */
export function migrate(
  db: Database.Database,
  migrations: readonly Migration[] = MIGRATIONS,
  now: () => Date = () => new Date(),
): number[] {
  const run = db.transaction((): number[] => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version     INTEGER PRIMARY KEY,
      name        TEXT NOT NULL,
      applied_at  TEXT NOT NULL
    )`);
    const rows = db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[];
    const applied = new Set(rows.map((r) => r.version));
    const newest = migrations.at(-1)?.version ?? 0;
    const unknown = [...applied].filter((v) => v > newest);
    if (unknown.length > 0) {
      throw new StoreError(
        "schema_too_new",
        `the database has schema version ${Math.max(...unknown)}, newer than this Reach knows (${newest}); upgrade Reach`,
      );
    }
    const record = db.prepare(
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
    );
    const done: number[] = [];
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      db.exec(m.sql);
      record.run(m.version, m.name, now().toISOString());
      done.push(m.version);
    }
    return done;
  });
  return run.immediate();
}

/** The newest migration recorded; 0 for a new file. */
export function schemaVersion(db: Database.Database): number {
  const table = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  if (table === undefined) return 0;
  return (db.prepare("SELECT max(version) FROM schema_migrations").pluck().get() as number) ?? 0;
}
