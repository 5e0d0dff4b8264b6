/**
 * The bot's configuration, read from the environment once at start-up and validated with
 * zod: a bad value stops the process with a message naming the variable.
 *
 * With no `MicrosoftAppId` the bot runs in local mode: requests are not authenticated,
 * which is only for the Agents Playground on this machine, so it then listens on
 * 127.0.0.1 unless `HOST` says otherwise. With an app id, Bot Framework authentication is
 * on and an unauthenticated request gets 401.
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod/v4";
import { ADAPTERS, isSourceName, type SourceName } from "../data/adapters/index.ts";

const blankAsUndefined = (v: unknown) =>
  typeof v === "string" && v.trim() === "" ? undefined : typeof v === "string" ? v.trim() : v;
const optional = () => z.preprocess(blankAsUndefined, z.string().optional());
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `MicrosoftAppType` when unset. */
const DEFAULT_APP_TYPE = "MultiTenant";

/**
 * The variables, each described for the configuration reference (docs/operations.md,
 * written from this schema by scripts/config-reference.ts). Facts zod applies itself (a
 * `.default`, an enum's values) are read from the schema; the metadata adds only what
 * readConfig or a reader after it applies: `default` (text), `values`, `requiredWhen`.
 */
const EnvSchema = z.object({
  MicrosoftAppId: z
    .preprocess(
      blankAsUndefined,
      z.string().regex(GUID, "must be the bot's app id (a GUID)").optional(),
    )
    .meta({
      description:
        "The bot's Microsoft App ID (a GUID): the client id of its app registration or managed identity. Unset: local mode, where requests are not authenticated and Reach listens on 127.0.0.1 (for the Agents Playground on this machine only).",
    }),
  MicrosoftAppPassword: optional().meta({
    description: "The app registration's client secret.",
    requiredWhen:
      "with `MicrosoftAppId`, unless `MicrosoftAppType` is `UserAssignedMSI` (then it must not be set)",
  }),
  MicrosoftAppType: z
    .preprocess(
      blankAsUndefined,
      z
        .enum(["MultiTenant", "SingleTenant", "UserAssignedMSI"], {
          error: "must be MultiTenant, SingleTenant or UserAssignedMSI",
        })
        .optional(),
    )
    .meta({
      description:
        "How the bot signs in: an app registration with a secret (`SingleTenant`, `MultiTenant`) or a user-assigned managed identity (no secret). Only with `MicrosoftAppId`.",
      default: DEFAULT_APP_TYPE,
    }),
  MicrosoftAppTenantId: z
    .preprocess(
      blankAsUndefined,
      z.string().regex(GUID, "must be the Entra tenant id (a GUID)").optional(),
    )
    .meta({
      description: "The school's Entra tenant id (a GUID), where the bot's identity lives.",
      requiredWhen: "with `MicrosoftAppType` `SingleTenant` or `UserAssignedMSI`",
    }),
  PORT: z
    .preprocess(
      blankAsUndefined,
      z.coerce
        .number({ error: "must be a port number" })
        .int("must be a whole number")
        .min(0, "must be 0–65535")
        .max(65535, "must be 0–65535")
        .default(3978),
    )
    .meta({
      description:
        "The port Reach listens on for `/api/messages`, `/health` and `/ready` (App Service sets it). `0`: any free port.",
    }),
  HOST: optional().meta({
    description: "The interface Reach listens on.",
    default: "`127.0.0.1` in local mode (no `MicrosoftAppId`), else `0.0.0.0`",
  }),
  REACH_DATA: optional().meta({
    description:
      "The data folder the nightly exports land in (students, staff, attendance, activity), in the format `REACH_SOURCE` names. Read at start, every `REACH_DIRECTORY_REFRESH_MINUTES`, and before every scheduled run. Unset: Reach knows no students or staff and runs nothing on a schedule.",
  }),
  REACH_SOURCE: z
    .preprocess(
      blankAsUndefined,
      z
        .string()
        .refine(isSourceName, `must be one of ${Object.keys(ADAPTERS).join(", ")}`)
        .default("canonical"),
    )
    .meta({
      description: "The format of the data folder.",
      values: Object.keys(ADAPTERS),
    }),
  REACH_POLICIES: optional().meta({
    description:
      "A policy file, or a folder of them. At start every file must be valid, or Reach does not start; the files are read again before every scheduled run. Unset: no policies, nothing scheduled.",
  }),
  REACH_OUTREACH: optional().meta({
    description:
      "The folder of message templates advisers start from when they write to a student (one `<id>.md` per template; see `outreach/README.md`). Read at start and whenever the data is read again; a template with a problem is left out and logged.",
    default: "`outreach/` in Reach's folder",
  }),
  REACH_GRAPH_URL: optional().meta({
    description:
      "Microsoft Graph's address, through which Reach installs itself for a student who has never opened it, to message them (needs `MicrosoftAppId` and the permission in docs/deployment.md). Change it only for a national cloud.",
    default: "`https://graph.microsoft.com/v1.0`",
  }),
  REACH_DELIVERY_LEASE_SECONDS: z
    .preprocess(
      blankAsUndefined,
      z.coerce
        .number({ error: "must be a number of seconds" })
        .int("must be a whole number of seconds")
        .min(1, "must be at least 1 second")
        .optional(),
    )
    .meta({
      description:
        "How long the delivery worker holds the outbox entries it claims, in seconds: after a crash, another instance takes them over once it runs out.",
      default: "120",
    }),
  REACH_DIRECTORY_REFRESH_MINUTES: z
    .preprocess(
      blankAsUndefined,
      z.coerce
        .number({ error: "must be a number of minutes" })
        .int("must be a whole number of minutes")
        .min(0, "must be 0 (never) or more")
        .default(60),
    )
    .meta({
      description:
        "How often the students and staff are read again from the data folder, in minutes. `0`: only at start (and before each scheduled run).",
    }),
  REACH_STORE: z
    .preprocess(
      blankAsUndefined,
      z.enum(["sqlite", "cosmos"], { error: "must be sqlite or cosmos" }).default("sqlite"),
    )
    .meta({
      description:
        "Where Reach keeps cases, the outbox, the audit trail and runs: one SQLite file (see `REACH_DB`) or Azure Cosmos DB (the `REACH_COSMOS_` variables).",
    }),
  REACH_LOG_LEVEL: z
    .preprocess(
      blankAsUndefined,
      z
        .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
          error: "must be fatal, error, warn, info, debug, trace or silent",
        })
        .default("info"),
    )
    .meta({
      description: "The least severe log line written (JSON lines on standard output).",
    }),
  REACH_SCHEDULER: z
    .preprocess(
      blankAsUndefined,
      z.enum(["on", "off"], { error: "must be on or off" }).default("on"),
    )
    .meta({
      description:
        "Whether this process runs each policy on its `schedule` (it needs `REACH_POLICIES` and `REACH_DATA`). Several instances on one store may all have it on: a policy and date still run once.",
    }),
  REACH_NOW: z
    .preprocess(
      blankAsUndefined,
      z
        .string()
        .refine(
          (v) =>
            /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) &&
            Number.isFinite(Date.parse(v)),
          "must be a time with its offset, e.g. 2027-01-29T06:59:00Z",
        )
        .optional(),
    )
    .meta({
      description:
        "Where the scheduler's clock starts: a time with its offset, e.g. `2027-01-29T06:59:00Z`; time then runs at its normal pace from there. For trying a schedule on a chosen day; leave it unset in production.",
    }),
});

/** The message templates shipped with Reach (`REACH_OUTREACH` names another folder). */
export const DEFAULT_OUTREACH_DIR = fileURLToPath(new URL("../../outreach", import.meta.url));

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
  const given = value("MicrosoftAppType") ?? DEFAULT_APP_TYPE;
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
  /**
   * Whether this process runs each policy on its schedule (`REACH_SCHEDULER`, on unless
   * `off`; it needs `REACH_POLICIES` and `REACH_DATA`). Several instances may all have it
   * on: a policy and date still run once.
   */
  scheduler?: boolean;
  /**
   * Where the scheduler's clock starts (`REACH_NOW`, epoch ms): time then runs at its
   * normal pace from there. For trying a schedule on a chosen day; unset in production.
   */
  clockStart?: number;
  /** The message templates' folder (`REACH_OUTREACH`; Reach's own `outreach/` when unset). */
  outreachDir?: string;
  /** Microsoft Graph's base address (`REACH_GRAPH_URL`); used only with `auth`. */
  graphUrl?: string;
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
          appType: e.MicrosoftAppType ?? DEFAULT_APP_TYPE,
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
    scheduler: e.REACH_SCHEDULER === "on",
    ...(e.REACH_NOW !== undefined && { clockStart: Date.parse(e.REACH_NOW) }),
    outreachDir: resolve(e.REACH_OUTREACH ?? DEFAULT_OUTREACH_DIR),
    ...(e.REACH_GRAPH_URL !== undefined && { graphUrl: e.REACH_GRAPH_URL }),
  };
}

/** `npm start`: the demo's port for Reach and how much it logs. */
export function readDemoSettings(env: NodeJS.ProcessEnv = process.env): {
  port: number;
  logLevel: BotConfig["logLevel"];
  /** `REACH_NOW`: the demo's clock starts there (e.g. a school day's noon, at a weekend). */
  clockStart?: number;
} {
  const parsed = EnvSchema.pick({ PORT: true, REACH_LOG_LEVEL: true, REACH_NOW: true }).safeParse({
    PORT: env.PORT,
    REACH_LOG_LEVEL: env.REACH_LOG_LEVEL ?? "warn",
    REACH_NOW: env.REACH_NOW,
  });
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`));
  }
  const { PORT, REACH_LOG_LEVEL, REACH_NOW } = parsed.data;
  return {
    port: PORT,
    logLevel: REACH_LOG_LEVEL,
    ...(REACH_NOW !== undefined && { clockStart: Date.parse(REACH_NOW) }),
  };
}

/** One environment variable Reach reads, as the configuration reference lists it. */
export interface EnvVariable {
  name: string;
  description: string;
  /** The value when unset, as text (Markdown); none when unset means "not used". */
  default?: string;
  /** The accepted values, when there is a fixed set. */
  values?: readonly string[];
  /** Whether Reach refuses to start without it, whatever else is set. */
  required: boolean;
  /** When another variable's value makes it required (Markdown). */
  requiredWhen?: string;
}

/**
 * The variables of an environment schema, from the schema itself: its keys, each field's
 * description, its default (the value zod gives `undefined`, else the metadata's), its
 * values (an enum inside the field, else the metadata's) and whether it is required (zod
 * refuses `undefined`).
 */
export function variablesOf(schema: z.ZodObject): EnvVariable[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const type = field as z.ZodType;
    const meta = (type.meta() ?? {}) as Record<string, unknown>;
    const unset = type.safeParse(undefined);
    const zodDefault = unset.success && unset.data !== undefined ? String(unset.data) : undefined;
    const fallback = typeof meta.default === "string" ? meta.default : undefined;
    const values = enumValues(type) ?? (Array.isArray(meta.values) ? meta.values.map(String) : []);
    return {
      name,
      description: type.description ?? "",
      ...((zodDefault ?? fallback) !== undefined && { default: zodDefault ?? fallback }),
      ...(values.length > 0 && { values }),
      required: !unset.success,
      ...(typeof meta.requiredWhen === "string" && { requiredWhen: meta.requiredWhen }),
    };
  });
}

/** The options of an enum a field is made of (through preprocess, default, optional, catch). */
function enumValues(type: z.ZodType): string[] | undefined {
  if (type instanceof z.ZodEnum) return type.options.map(String);
  if (type instanceof z.ZodPipe) return enumValues(type.out as z.ZodType);
  if (type instanceof z.ZodDefault || type instanceof z.ZodOptional || type instanceof z.ZodCatch) {
    return enumValues(type.def.innerType as z.ZodType);
  }
  return undefined;
}

/** The variables `readConfig` reads, described (see `variablesOf`). */
export const CONFIG_VARIABLES: readonly EnvVariable[] = variablesOf(EnvSchema);
