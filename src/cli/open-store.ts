/** The case store the CLI works on: SQLite (`REACH_STORE=sqlite`, the default). */
import { dbPathFrom } from "../store/sqlite/open-database.ts";
import { openSqliteStore } from "../store/sqlite/sqlite-store.ts";
import type { Store } from "../store/store.ts";

export function openStore(dbPath: string | undefined, env: NodeJS.ProcessEnv = process.env): Store {
  const kind = env.REACH_STORE?.trim() || "sqlite";
  if (kind !== "sqlite") {
    throw new Error(
      `REACH_STORE=${kind}: the command line works on the SQLite store only (REACH_STORE=sqlite)`,
    );
  }
  return openSqliteStore({ path: dbPath ?? dbPathFrom(env) });
}
