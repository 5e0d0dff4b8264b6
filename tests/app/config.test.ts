/**
 * The bot's configuration from the environment: each bad value stops start-up with a
 * `ConfigError` naming the variable, every problem at once; the defaults; local mode
 * (no app id) listening on loopback only.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_OUTREACH_DIR, readConfig } from "../../src/app/config.ts";

const REPO_ROOT = resolve(new URL("../..", import.meta.url).pathname);

const APP_ID = "11111111-2222-3333-4444-555555555555";
const TENANT_ID = "99999999-8888-7777-6666-555555555555";

/** The problems `readConfig(env)` reports (fails the test if it does not throw ConfigError). */
function problemsOf(env: Record<string, string>): string[] {
  try {
    readConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect(e.message).toBe(`Reach cannot start: ${e.problems.join("; ")}`);
    return e.problems;
  }
  throw new Error(`readConfig accepted ${JSON.stringify(env)}`);
}

describe("readConfig: one bad variable", () => {
  it.each([
    ["abc", "PORT must be a port number"],
    ["70000", "PORT must be 0–65535"],
    ["-1", "PORT must be 0–65535"],
    ["3.5", "PORT must be a whole number"],
  ])("PORT=%s", (port, problem) => {
    expect(problemsOf({ PORT: port })).toEqual([problem]);
  });

  it("a MicrosoftAppId that is not a GUID", () => {
    expect(problemsOf({ MicrosoftAppId: "reach-bot", MicrosoftAppPassword: "secret" })).toEqual([
      "MicrosoftAppId must be the bot's app id (a GUID)",
    ]);
  });

  it("SingleTenant without a tenant id", () => {
    const env = {
      MicrosoftAppId: APP_ID,
      MicrosoftAppPassword: "secret",
      MicrosoftAppType: "SingleTenant",
    };
    expect(problemsOf(env)).toEqual([
      "MicrosoftAppTenantId is required with MicrosoftAppType=SingleTenant",
    ]);
  });

  it("a password without an app id", () => {
    expect(problemsOf({ MicrosoftAppPassword: "secret" })).toEqual([
      "MicrosoftAppPassword is set but MicrosoftAppId is not: set both, or neither for local mode",
    ]);
  });

  it("an app id without a password (MultiTenant)", () => {
    expect(problemsOf({ MicrosoftAppId: APP_ID })).toEqual([
      "MicrosoftAppPassword is required with MicrosoftAppType=MultiTenant",
    ]);
  });

  it("a password with a managed identity", () => {
    const env = {
      MicrosoftAppId: APP_ID,
      MicrosoftAppPassword: "secret",
      MicrosoftAppType: "UserAssignedMSI",
      MicrosoftAppTenantId: TENANT_ID,
    };
    expect(problemsOf(env)).toEqual([
      "MicrosoftAppPassword must not be set with a managed identity (UserAssignedMSI)",
    ]);
  });

  it("an unknown app type, store, source or log level", () => {
    expect(problemsOf({ MicrosoftAppId: APP_ID, MicrosoftAppType: "Personal" })).toEqual([
      "MicrosoftAppType must be MultiTenant, SingleTenant or UserAssignedMSI",
    ]);
    expect(problemsOf({ REACH_STORE: "mongo" })).toEqual(["REACH_STORE must be sqlite or cosmos"]);
    expect(problemsOf({ REACH_SOURCE: "xls" })).toEqual([
      "REACH_SOURCE must be one of canonical, parquet, oulad, oea, sds, oneroster, edfi, moodle, graph, combined, metrics",
    ]);
    expect(problemsOf({ REACH_LOG_LEVEL: "loud" })).toEqual([
      "REACH_LOG_LEVEL must be fatal, error, warn, info, debug, trace or silent",
    ]);
  });
});

describe("readConfig: every problem at once", () => {
  it("reports bad values of several variables together", () => {
    const problems = problemsOf({
      PORT: "abc",
      MicrosoftAppId: "reach-bot",
      REACH_STORE: "mongo",
    });
    expect(problems).toHaveLength(4);
    expect(problems).toEqual(
      expect.arrayContaining([
        "PORT must be a port number",
        "MicrosoftAppId must be the bot's app id (a GUID)",
        "REACH_STORE must be sqlite or cosmos",
        "MicrosoftAppPassword is required with MicrosoftAppType=MultiTenant",
      ]),
    );
  });

  it("reports a bad value and a missing companion variable together", () => {
    // The cross-variable checks run even when a single value is bad.
    expect(problemsOf({ PORT: "abc", MicrosoftAppPassword: "secret" })).toEqual([
      "PORT must be a port number",
      "MicrosoftAppPassword is set but MicrosoftAppId is not: set both, or neither for local mode",
    ]);
    expect(
      problemsOf({
        PORT: "99999",
        MicrosoftAppId: APP_ID,
        MicrosoftAppPassword: "secret",
        MicrosoftAppType: "SingleTenant",
      }),
    ).toEqual([
      "PORT must be 0–65535",
      "MicrosoftAppTenantId is required with MicrosoftAppType=SingleTenant",
    ]);
  });

  it("names each stray Microsoft variable in local mode", () => {
    expect(
      problemsOf({
        MicrosoftAppPassword: "secret",
        MicrosoftAppType: "SingleTenant",
        MicrosoftAppTenantId: TENANT_ID,
      }).map((p) => p.split(" ")[0]),
    ).toEqual(["MicrosoftAppPassword", "MicrosoftAppType", "MicrosoftAppTenantId"]);
  });
});

describe("readConfig: defaults", () => {
  it("local mode: no auth, port 3978, loopback only", () => {
    expect(readConfig({})).toEqual({
      auth: undefined,
      port: 3978,
      host: "127.0.0.1",
      dataDir: undefined,
      source: "canonical",
      policies: undefined,
      directoryRefreshMinutes: 60,
      store: "sqlite",
      logLevel: "info",
      scheduler: true,
      outreachDir: DEFAULT_OUTREACH_DIR,
    });
  });

  it("reads message templates from REACH_OUTREACH, made absolute, and Graph from REACH_GRAPH_URL", () => {
    const config = readConfig({
      REACH_OUTREACH: "school-templates",
      REACH_GRAPH_URL: "https://graph.microsoft.us/v1.0",
    });
    expect(config.outreachDir).toBe(resolve("school-templates"));
    expect(config.graphUrl).toBe("https://graph.microsoft.us/v1.0");
    expect(DEFAULT_OUTREACH_DIR).toBe(resolve(REPO_ROOT, "outreach"));
  });

  it("runs the scheduler unless REACH_SCHEDULER=off; REACH_NOW sets where its clock starts", () => {
    expect(readConfig({ REACH_SCHEDULER: "off" }).scheduler).toBe(false);
    expect(readConfig({ REACH_SCHEDULER: "on" }).scheduler).toBe(true);
    expect(() => readConfig({ REACH_SCHEDULER: "maybe" })).toThrow(
      /REACH_SCHEDULER must be on or off/,
    );
    expect(readConfig({}).clockStart).toBeUndefined();
    expect(readConfig({ REACH_NOW: "2027-01-29T06:59:00Z" }).clockStart).toBe(
      Date.UTC(2027, 0, 29, 6, 59),
    );
    expect(readConfig({ REACH_NOW: "2027-01-29T07:00:00+01:00" }).clockStart).toBe(
      Date.UTC(2027, 0, 29, 6, 0),
    );
    for (const bad of ["2027-01-29", "tomorrow", "2027-13-40T07:00:00Z", "2027-01-29T07:00:00"]) {
      expect(() => readConfig({ REACH_NOW: bad })).toThrow(
        /REACH_NOW must be a time with its offset/,
      );
    }
  });

  it("reads the directory refresh interval, and refuses a bad one by name", () => {
    expect(readConfig({ REACH_DIRECTORY_REFRESH_MINUTES: "0" }).directoryRefreshMinutes).toBe(0);
    expect(readConfig({ REACH_DIRECTORY_REFRESH_MINUTES: "15" }).directoryRefreshMinutes).toBe(15);
    expect(() => readConfig({ REACH_DIRECTORY_REFRESH_MINUTES: "-1" })).toThrow(
      /REACH_DIRECTORY_REFRESH_MINUTES must be 0 \(never\) or more/,
    );
  });

  it("reads the delivery lease, unset by default, and refuses a bad one by name", () => {
    expect(readConfig({}).deliveryLeaseSeconds).toBeUndefined();
    expect(readConfig({ REACH_DELIVERY_LEASE_SECONDS: "30" }).deliveryLeaseSeconds).toBe(30);
    expect(() => readConfig({ REACH_DELIVERY_LEASE_SECONDS: "0" })).toThrow(
      /REACH_DELIVERY_LEASE_SECONDS must be at least 1 second/,
    );
  });

  it("blank values count as unset", () => {
    const config = readConfig({ PORT: " ", HOST: "", MicrosoftAppId: "  ", REACH_STORE: "" });
    expect(config.auth).toBeUndefined();
    expect(config.port).toBe(3978);
    expect(config.host).toBe("127.0.0.1");
    expect(config.store).toBe("sqlite");
  });

  it("with credentials: auth on, every interface, MultiTenant by default", () => {
    const config = readConfig({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: "secret" });
    expect(config.auth).toEqual({ appId: APP_ID, appPassword: "secret", appType: "MultiTenant" });
    expect(config.host).toBe("0.0.0.0");
    expect(config.port).toBe(3978);
  });

  it("SingleTenant with its tenant id; values are trimmed; HOST and PORT win", () => {
    const config = readConfig({
      MicrosoftAppId: ` ${APP_ID} `,
      MicrosoftAppPassword: "secret",
      MicrosoftAppType: "SingleTenant",
      MicrosoftAppTenantId: TENANT_ID,
      PORT: "8080",
      HOST: "10.0.0.5",
      REACH_DATA: "/data/school",
      REACH_POLICIES: "/data/policies",
      REACH_STORE: "cosmos",
      REACH_SOURCE: "oea",
      REACH_LOG_LEVEL: "debug",
    });
    expect(config).toEqual({
      auth: { appId: APP_ID, appPassword: "secret", appType: "SingleTenant", tenantId: TENANT_ID },
      port: 8080,
      host: "10.0.0.5",
      dataDir: "/data/school",
      source: "oea",
      policies: "/data/policies",
      directoryRefreshMinutes: 60,
      store: "cosmos",
      logLevel: "debug",
      scheduler: true,
      outreachDir: DEFAULT_OUTREACH_DIR,
    });
  });

  it("a managed identity needs no password", () => {
    const config = readConfig({
      MicrosoftAppId: APP_ID,
      MicrosoftAppType: "UserAssignedMSI",
      MicrosoftAppTenantId: TENANT_ID,
    });
    expect(config.auth).toEqual({
      appId: APP_ID,
      appType: "UserAssignedMSI",
      tenantId: TENANT_ID,
    });
  });

  it("PORT=0 (any free port) is allowed", () => {
    expect(readConfig({ PORT: "0" }).port).toBe(0);
  });
});
