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
import { ConfigError } from "./config.ts";

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

const StoreEnvSchema = z.object({
  REACH_STORE: text(),
  REACH_DB: text(),
  REACH_COSMOS_ENDPOINT: text(),
  REACH_COSMOS_DATABASE: text(),
  REACH_COSMOS_KEY: text(),
  REACH_COSMOS_AUTH: text(),
  REACH_COSMOS_LOOPBACK_TLS: text(),
  REACH_CASE_ID_SECRET: text(),
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
  const kind = e.REACH_STORE ?? "sqlite";
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
  const managed = e.REACH_COSMOS_AUTH === "managed-identity";
  if (e.REACH_COSMOS_AUTH !== undefined && !managed) {
    problems.push("REACH_COSMOS_AUTH must be managed-identity (or unset, with REACH_COSMOS_KEY)");
  }
  if (endpoint === undefined) problems.push("REACH_STORE=cosmos needs REACH_COSMOS_ENDPOINT");
  if ((key !== undefined) === managed) {
    problems.push(
      "REACH_STORE=cosmos needs either REACH_COSMOS_KEY or REACH_COSMOS_AUTH=managed-identity (not both)",
    );
  }
  const selfSigned = e.REACH_COSMOS_LOOPBACK_TLS === "self-signed";
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
