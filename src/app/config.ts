/**
 * The bot's configuration, read from the environment once at start-up and validated with
 * zod: a bad value stops the process with a message naming the variable (PRODUCT §11).
 *
 * With no `MicrosoftAppId` the bot runs in local mode: requests are not authenticated,
 * which is only for the Agents Playground on this machine, so it then listens on
 * 127.0.0.1 unless `HOST` says otherwise. With an app id, Bot Framework authentication is
 * on and an unauthenticated request gets 401.
 */
import { z } from "zod/v4";
import { isSourceName, type SourceName } from "../data/adapters/index.ts";

const blankAsUndefined = (v: unknown) =>
  typeof v === "string" && v.trim() === "" ? undefined : typeof v === "string" ? v.trim() : v;
const optional = () => z.preprocess(blankAsUndefined, z.string().optional());
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const EnvSchema = z.object({
  MicrosoftAppId: z.preprocess(
    blankAsUndefined,
    z.string().regex(GUID, "must be the bot's app id (a GUID)").optional(),
  ),
  MicrosoftAppPassword: optional(),
  MicrosoftAppType: z.preprocess(
    blankAsUndefined,
    z
      .enum(["MultiTenant", "SingleTenant", "UserAssignedMSI"], {
        error: "must be MultiTenant, SingleTenant or UserAssignedMSI",
      })
      .optional(),
  ),
  MicrosoftAppTenantId: z.preprocess(
    blankAsUndefined,
    z.string().regex(GUID, "must be the Entra tenant id (a GUID)").optional(),
  ),
  PORT: z.preprocess(
    blankAsUndefined,
    z.coerce
      .number({ error: "must be a port number" })
      .int("must be a whole number")
      .min(0, "must be 0–65535")
      .max(65535, "must be 0–65535")
      .default(3978),
  ),
  HOST: optional(),
  REACH_DATA: optional(),
  REACH_SOURCE: z.preprocess(
    blankAsUndefined,
    z.string().refine(isSourceName, "must be canonical, oulad or oea").default("canonical"),
  ),
  REACH_POLICIES: optional(),
  REACH_DELIVERY_LEASE_SECONDS: z.preprocess(
    blankAsUndefined,
    z.coerce
      .number({ error: "must be a number of seconds" })
      .int("must be a whole number of seconds")
      .min(1, "must be at least 1 second")
      .optional(),
  ),
  REACH_DIRECTORY_REFRESH_MINUTES: z.preprocess(
    blankAsUndefined,
    z.coerce
      .number({ error: "must be a number of minutes" })
      .int("must be a whole number of minutes")
      .min(0, "must be 0 (never) or more")
      .default(60),
  ),
  REACH_STORE: z.preprocess(
    blankAsUndefined,
    z.enum(["sqlite", "cosmos"], { error: "must be sqlite or cosmos" }).default("sqlite"),
  ),
  REACH_LOG_LEVEL: z.preprocess(
    blankAsUndefined,
    z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
        error: "must be fatal, error, warn, info, debug, trace or silent",
      })
      .default("info"),
  ),
});

type AppType = "MultiTenant" | "SingleTenant" | "UserAssignedMSI";
const APP_TYPES: readonly string[] = ["MultiTenant", "SingleTenant", "UserAssignedMSI"];

/**
 * The checks across variables. Run on the raw values, apart from the schema, so that they
 * are reported together with any bad single value (a zod refinement on the object would
 * not run once one field failed, and the person would fix one problem at a time).
 */
function crossProblems(env: NodeJS.ProcessEnv): string[] {
  const value = (name: string) => blankAsUndefined(env[name]) as string | undefined;
  const problems: string[] = [];
  const need = (name: string, message: string) => problems.push(`${name} ${message}`);
  if (value("MicrosoftAppId") === undefined) {
    for (const name of ["MicrosoftAppPassword", "MicrosoftAppType", "MicrosoftAppTenantId"]) {
      if (value(name) !== undefined)
        need(name, "is set but MicrosoftAppId is not: set both, or neither for local mode");
    }
    return problems;
  }
  const given = value("MicrosoftAppType") ?? "MultiTenant";
  // An unknown type is reported by the schema; what it requires cannot be said.
  if (!APP_TYPES.includes(given)) return problems;
  const type = given as AppType;
  const password = value("MicrosoftAppPassword");
  if (type !== "UserAssignedMSI" && password === undefined)
    need("MicrosoftAppPassword", `is required with MicrosoftAppType=${type}`);
  if (type === "UserAssignedMSI" && password !== undefined)
    need("MicrosoftAppPassword", "must not be set with a managed identity (UserAssignedMSI)");
  if (type !== "MultiTenant" && value("MicrosoftAppTenantId") === undefined)
    need("MicrosoftAppTenantId", `is required with MicrosoftAppType=${type}`);
  return problems;
}

export interface BotAuth {
  appId: string;
  appPassword?: string;
  appType: AppType;
  tenantId?: string;
}

export interface BotConfig {
  /** Undefined in local mode. */
  auth: BotAuth | undefined;
  port: number;
  host: string;
  /** The data folder the directory (students, staff) is read from. */
  dataDir: string | undefined;
  source: SourceName;
  /** A policy file or a folder of them. */
  policies: string | undefined;
  /** How often the students and staff are read again from the data folder (0: never). */
  directoryRefreshMinutes: number;
  /**
   * How long the delivery worker holds the outbox entries it claims (the worker's default,
   * 120 s, when unset): after a crash, another instance takes them over once it expires.
   */
  deliveryLeaseSeconds?: number;
  store: "sqlite" | "cosmos";
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Reach cannot start: ${problems.join("; ")}`);
    this.name = "ConfigError";
  }
}

/** Reads the configuration; throws `ConfigError` listing every bad variable. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): BotConfig {
  const parsed = EnvSchema.safeParse(env);
  const problems = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((i) => `${i.path.join(".") || "environment"} ${i.message}`)),
    ...crossProblems(env),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  const auth: BotAuth | undefined =
    e.MicrosoftAppId === undefined
      ? undefined
      : {
          appId: e.MicrosoftAppId,
          appType: e.MicrosoftAppType ?? "MultiTenant",
          ...(e.MicrosoftAppPassword !== undefined && { appPassword: e.MicrosoftAppPassword }),
          ...(e.MicrosoftAppTenantId !== undefined && { tenantId: e.MicrosoftAppTenantId }),
        };
  return {
    auth,
    port: e.PORT,
    host: e.HOST ?? (auth === undefined ? "127.0.0.1" : "0.0.0.0"),
    dataDir: e.REACH_DATA,
    source: e.REACH_SOURCE as SourceName,
    policies: e.REACH_POLICIES,
    directoryRefreshMinutes: e.REACH_DIRECTORY_REFRESH_MINUTES,
    ...(e.REACH_DELIVERY_LEASE_SECONDS !== undefined && {
      deliveryLeaseSeconds: e.REACH_DELIVERY_LEASE_SECONDS,
    }),
    store: e.REACH_STORE,
    logLevel: e.REACH_LOG_LEVEL,
  };
}

/** `npm start`: the demo's port for Reach and how much it logs. */
export function readDemoSettings(env: NodeJS.ProcessEnv = process.env): {
  port: number;
  logLevel: BotConfig["logLevel"];
} {
  const parsed = EnvSchema.pick({ PORT: true, REACH_LOG_LEVEL: true }).safeParse({
    PORT: env.PORT,
    REACH_LOG_LEVEL: env.REACH_LOG_LEVEL ?? "warn",
  });
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`));
  }
  return { port: parsed.data.PORT, logLevel: parsed.data.REACH_LOG_LEVEL };
}
