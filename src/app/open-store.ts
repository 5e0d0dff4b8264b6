/**
 * The case store the command line works on, chosen by `REACH_STORE`:
 * - `sqlite` (default): the file given with `--db`, else `REACH_DB`, else `data/reach.db`;
 * - `cosmos`: `REACH_COSMOS_ENDPOINT`, optional `REACH_COSMOS_DATABASE` (default `reach`),
 *   and either `REACH_COSMOS_KEY` (account key) or `REACH_COSMOS_AUTH=managed-identity`
 *   (Entra ID through `DefaultAzureCredential`: the App Service's managed identity in
 *   Azure, a developer's sign-in locally). `REACH_COSMOS_LOOPBACK_TLS=self-signed` accepts
 *   a self-signed certificate from an emulator on 127.0.0.1 only.
 */
import { Agent } from "node:https";
import { DefaultAzureCredential } from "@azure/identity";
import { openCosmosStore } from "../store/cosmos/index.ts";
import { dbPathFrom } from "../store/sqlite/open-database.ts";
import { openSqliteStore } from "../store/sqlite/sqlite-store.ts";
import type { Store } from "../store/store.ts";

export async function openStore(
  dbPath: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Store> {
  const kind = env.REACH_STORE?.trim() || "sqlite";
  if (kind === "sqlite") return openSqliteStore({ path: dbPath ?? dbPathFrom(env) });
  if (kind !== "cosmos") throw new Error(`REACH_STORE=${kind} is not sqlite or cosmos`);
  const endpoint = env.REACH_COSMOS_ENDPOINT?.trim();
  const key = env.REACH_COSMOS_KEY?.trim() || undefined;
  const managed = env.REACH_COSMOS_AUTH?.trim() === "managed-identity";
  if (!endpoint) throw new Error("REACH_STORE=cosmos needs REACH_COSMOS_ENDPOINT");
  if (Boolean(key) === managed) {
    throw new Error(
      "REACH_STORE=cosmos needs either REACH_COSMOS_KEY or REACH_COSMOS_AUTH=managed-identity (not both)",
    );
  }
  const loopback = /^https:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/?$/.test(endpoint);
  const selfSigned = env.REACH_COSMOS_LOOPBACK_TLS === "self-signed";
  if (selfSigned && !loopback) {
    throw new Error(
      "REACH_COSMOS_LOOPBACK_TLS=self-signed is allowed only for an endpoint on 127.0.0.1",
    );
  }
  return openCosmosStore({
    endpoint,
    ...(managed ? { credential: new DefaultAzureCredential() } : { key }),
    database: env.REACH_COSMOS_DATABASE?.trim() || undefined,
    ...(selfSigned && { agent: new Agent({ rejectUnauthorized: false, keepAlive: true }) }),
  });
}
