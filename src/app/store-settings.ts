/**
 * The store's settings, read from the environment and validated with zod, for every
 * process that opens the store (the bot, the CLI, the demo): a bad value is reported with
 * the variable's name, all problems at once.
 *
 * - `REACH_STORE`: `sqlite` (default) or `cosmos`;
 * - SQLite: the file given with `--db`, else `REACH_DB`, else `data/reach.db` in the Reach
 *   folder (REACH_HOME, below) — the same file whichever folder a process starts in. A
 *   relative `--db` or `REACH_DB` is the operator's words, taken from the working folder;
 *   the settings always hold the absolute path, which is what messages show;
 * - Cosmos DB: `REACH_COSMOS_ENDPOINT`, optional `REACH_COSMOS_DATABASE` (default
 *   `reach`), and either `REACH_COSMOS_KEY` (account key) or
 *   `REACH_COSMOS_AUTH=managed-identity` (Entra ID); `REACH_COSMOS_LOOPBACK_TLS=self-signed`
 *   accepts a self-signed certificate from an emulator on 127.0.0.1 only;
 * - `REACH_CASE_ID_SECRET` (optional, at least 32 characters): the key case ids are made
 *   with, where a deployment supplies one; otherwise the store keeps one of its own.
 */
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod/v4";
import { DEFAULT_DB_PATH, MEMORY } from "../store/index.ts";
import { CONFIG_VARIABLES, ConfigError, type EnvVariable, variablesOf } from "./config.ts";

export type { EnvVariable } from "./config.ts";

/**
 * The Reach folder: the one holding Reach's package.json, found from this file's own place
 * (src/app/), so it is the same for `reach` (bin/reach.js), `npm run serve` and a job
 * started from any folder.
 */
export const REACH_HOME = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** The SQLite file when neither `--db` nor `REACH_DB` names one: `<Reach folder>/data/reach.db`. */
export const DEFAULT_SQLITE_PATH = resolve(REACH_HOME, DEFAULT_DB_PATH);

/** Where a run writes the rows it rejected (unless told otherwise), and erasure scrubs them. */
export const DEFAULT_QUARANTINE_DIR = join(REACH_HOME, "data", "quarantine");

/** A SQLite path as absolute: relative ones from the working folder; `:memory:` as it is. */
function absolute(path: string): string {
  return path === MEMORY ? path : resolve(path);
}

const text = () =>
  z.preprocess(
    (v) => (typeof v === "string" ? (v.trim() === "" ? undefined : v.trim()) : v),
    z.string().optional(),
  );

/** The store kinds, with `REACH_STORE`'s default first. */
const STORE_KINDS = ["sqlite", "cosmos"] as const;
/** `REACH_COSMOS_DATABASE` when unset (the Cosmos DB store's own default). */
const DEFAULT_COSMOS_DATABASE_NAME = "reach";
const MANAGED_IDENTITY = "managed-identity";
const SELF_SIGNED = "self-signed";

/**
 * The variables, read as text (trimmed; blank is unset) and checked by `readStoreSettings`,
 * which reports every problem at once with the variable's name. Each is described for the
 * configuration reference (docs/operations.md); its metadata gives the `default`, `values`
 * and `requiredWhen` the checks below apply, from the same constants.
 */
const StoreEnvSchema = z.object({
  REACH_STORE: text().meta({
    description:
      "Where Reach keeps cases, the outbox, the audit trail and runs: one SQLite file (see `REACH_DB`) or Azure Cosmos DB (the `REACH_COSMOS_` variables).",
    default: STORE_KINDS[0],
    values: STORE_KINDS,
  }),
  REACH_DB: text().meta({
    description:
      "The SQLite file (`REACH_STORE=sqlite`). Give the bot and every `reach` command the same absolute path, in a folder that survives a redeploy; a relative path is taken from each process's working folder. A command's `--db` comes first.",
    default: `\`<Reach folder>/${DEFAULT_DB_PATH}\``,
  }),
  REACH_COSMOS_ENDPOINT: text().meta({
    description:
      "The Cosmos DB account's endpoint, e.g. `https://<account>.documents.azure.com:443/`.",
    requiredWhen: "with `REACH_STORE=cosmos`",
  }),
  REACH_COSMOS_DATABASE: text().meta({
    description:
      "The Cosmos DB database. Reach creates it and its containers (`cases`, `outbox`, `audit`) if they are missing and its credentials may; the Azure template creates them for the managed identity, whose data role may not.",
    default: DEFAULT_COSMOS_DATABASE_NAME,
  }),
  REACH_COSMOS_KEY: text().meta({
    description: "The Cosmos DB account key.",
    requiredWhen: `with \`REACH_STORE=cosmos\`, unless \`REACH_COSMOS_AUTH=${MANAGED_IDENTITY}\` (never both)`,
  }),
  REACH_COSMOS_AUTH: text().meta({
    description: `\`${MANAGED_IDENTITY}\`: Reach signs in to Cosmos DB with Entra ID (the Azure SDK's \`DefaultAzureCredential\`: on App Service the managed identity \`AZURE_CLIENT_ID\` names) instead of an account key.`,
    values: [MANAGED_IDENTITY],
  }),
  REACH_COSMOS_LOOPBACK_TLS: text().meta({
    description: `\`${SELF_SIGNED}\`: accept a self-signed certificate from a Cosmos DB emulator on 127.0.0.1 (refused with any other endpoint). For development only.`,
    values: [SELF_SIGNED],
  }),
  REACH_CASE_ID_SECRET: text().meta({
    description:
      "The key case ids are made with: at least 32 random characters. Unset: the store makes one on first use and keeps it. Either way ids cannot be recomputed from student ids; changing it changes only the ids of cases opened afterwards.",
  }),
});

export type StoreSettings =
  | { kind: "sqlite"; path: string; caseIdSecret?: string }
  | {
      kind: "cosmos";
      endpoint: string;
      database?: string;
      auth: { key: string } | "managed-identity";
      selfSigned: boolean;
      caseIdSecret?: string;
    };

/**
 * The settings, with `dbPath` (a `--db` argument) before `REACH_DB`, the SQLite path made
 * absolute; throws `ConfigError`.
 */
export function readStoreSettings(
  dbPath: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): StoreSettings {
  const e = StoreEnvSchema.parse(env);
  const problems: string[] = [];
  const secret = e.REACH_CASE_ID_SECRET;
  if (secret !== undefined && secret.length < 32) {
    problems.push("REACH_CASE_ID_SECRET must be at least 32 characters (a random string)");
  }
  const caseIdSecret = secret !== undefined && secret.length >= 32 ? { caseIdSecret: secret } : {};
  const kind = e.REACH_STORE ?? STORE_KINDS[0];
  if (kind === "sqlite") {
    if (problems.length > 0) throw new ConfigError(problems);
    const named = dbPath ?? e.REACH_DB;
    return {
      kind,
      path: named === undefined ? DEFAULT_SQLITE_PATH : absolute(named),
      ...caseIdSecret,
    };
  }
  if (kind !== "cosmos") {
    throw new ConfigError([`REACH_STORE=${kind} is not sqlite or cosmos`, ...problems]);
  }
  const endpoint = e.REACH_COSMOS_ENDPOINT;
  const key = e.REACH_COSMOS_KEY;
  const managed = e.REACH_COSMOS_AUTH === MANAGED_IDENTITY;
  if (e.REACH_COSMOS_AUTH !== undefined && !managed) {
    problems.push("REACH_COSMOS_AUTH must be managed-identity (or unset, with REACH_COSMOS_KEY)");
  }
  if (endpoint === undefined) problems.push("REACH_STORE=cosmos needs REACH_COSMOS_ENDPOINT");
  if ((key !== undefined) === managed) {
    problems.push(
      "REACH_STORE=cosmos needs either REACH_COSMOS_KEY or REACH_COSMOS_AUTH=managed-identity (not both)",
    );
  }
  const selfSigned = e.REACH_COSMOS_LOOPBACK_TLS === SELF_SIGNED;
  const loopback = /^https:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/?$/.test(endpoint ?? "");
  if (selfSigned && !loopback) {
    problems.push(
      "REACH_COSMOS_LOOPBACK_TLS=self-signed is allowed only for an endpoint on 127.0.0.1",
    );
  }
  if (problems.length > 0 || endpoint === undefined) throw new ConfigError(problems);
  return {
    kind: "cosmos",
    endpoint,
    ...(e.REACH_COSMOS_DATABASE !== undefined && { database: e.REACH_COSMOS_DATABASE }),
    auth: managed ? "managed-identity" : { key: key as string },
    selfSigned,
    ...caseIdSecret,
  };
}

/** The store's variables, described (see `variablesOf` in config.ts). */
export const STORE_VARIABLES: readonly EnvVariable[] = variablesOf(StoreEnvSchema);

/**
 * Every variable Reach reads: the bot's (config.ts), then the store's; `REACH_STORE`, which
 * both read, once, among the store's.
 */
export const REACH_VARIABLES: readonly EnvVariable[] = [
  ...CONFIG_VARIABLES.filter((v) => !STORE_VARIABLES.some((s) => s.name === v.name)),
  ...STORE_VARIABLES,
];
