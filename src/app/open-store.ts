/**
 * Opens the case store the settings name (see `store-settings.ts`): the one way the bot,
 * the command line and the demo open it. SQLite opens the absolute path the settings give
 * (`data/reach.db` in the Reach folder unless `--db` or `REACH_DB` says otherwise), so
 * every process finds the same file whatever folder it started in.
 *
 * `create` (SQLite only; true by default): whether a missing database file is created.
 * The bot and `reach run` create it; the commands that only read or change existing cases
 * pass false, so that a mistyped `REACH_DB` or `--db` fails with the error code
 * `REACH_NO_DATABASE` (and the `path`) instead of opening a new, empty database.
 */
import { Agent } from "node:https";
import { DefaultAzureCredential } from "@azure/identity";
import { openCosmosStore, openSqliteStore, type Store } from "../store/index.ts";
import { readStoreSettings } from "./store-settings.ts";

export async function openStore(
  dbPath: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  options: { create?: boolean } = {},
): Promise<Store> {
  const settings = readStoreSettings(dbPath, env);
  if (settings.kind === "sqlite") {
    return openSqliteStore({ path: settings.path, create: options.create ?? true });
  }
  return openCosmosStore({
    endpoint: settings.endpoint,
    ...(settings.auth === "managed-identity"
      ? { credential: new DefaultAzureCredential() }
      : { key: settings.auth.key }),
    ...(settings.database !== undefined && { database: settings.database }),
    ...(settings.selfSigned && {
      agent: new Agent({ rejectUnauthorized: false, keepAlive: true }),
    }),
  });
}
